using System.Globalization;
using System.Text.Json;
using BkOutreach.Tests.Infrastructure;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Tests.Scheduling;

/// <summary>
/// Runs tests/node/prayer-times.js (the npm package <c>adhan</c>, pinned by package-lock.json) and reads
/// its times back.
/// </summary>
internal static class AdhanReference
{
    private static readonly LocalDateTimePattern Pattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss");

    public static async Task<IReadOnlyList<AdhanDay>> YearAsync(double latitude, double longitude, string zone, int year, int ihtiyatMinutes)
    {
        var stdout = await NodeTools.RunScriptAsync(
            "prayer-times.js",
            latitude.ToString(CultureInfo.InvariantCulture),
            longitude.ToString(CultureInfo.InvariantCulture),
            zone,
            year.ToString(CultureInfo.InvariantCulture),
            ihtiyatMinutes.ToString(CultureInfo.InvariantCulture));
        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.EnumerateArray().Select(day => new AdhanDay(
            LocalDatePattern.Iso.Parse(day.GetProperty("date").GetString()!).Value,
            Read(day, "fajr"),
            Read(day, "sunrise"),
            Read(day, "dhuhr"),
            Read(day, "asr"),
            Read(day, "maghrib"),
            Read(day, "isha"))).ToList();
    }

    private static LocalDateTime Read(JsonElement day, string name) => Pattern.Parse(day.GetProperty(name).GetString()!).Value;
}

internal sealed record AdhanDay(LocalDate Date, LocalDateTime Fajr, LocalDateTime Sunrise, LocalDateTime Dhuhr, LocalDateTime Asr, LocalDateTime Maghrib, LocalDateTime Isha);
