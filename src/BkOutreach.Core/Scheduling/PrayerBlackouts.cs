using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Scheduling;

/// <summary>A stretch of local time around a prayer in which no meeting may lie; <c>End</c> is exclusive.</summary>
public sealed record PrayerBlackout(string Name, LocalDateTime Start, LocalDateTime End)
{
    public bool Overlaps(LocalDateTime start, LocalDateTime end) => start < End && Start < end;
}

/// <summary>Gives the prayer blackouts of a school on a date (injected so that tests can pin them).</summary>
public interface IPrayerBlackoutCalculator
{
    IReadOnlyList<PrayerBlackout> For(LocalDate date, SchoolSettings school);
}

/// <summary>
/// Prayer blackouts from the school's coordinates and Kemenag prayer times (rules on
/// <see cref="PrayerBlackoutSettings"/>): Dhuhr (on Friday united with the Jumatan window), Asr, and one
/// block from before Maghrib to after Isya. Overlapping blocks are merged, sorted by start.
/// </summary>
public sealed class PrayerBlackouts : IPrayerBlackoutCalculator
{
    public IReadOnlyList<PrayerBlackout> For(LocalDate date, SchoolSettings school)
    {
        ArgumentNullException.ThrowIfNull(school);
        var settings = school.PrayerBlackouts ?? new PrayerBlackoutSettings();
        if (!settings.Enabled)
        {
            return [];
        }

        var zone = ScheduleText.TryGetZone(school.TimeZone, out var found)
            ? found
            : throw new ArgumentException($"Unknown time zone '{school.TimeZone}'.", nameof(school));
        return FromTimes(PrayerTimes.For(date, school.Latitude, school.Longitude, zone), settings);
    }

    public static IReadOnlyList<PrayerBlackout> FromTimes(DailyPrayerTimes times, PrayerBlackoutSettings settings)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(settings);

        var dhuhr = Around("dhuhr", times.Dhuhr, settings.Dhuhr);
        if (times.Date.DayOfWeek == IsoDayOfWeek.Friday)
        {
            var jumatanStart = times.Date + ScheduleText.ParseTime(settings.Jumatan.From);
            var jumatanEnd = times.Date + ScheduleText.ParseTime(settings.Jumatan.To);
            dhuhr = new PrayerBlackout(
                "jumatan",
                jumatanStart < dhuhr.Start ? jumatanStart : dhuhr.Start,
                jumatanEnd > dhuhr.End ? jumatanEnd : dhuhr.End);
        }

        var blocks = new List<PrayerBlackout>
        {
            dhuhr,
            Around("asr", times.Asr, settings.Asr),
            new("maghrib_isya", Around("maghrib", times.Maghrib, settings.Maghrib).Start, Around("isya", times.Isha, settings.Isha).End),
        };

        return Merge(blocks);
    }

    private static PrayerBlackout Around(string name, LocalDateTime time, PrayerMargin margin)
    {
        // Whole minutes: ihtiyat already makes the prayer time a safe upper bound, and slot edges are minutes.
        var minute = time.PlusSeconds(-time.Second).PlusNanoseconds(-time.NanosecondOfSecond);
        var start = minute.PlusMinutes(-margin.Before);
        var end = (time == minute ? minute : minute.PlusMinutes(1)).PlusMinutes(margin.After);
        return new PrayerBlackout(name, start, end);
    }

    private static List<PrayerBlackout> Merge(List<PrayerBlackout> blocks)
    {
        var merged = new List<PrayerBlackout>();
        foreach (var block in blocks.OrderBy(b => b.Start))
        {
            if (merged.Count > 0 && block.Start <= merged[^1].End)
            {
                var last = merged[^1];
                merged[^1] = last with { Name = last.Name + "+" + block.Name, End = block.End > last.End ? block.End : last.End };
            }
            else
            {
                merged.Add(block);
            }
        }

        return merged;
    }
}
