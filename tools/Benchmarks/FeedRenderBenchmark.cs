using System.Diagnostics;
using System.Globalization;
using BkOutreach.Core.Calendar;
using NodaTime;

namespace BkOutreach.Benchmarks;

/// <summary>
/// Where a feed request's time goes when storage is taken away: rendering N events with Ical.Net, hashing
/// the bytes for the ETag, and the validator computed from the events alone (what a 304 needs).
/// </summary>
public static class FeedRenderBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000;
        var zone = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
        var start = Instant.FromUtc(2027, 1, 9, 0, 0);
        var events = Enumerable.Range(0, count).Select(i => new FeedEvent(
            $"slot-bk-{i % 8}-{i}@bkoutreach",
            start + Duration.FromMinutes(30 * i),
            start + Duration.FromMinutes((30 * i) + 30),
            "Slot temu BK (tersedia)",
            "Pilih slot ini lewat tautan di SMS Anda.",
            "MA Beban Uji",
            null,
            FeedEventStatus.Tentative,
            0,
            start) { Transparent = true }).ToList();

        Measure("render (Ical.Net) + UTF-8", 30, () => CalendarHttp.Encode(CalendarRenderer.RenderFeed("Jadwal", zone, events)).Length);
        var body = CalendarHttp.Encode(CalendarRenderer.RenderFeed("Jadwal", zone, events));
        Measure("ETag of the rendered bytes (SHA-256)", 30, () => CalendarHttp.ETag(body).Length);
        Measure("validator of the events (no rendering)", 30, () => CalendarHttp.Validator("Jadwal", zone, events).Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} events, {body.Length / 1024.0:0} KiB"));
        return Task.FromResult(0);
    }

    private static void Measure(string what, int runs, Func<int> work)
    {
        for (var i = 0; i < 5; i++)
        {
            work();
        }

        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            work();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: p50 {times[runs / 2]:0.00} ms, p95 {times[(int)(runs * 0.95)]:0.00} ms"));
    }
}
