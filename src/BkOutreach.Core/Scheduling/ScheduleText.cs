using System.Diagnostics.CodeAnalysis;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Core.Scheduling;

/// <summary>The text forms of the settings documents: "HH:mm" times, ISO dates, "Mon".."Sun" days.</summary>
internal static class ScheduleText
{
    private static readonly LocalTimePattern TimePattern = LocalTimePattern.CreateWithInvariantCulture("HH':'mm");
    private static readonly LocalDatePattern DatePattern = LocalDatePattern.Iso;

    private static readonly Dictionary<string, IsoDayOfWeek> Days = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Mon"] = IsoDayOfWeek.Monday,
        ["Tue"] = IsoDayOfWeek.Tuesday,
        ["Wed"] = IsoDayOfWeek.Wednesday,
        ["Thu"] = IsoDayOfWeek.Thursday,
        ["Fri"] = IsoDayOfWeek.Friday,
        ["Sat"] = IsoDayOfWeek.Saturday,
        ["Sun"] = IsoDayOfWeek.Sunday,
    };

    public static bool TryParseTime(string? text, out LocalTime time)
    {
        time = default;
        if (text is null)
        {
            return false;
        }

        var result = TimePattern.Parse(text);
        time = result.Success ? result.Value : default;
        return result.Success;
    }

    public static bool TryParseDate(string? text, out LocalDate date)
    {
        date = default;
        if (text is null)
        {
            return false;
        }

        var result = DatePattern.Parse(text);
        date = result.Success ? result.Value : default;
        return result.Success;
    }

    public static bool TryParseDay(string? text, out IsoDayOfWeek day)
    {
        day = IsoDayOfWeek.None;
        return text is not null && Days.TryGetValue(text, out day);
    }

    public static bool TryGetZone(string? id, [NotNullWhen(true)] out DateTimeZone? zone)
    {
        zone = id is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);
        return zone is not null;
    }

    public static LocalTime ParseTime(string text) =>
        TryParseTime(text, out var time) ? time : throw new FormatException($"'{text}' is not an HH:mm time.");

    public static LocalDate ParseDate(string text) =>
        TryParseDate(text, out var date) ? date : throw new FormatException($"'{text}' is not a yyyy-MM-dd date.");
}
