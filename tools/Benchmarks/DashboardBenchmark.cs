using System.Diagnostics;
using System.Globalization;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NodaTime;

namespace BkOutreach.Benchmarks;

/// <summary>
/// Dashboard render time for a school of N guardians (default 10,000) with a synthetic participation log:
/// <list type="bullet">
/// <item>default: the computation and HTML rendering from a log in memory (what the page costs beyond storage);</item>
/// <item><c>--azurite [connection string]</c>: the whole use case against Azurite, from the roll-ups and from the full log in the same run (<c>--iterations</c>, <c>--log-iterations</c>).</item>
/// </list>
/// </summary>
public static class DashboardBenchmark
{
    private const string Term = "2026/2027 Genap";
    private static readonly string[] Classes = ["X IPA 1", "X IPA 2", "X IPS 1", "XI IPA 1", "XI IPA 2", "XI IPS 1", "XII IPA 1", "XII IPS 1"];
    private static readonly string[] Counselors = ["bk-1", "bk-2", "bk-3", "bk-4"];

    public static async Task<int> RunAsync(string[] args)
    {
        var guardians = IntOption(args, "--guardians", 10_000);
        var iterations = IntOption(args, "--iterations", 20);
        var azurite = Array.IndexOf(args, "--azurite");
        return azurite < 0
            ? InMemory(guardians, iterations)
            : await AgainstStorageAsync(guardians, iterations, IntOption(args, "--log-iterations", 5), args.Contains("--reuse"), azurite + 1 < args.Length && !args[azurite + 1].StartsWith("--", StringComparison.Ordinal) ? args[azurite + 1] : "UseDevelopmentStorage=true");
    }

    private static int InMemory(int guardians, int iterations)
    {
        var school = new SchoolSettings { Name = "MA Benchmark", TimeZone = "Asia/Jakarta" };
        var now = Instant.FromUtc(2027, 2, 1, 2, 0);
        var facts = Synthesize("bench", guardians);
        var entries = facts.Select(f => new ParticipationEntry(f, Instant.FromDateTimeOffset(f.OccurredAt).InZone(DateTimeZoneProviders.Tzdb["Asia/Jakarta"]).LocalDateTime, "Asia/Jakarta")).ToList();
        var bookings = Bookings("bench", guardians, now.ToDateTimeOffset());
        var inputs = new DashboardInputs
        {
            SchoolId = "bench",
            School = school,
            Now = now,
            Entries = entries,
            Campaigns = [new Campaign("c-genap", "bench", new CampaignDefinition { Name = "Genap outreach", Term = Term })],
            CounselorNames = Counselors.ToDictionary(c => c, c => "Guru " + c, StringComparer.Ordinal),
            Bookings = bookings,
            Guardians = bookings.Select(b => b.GuardianId).Distinct().ToDictionary(g => g, g => new Guardian(g, "bench", "+628000000000", "Wali " + g, "id", [new Student("s" + g, "Siswa " + g, "XI IPA 1", "bk-1")])),
        };

        var html = "";
        var build = new List<double>();
        var render = new List<double>();
        var cpu = TimeSpan.Zero;
        for (var i = 0; i < iterations + 3; i++)
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var model = DashboardBuilder.Build(inputs);
            var built = watch.Elapsed.TotalMilliseconds;
            html = DashboardRenderer.Render(model, null);
            var total = watch.Elapsed.TotalMilliseconds;
            if (i >= 3)
            {
                build.Add(built);
                render.Add(total - built);
                cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            }
        }

        var totals = build.Zip(render, (a, b) => a + b).ToList();
        var parts = Stopwatch.StartNew();
        var rows = ParticipationAnalysis.ByGuardianAndCampaign(entries);
        var analysis = parts.Elapsed.TotalMilliseconds;
        parts.Restart();
        var tallies = SurveyTabulation.Tabulate(entries);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  of which: per-guardian summary {analysis:0.0} ms ({rows.Count} rows), survey tabulation {parts.Elapsed.TotalMilliseconds:0.0} ms ({tallies.Count} tallies)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dashboard in memory: {guardians} guardians, {entries.Count} facts, {bookings.Count} bookings, {iterations} runs after 3 warm-ups; " +
            $"compute median {Median(build):0.0} ms, render median {Median(render):0.0} ms, total median {Median(totals):0.0} ms, p95 {Percentile(totals, 0.95):0.0} ms; CPU {cpu.TotalMilliseconds / iterations:0.0} ms per run (all threads, GC included); page {html.Length / 1024} KiB; load average {LoadAverage()}"));
        return 0;
    }

    /// <summary>The machine's 1-minute load average (Linux), so a figure taken on a busy machine says so.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] + $" on {Environment.ProcessorCount} cores" : "unknown";

    /// <summary>
    /// Against storage: the log seeded as an existing deployment has it (no roll-ups), the first view (which
    /// rebuilds the roll-ups from the log), then every view from the roll-ups and, in the same run, from the full
    /// log; and what counting costs on the recording path (batches of 100 as the sender records them).
    /// </summary>
    private static async Task<int> AgainstStorageAsync(int guardians, int iterations, int logIterations, bool reuse, string connectionString)
    {
        var time = TimeProvider.System;
        var storage = new StorageAccount(Options.Create(new StorageOptions { ConnectionString = connectionString }), []);
        await storage.EnsureCreatedAsync(CancellationToken.None);
        var directory = new SchoolDirectory(storage, time);
        var campaigns = new CampaignStore(storage);
        var rollups = new DashboardRollups(storage, campaigns, time, NullLogger<DashboardRollups>.Instance);
        var log = new ParticipationLog(storage, directory, time, NullLogger<ParticipationLog>.Instance, rollups);
        var plainLog = new ParticipationLog(storage, directory, time, NullLogger<ParticipationLog>.Instance);
        var bookingStore = new BookingStore(storage, time);
        var service = new DashboardService(directory, campaigns, new ParticipationRecord(directory, bookingStore, log), rollups, log, storage, new BkOutreach.Core.Reliability.PoisonLog(storage, time), time);
        var schoolId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        Console.WriteLine($"load average at start: {LoadAverage()}");
        if (reuse)
        {
            // A school this benchmark seeded before on the same storage: only the views are measured.
            schoolId = (await directory.ListSchoolIdsAsync(CancellationToken.None)).First(id => id.StartsWith("bench-", StringComparison.Ordinal));
            Console.WriteLine($"reusing {schoolId}");
        }
        else
        {
            await SeedAsync();
        }

        async Task SeedAsync()
        {
            await directory.PutSchoolAsync(schoolId, new SchoolSettings { Name = "MA Benchmark", TimeZone = "Asia/Jakarta" }, CancellationToken.None);
            foreach (var c in Counselors)
            {
                await directory.PutCounselorAsync(schoolId, c, new CounselorSettings { Name = "Guru " + c }, CancellationToken.None);
            }

            await campaigns.TryAddAsync(new Campaign("c-genap", schoolId, new CampaignDefinition { Name = "Genap outreach", Term = Term }), CancellationToken.None);
            var seed = Stopwatch.StartNew();
            var facts = Synthesize(schoolId, guardians, oneWave: true);
            await Parallel.ForEachAsync(facts.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) => await plainLog.RecordManyAsync(chunk, ct));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded the log (no roll-ups, as before this change): {facts.Count} facts for {guardians} guardians in {seed.Elapsed.TotalSeconds:0.0} s"));

            var first = Stopwatch.StartNew();
            var html = DashboardRenderer.Render((await service.BuildAsync(schoolId, CancellationToken.None)).Value!, null);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first view (roll-ups rebuilt from the {facts.Count}-fact log): {first.Elapsed.TotalSeconds:0.0} s; page {html.Length / 1024} KiB"));

            // Recording cost: 2,000 follow-up sends in batches of 100, 4 in flight, with and without counting.
            var followUps = facts.Where(f => f.Kind == ParticipationKind.SmsSent).Take(2_000).ToList();
            async Task<double> RecordAsync(ParticipationLog target, int wave)
            {
                var batch = followUps.Select(f => f with { FactKey = FactKeys.SmsSent("c-genap", wave, f.GuardianId), Wave = wave, OccurredAt = time.GetUtcNow() }).ToList();
                var watch = Stopwatch.StartNew();
                await Parallel.ForEachAsync(batch.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, ct) => await target.RecordManyAsync(chunk, ct));
                return watch.Elapsed.TotalMilliseconds;
            }

            var counted = await RecordAsync(log, 1);
            var plain = await RecordAsync(plainLog, 2);
            await rollups.MarkStaleAsync(schoolId, CancellationToken.None); // wave 2 went past the roll-ups: rebuilt below
            var repair = Stopwatch.StartNew();
            await service.BuildAsync(schoolId, CancellationToken.None);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"recording 2,000 sends (batches of 100, 4 in flight): with counting {counted:0} ms ({counted / 20:0} ms per batch), log only {plain:0} ms ({plain / 20:0} ms per batch); rebuild after a stale mark {repair.Elapsed.TotalSeconds:0.0} s"));
        }

        var views = new (string Name, Func<Task<BkOutreach.Core.Result<DashboardModel>>> Build)[]
        {
            ("school view, roll-ups", () => service.BuildAsync(schoolId, CancellationToken.None)),
            ("counsellor view (bk-1), roll-ups", () => service.BuildAsync(schoolId, CancellationToken.None, "bk-1")),
            ("school view, full log", () => service.BuildFromLogAsync(schoolId, CancellationToken.None)),
            ("counsellor view (bk-1), full log", () => service.BuildFromLogAsync(schoolId, CancellationToken.None, "bk-1")),
        };
        var pages = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, build) in views)
        {
            var runs = name.EndsWith("full log", StringComparison.Ordinal) ? logIterations : iterations;
            var totals = new List<double>();
            for (var i = 0; i < runs + 1; i++)
            {
                var watch = Stopwatch.StartNew();
                pages[name] = DashboardRenderer.Render((await build()).Value! with { GeneratedAt = default }, null);
                if (i >= 1)
                {
                    totals.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: p50 {Median(totals):0} ms, p95 {Percentile(totals, 0.95):0} ms, max {totals.Max():0} ms ({runs} runs after 1 warm-up); load average {LoadAverage()}"));
        }

        Console.WriteLine("same page from roll-ups and full log: school " + (pages[views[0].Name] == pages[views[2].Name] ? "yes" : "NO") + ", counsellor " + (pages[views[1].Name] == pages[views[3].Name] ? "yes" : "NO"));
        Console.WriteLine($"load average at end: {LoadAverage()}");
        return pages[views[0].Name] == pages[views[2].Name] && pages[views[1].Name] == pages[views[3].Name] ? 0 : 1;
    }

    /// <summary>
    /// A term campaign's log, deterministic: every guardian sent wave 0; 95% delivered; 60% open the link;
    /// half of those book (mostly weekends and weekday evenings); 80% of bookers come; the rest get a follow-up
    /// wave; 40% answer the survey; 2% opt out.
    /// </summary>
    /// <param name="oneWave">Only the first wave: sent, delivered, half open the link, half of those book and most come; no follow-up, survey or opt-out.</param>
    private static List<ParticipationEvent> Synthesize(string schoolId, int guardians, bool oneWave = false)
    {
        var random = new Random(20270111);
        var start = new DateTimeOffset(2027, 1, 11, 1, 0, 0, TimeSpan.Zero);
        var facts = new List<ParticipationEvent>(guardians * 7);
        string[] slots = ["saturday:in_person", "saturday:online", "sunday:in_person", "weekday_evening:online", "weekday_evening:in_person", "weekday_daytime:in_person"];
        for (var i = 0; i < guardians; i++)
        {
            var g = i.ToString("x8", CultureInfo.InvariantCulture);
            var cls = Classes[i % Classes.Length];
            var counselor = Counselors[i % Counselors.Length];
            var t = start.AddSeconds(i * 0.1);
            ParticipationEvent Fact(ParticipationKind kind, string key, DateTimeOffset at, int? wave = null, string? value = null) => new()
            {
                FactKey = key,
                Kind = kind,
                SchoolId = schoolId,
                GuardianId = g,
                Channel = kind is ParticipationKind.LinkOpened or ParticipationKind.Booked ? ParticipationChannel.Web : kind is ParticipationKind.Attended or ParticipationKind.NoShow ? ParticipationChannel.Admin : ParticipationChannel.Sms,
                OccurredAt = at,
                Term = Term,
                CampaignId = "c-genap",
                Wave = wave,
                Classes = [cls],
                CounselorId = counselor,
                Value = value,
            };

            facts.Add(Fact(ParticipationKind.SmsSent, FactKeys.SmsSent("c-genap", 0, g), t, 0));
            facts.Add(random.NextDouble() < 0.95
                ? Fact(ParticipationKind.SmsDelivered, FactKeys.SmsDelivered("c-genap", 0, g), t.AddSeconds(20), 0)
                : Fact(ParticipationKind.SmsFailed, FactKeys.SmsFailed("c-genap", 0, g), t.AddSeconds(20), 0));
            var booked = false;
            if (random.NextDouble() < (oneWave ? 0.5 : 0.6))
            {
                facts.Add(Fact(ParticipationKind.LinkOpened, FactKeys.LinkOpened("c-genap", g), t.AddHours(random.Next(1, 48))));
                if (random.NextDouble() < 0.5)
                {
                    booked = true;
                    facts.Add(Fact(ParticipationKind.Booked, FactKeys.Booked("b" + g), t.AddHours(50), value: slots[random.Next(slots.Length)]));
                    facts.Add(random.NextDouble() < 0.8
                        ? Fact(ParticipationKind.Attended, FactKeys.Attended("b" + g), t.AddDays(7))
                        : Fact(ParticipationKind.NoShow, FactKeys.NoShow("b" + g), t.AddDays(7)));
                }
            }

            if (oneWave)
            {
                continue;
            }

            if (!booked)
            {
                facts.Add(Fact(ParticipationKind.SmsSent, FactKeys.SmsSent("c-genap", 1, g), t.AddDays(7), 1));
            }

            if (random.NextDouble() < 0.4)
            {
                facts.Add(Fact(ParticipationKind.SurveyAnswer, FactKeys.SurveyAnswer("in" + g, "barrier"), t.AddDays(10), value: "barrier=" + random.Next(1, 6).ToString(CultureInfo.InvariantCulture)));
            }

            if (random.NextDouble() < 0.02)
            {
                facts.Add(Fact(ParticipationKind.OptedOut, FactKeys.OptedOut("stop" + g), t.AddDays(2)) with { CampaignId = null });
            }
        }

        return facts;
    }

    private static List<Booking> Bookings(string schoolId, int guardians, DateTimeOffset now) =>
        [.. Enumerable.Range(0, Math.Min(guardians, 600)).Select(i =>
        {
            var start = now.AddHours(-36 + i);
            return new Booking
            {
                Id = "b" + i.ToString("x8", CultureInfo.InvariantCulture),
                SchoolId = schoolId,
                CounselorId = Counselors[i % Counselors.Length],
                GuardianId = i.ToString("x8", CultureInfo.InvariantCulture),
                CampaignId = "c-genap",
                SlotId = "slot" + i.ToString(CultureInfo.InvariantCulture),
                Start = start,
                End = start.AddMinutes(30),
                Mode = i % 2 == 0 ? "in_person" : "online",
                CreatedAt = now.AddDays(-3),
                UpdatedAt = now.AddDays(-3),
            };
        })];

    private static int IntOption(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
