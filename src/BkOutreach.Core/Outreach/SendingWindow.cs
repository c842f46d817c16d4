using BkOutreach.Core.Schools;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// When a school's SMS may go out: inside its sending window (default 08:00–20:00 local; the rest of the
/// day is quiet hours) and never during Friday prayer (Jumatan, 11:30–13:00 local at least).
/// </summary>
public static class SendingWindow
{
    public static readonly LocalTime JumatanFrom = new(11, 30);
    public static readonly LocalTime JumatanTo = new(13, 0);

    public static DateTimeZone ZoneOf(SchoolSettings school) =>
        DateTimeZoneProviders.Tzdb.GetZoneOrNull(school.TimeZone) ?? throw new InvalidOperationException($"Unknown time zone '{school.TimeZone}'.");

    public static (LocalTime From, LocalTime To) HoursOf(SchoolSettings school) =>
        (ParseTime(school.SendingWindow.From) ?? new LocalTime(8, 0), ParseTime(school.SendingWindow.To) ?? new LocalTime(20, 0));

    public static bool IsOpen(SchoolSettings school, Instant now)
    {
        var local = now.InZone(ZoneOf(school)).LocalDateTime;
        var (from, to) = HoursOf(school);
        if (local.TimeOfDay < from || local.TimeOfDay >= to)
        {
            return false;
        }

        return !(local.DayOfWeek == IsoDayOfWeek.Friday && local.TimeOfDay >= JumatanFrom && local.TimeOfDay < JumatanTo);
    }

    /// <summary>The first instant at or after <paramref name="now"/> when sending is allowed.</summary>
    public static Instant NextOpening(SchoolSettings school, Instant now)
    {
        var zone = ZoneOf(school);
        var (from, _) = HoursOf(school);
        var local = now.InZone(zone).LocalDateTime;
        for (var i = 0; i < 8; i++)
        {
            if (IsOpen(school, local.InZoneLeniently(zone).ToInstant()))
            {
                return local.InZoneLeniently(zone).ToInstant();
            }

            if (local.DayOfWeek == IsoDayOfWeek.Friday && local.TimeOfDay >= JumatanFrom && local.TimeOfDay < JumatanTo)
            {
                local = local.Date + JumatanTo;
            }
            else if (local.TimeOfDay < from)
            {
                local = local.Date + from;
            }
            else
            {
                local = local.Date.PlusDays(1) + from;
            }
        }

        return local.InZoneLeniently(zone).ToInstant();
    }

    /// <summary>The latest instant at or before <paramref name="wanted"/> when sending is allowed (reminders move earlier, never later).</summary>
    public static Instant LatestOpeningAtOrBefore(SchoolSettings school, Instant wanted)
    {
        var zone = ZoneOf(school);
        var (from, to) = HoursOf(school);
        var local = wanted.InZone(zone).LocalDateTime;
        for (var i = 0; i < 8; i++)
        {
            var instant = local.InZoneLeniently(zone).ToInstant();
            if (IsOpen(school, instant))
            {
                return instant;
            }

            if (local.DayOfWeek == IsoDayOfWeek.Friday && local.TimeOfDay >= JumatanFrom && local.TimeOfDay < JumatanTo)
            {
                local = local.Date + JumatanFrom.PlusMinutes(-1);
            }
            else if (local.TimeOfDay >= to)
            {
                local = local.Date + to.PlusMinutes(-1);
            }
            else
            {
                local = local.Date.PlusDays(-1) + to.PlusMinutes(-1);
            }
        }

        return local.InZoneLeniently(zone).ToInstant();
    }

    private static LocalTime? ParseTime(string? value) =>
        value is not null && LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(value) is { Success: true } r ? r.Value : null;
}
