using System.Globalization;
using Microsoft.Graph.Models;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>
/// Graph's <c>dateTimeTimeZone</c>: a local date-time plus a zone name. Graph accepts Windows zone names
/// everywhere but only some IANA names on writes (Asia/Jakarta is not among them), so events are written
/// with the Windows name of the school's zone, or in UTC when there is none. Reads accept either kind.
/// </summary>
internal static class GraphTime
{
    private const string LocalFormat = "yyyy-MM-dd'T'HH:mm:ss";

    public static DateTimeTimeZone Utc(Instant instant) => new()
    {
        DateTime = instant.ToDateTimeUtc().ToString(LocalFormat, CultureInfo.InvariantCulture),
        TimeZone = "UTC",
    };

    public static DateTimeTimeZone InZone(Instant instant, string ianaZoneId)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(ianaZoneId);
        if (zone is null || !TimeZoneInfo.TryConvertIanaIdToWindowsId(ianaZoneId, out var windowsId))
        {
            return Utc(instant);
        }

        var local = instant.InZone(zone).LocalDateTime.ToDateTimeUnspecified();
        return new DateTimeTimeZone
        {
            DateTime = local.ToString(LocalFormat, CultureInfo.InvariantCulture),
            TimeZone = windowsId,
        };
    }

    public static Instant ToInstant(DateTimeTimeZone? value)
    {
        if (value?.DateTime is not { } text
            || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            throw new FormatException($"Not a Graph dateTimeTimeZone value: '{value?.DateTime}'.");
        }

        var local = DateTime.SpecifyKind(parsed, DateTimeKind.Unspecified);
        var zoneName = value.TimeZone;
        if (string.IsNullOrWhiteSpace(zoneName) || IsUtc(zoneName))
        {
            return Instant.FromDateTimeUtc(DateTime.SpecifyKind(local, DateTimeKind.Utc));
        }

        // Windows and IANA names both resolve here (ICU is present on the Functions Linux workers).
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        return Instant.FromDateTimeUtc(TimeZoneInfo.ConvertTimeToUtc(local, zone));
    }

    private static bool IsUtc(string zoneName) =>
        zoneName.Equals("UTC", StringComparison.OrdinalIgnoreCase)
        || zoneName.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase)
        || zoneName.Equals("Etc/GMT", StringComparison.OrdinalIgnoreCase)
        || zoneName.Equals("tzone://Microsoft/Utc", StringComparison.OrdinalIgnoreCase);
}
