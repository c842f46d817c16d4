using System.Diagnostics.CodeAnalysis;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Scheduling;

/// <summary>A held seat of a counsellor's meeting; <c>End</c> is exclusive. Cancelled bookings are not passed in.</summary>
public sealed record ExistingBooking(string CounselorId, Instant Start, Instant End, int Seats = 1);

/// <summary>
/// Everything one computation of a counsellor's slots depends on. <see cref="Busy"/> is the counsellor's
/// busy time from their own calendar (Microsoft Graph free/busy); <see cref="Now"/> comes from the caller's
/// clock, never from the system.
/// </summary>
public sealed record SlotQuery(
    SchoolSettings School,
    string CounselorId,
    CounselorSettings Counselor,
    IReadOnlyList<ExistingBooking> Bookings,
    IReadOnlyList<Interval> Busy,
    Instant Now);

/// <summary>A slot a parent can book: times in the school's zone, <see cref="Remaining"/> of <see cref="Capacity"/> seats free.</summary>
public sealed record OpenSlot(SlotId Id, ZonedDateTime Start, ZonedDateTime End, MeetingMode Mode, int Capacity, int Remaining)
{
    public string CounselorId => Id.CounselorId;

    public Interval Interval => new(Start.ToInstant(), End.ToInstant());
}

/// <summary>Why a slot id cannot be booked now; <see cref="SlotRejections.ToWire"/> gives the API's error code.</summary>
public enum SlotRejection
{
    None,

    /// <summary>Not a slot id at all.</summary>
    Malformed,

    /// <summary>A slot of another counsellor than the one the link is for.</summary>
    WrongCounselor,

    Past,

    /// <summary>Starts sooner than the counsellor's minimum notice.</summary>
    InsideNotice,

    BeyondHorizon,

    /// <summary>Not on the counsellor's grid: outside windows, terms, on a blackout date or in a prayer blackout.</summary>
    NotOffered,

    /// <summary>Offered, but every seat is held, or another booking or busy time overlaps it.</summary>
    Taken,
}

public static class SlotRejections
{
    public static string ToWire(this SlotRejection rejection) => rejection switch
    {
        SlotRejection.None => "none",
        SlotRejection.Malformed => "malformed",
        SlotRejection.WrongCounselor => "wrong_counselor",
        SlotRejection.Past => "past",
        SlotRejection.InsideNotice => "inside_notice",
        SlotRejection.BeyondHorizon => "beyond_horizon",
        SlotRejection.NotOffered => "not_offered",
        SlotRejection.Taken => "slot_taken",
        _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection, null),
    };
}

/// <summary>
/// Computes a counsellor's open slots as a pure function of settings, prayer blackouts, bookings, busy
/// time and "now".
/// <para>
/// The grid: on each date that lies in a term (when the school has terms), on no blackout date and on none of
/// the counsellor's days off, each
/// availability window of that weekday (or <see cref="DefaultAvailability"/>) is filled from its start with
/// slots of <c>slotMinutes</c>, <c>bufferMinutes</c> apart. A slot that would overlap a prayer blackout moves
/// to the first 5-minute mark after the blackout. The grid depends only on the date and the rules, never on
/// bookings, so a slot id stays valid while the rules stay the same.
/// </para>
/// <para>
/// Then per slot: not before <c>now + minimumNoticeHours</c>, not after <c>now + horizonDays</c>. Bookings of
/// exactly this slot (same start and end) take seats; any other booking of the counsellor, or busy time,
/// that comes within <c>bufferMinutes</c> of the slot blocks it completely — so a booking made under older
/// rules (a 45-minute meeting among today's 30-minute slots) still keeps the counsellor from being booked
/// twice for overlapping time. A busy interval that equals one of our own bookings is that booking echoed
/// back by the counsellor's calendar and does not block its remaining seats.
/// </para>
/// </summary>
public sealed class SlotCalculator(IPrayerBlackoutCalculator prayers)
{
    private static readonly Duration PrayerStep = Duration.FromMinutes(5);

    public IReadOnlyList<OpenSlot> OpenSlots(SlotQuery query)
    {
        var rules = Rules.From(query);
        var today = query.Now.InZone(rules.Zone).Date;
        var lastDay = rules.Latest(query.Now).InZone(rules.Zone).Date;
        var open = new List<OpenSlot>();
        for (var date = today; date <= lastDay; date = date.PlusDays(1))
        {
            foreach (var candidate in Grid(date, rules, query.School))
            {
                if (Check(candidate, rules, query, out var slot) == SlotRejection.None)
                {
                    open.Add(slot!);
                }
            }
        }

        return open;
    }

    /// <summary>
    /// Whether <paramref name="slotId"/> can be booked now. To reschedule, leave the parent's current booking
    /// out of <see cref="SlotQuery.Bookings"/> so it does not block its neighbours.
    /// </summary>
    public bool TryGetBookable(string? slotId, SlotQuery query, [NotNullWhen(true)] out OpenSlot? slot, out SlotRejection rejection)
    {
        slot = null;
        if (!SlotId.TryParse(slotId, out var id))
        {
            rejection = SlotRejection.Malformed;
            return false;
        }

        if (!string.Equals(id.CounselorId, query.CounselorId, StringComparison.Ordinal))
        {
            rejection = SlotRejection.WrongCounselor;
            return false;
        }

        var rules = Rules.From(query);
        var mapping = rules.Zone.MapLocal(id.Start);
        if (mapping.Count == 1 && mapping.First().ToInstant() is var start)
        {
            rejection = start < query.Now ? SlotRejection.Past
                : start < rules.Earliest(query.Now) ? SlotRejection.InsideNotice
                : start > rules.Latest(query.Now) ? SlotRejection.BeyondHorizon
                : SlotRejection.None;
            if (rejection != SlotRejection.None)
            {
                return false;
            }
        }

        var candidate = Grid(id.Start.Date, rules, query.School).FirstOrDefault(c => c.Id == id);
        if (candidate is null)
        {
            rejection = SlotRejection.NotOffered;
            return false;
        }

        rejection = Check(candidate, rules, query, out slot);
        return rejection == SlotRejection.None;
    }

    /// <summary>
    /// Whether a meeting from <paramref name="start"/> to <paramref name="end"/> lies within the rules of
    /// <paramref name="query"/>: on a school day that is none of the counsellor's days off, inside one
    /// availability window of its weekday and clear of prayer blackouts. A booked meeting is never cancelled
    /// by new rules; this tells the counsellor which ones now lie outside them.
    /// </summary>
    public bool Covers(SlotQuery query, Instant start, Instant end)
    {
        var rules = Rules.From(query);
        var from = start.InZone(rules.Zone).LocalDateTime;
        var to = end.InZone(rules.Zone).LocalDateTime;
        if (from.Date != to.Date && to.TimeOfDay != LocalTime.Midnight)
        {
            return false;
        }

        return rules.IsSchoolDay(from.Date)
            && rules.Windows.Any(w => w.Days.Contains(from.DayOfWeek) && from.TimeOfDay >= w.From && (to.Date == from.Date ? to.TimeOfDay : LocalTime.MaxValue) <= w.To)
            && !prayers.For(from.Date, query.School).Any(b => b.Overlaps(from, to));
    }

    private IEnumerable<Candidate> Grid(LocalDate date, Rules rules, SchoolSettings school)
    {
        if (!rules.IsSchoolDay(date))
        {
            yield break;
        }

        var windows = rules.Windows.Where(w => w.Days.Contains(date.DayOfWeek)).OrderBy(w => w.From).ToList();
        if (windows.Count == 0)
        {
            yield break;
        }

        var blackouts = prayers.For(date, school);
        var length = Period.FromMinutes(rules.SlotMinutes);
        var step = Period.FromMinutes(rules.SlotMinutes + rules.BufferMinutes);
        LocalDateTime? previousEnd = null;
        foreach (var window in windows)
        {
            var cursor = date + window.From;
            var windowEnd = date + window.To;

            // Windows are validated not to overlap; this keeps the slots apart even if they did.
            if (previousEnd is { } after && cursor < after.PlusMinutes(rules.BufferMinutes))
            {
                cursor = after.PlusMinutes(rules.BufferMinutes);
            }

            while (cursor + length <= windowEnd)
            {
                var end = cursor + length;
                var blocking = blackouts.FirstOrDefault(b => b.Overlaps(cursor, end));
                if (blocking is not null)
                {
                    cursor = RoundUp(blocking.End);
                    continue;
                }

                var mapping = rules.Zone.MapLocal(cursor);
                var endMapping = rules.Zone.MapLocal(end);
                if (mapping.Count == 1 && endMapping.Count == 1)
                {
                    yield return new Candidate(new SlotId(rules.CounselorId, cursor, rules.SlotMinutes), mapping.First(), endMapping.First(), window.Mode);
                }

                previousEnd = end;
                cursor += step;
            }
        }
    }

    private static SlotRejection Check(Candidate candidate, Rules rules, SlotQuery query, out OpenSlot? slot)
    {
        slot = null;
        var start = candidate.Start.ToInstant();
        var end = candidate.End.ToInstant();
        if (start < query.Now)
        {
            return SlotRejection.Past;
        }

        if (start < rules.Earliest(query.Now))
        {
            return SlotRejection.InsideNotice;
        }

        if (start > rules.Latest(query.Now))
        {
            return SlotRejection.BeyondHorizon;
        }

        var guardStart = start - rules.Buffer;
        var guardEnd = end + rules.Buffer;
        var taken = 0;
        foreach (var booking in query.Bookings)
        {
            if (!string.Equals(booking.CounselorId, query.CounselorId, StringComparison.Ordinal))
            {
                continue;
            }

            if (booking.Start == start && booking.End == end)
            {
                taken += booking.Seats;
            }
            else if (booking.Start < guardEnd && guardStart < booking.End)
            {
                return SlotRejection.Taken;
            }
        }

        foreach (var busy in query.Busy)
        {
            var isOwnBooking = query.Bookings.Any(b => b.Start == busy.Start && b.End == busy.End
                && string.Equals(b.CounselorId, query.CounselorId, StringComparison.Ordinal));
            if (!isOwnBooking && busy.Start < guardEnd && guardStart < busy.End)
            {
                return SlotRejection.Taken;
            }
        }

        var remaining = rules.Seats - taken;
        if (remaining <= 0)
        {
            return SlotRejection.Taken;
        }

        slot = new OpenSlot(candidate.Id, candidate.Start, candidate.End, candidate.Mode, rules.Seats, remaining);
        return SlotRejection.None;
    }

    private static LocalDateTime RoundUp(LocalDateTime time)
    {
        var sinceMidnight = Period.Between(time.Date.AtMidnight(), time, PeriodUnits.Ticks).Ticks;
        var step = PrayerStep.BclCompatibleTicks;
        var rounded = (sinceMidnight + step - 1) / step * step;
        return time.Date.AtMidnight().PlusTicks(rounded);
    }

    private sealed record Candidate(SlotId Id, ZonedDateTime Start, ZonedDateTime End, MeetingMode Mode);

    private sealed record Window(IReadOnlySet<IsoDayOfWeek> Days, LocalTime From, LocalTime To, MeetingMode Mode);

    /// <summary>The settings documents, parsed once per computation.</summary>
    private sealed record Rules(
        string CounselorId,
        DateTimeZone Zone,
        IReadOnlyList<Window> Windows,
        IReadOnlyList<(LocalDate First, LocalDate Last)> Terms,
        IReadOnlyList<(LocalDate From, LocalDate To)> Blackouts,
        IReadOnlyList<(LocalDate From, LocalDate To)> DaysOff,
        int SlotMinutes,
        int BufferMinutes,
        int Seats,
        Duration Notice,
        Duration Horizon)
    {
        public Duration Buffer => Duration.FromMinutes(BufferMinutes);

        public Instant Earliest(Instant now) => now + Notice;

        public Instant Latest(Instant now) => now + Horizon;

        /// <summary>In a term (any date, when the school has none yet), on no blackout date and on none of the counsellor's days off.</summary>
        public bool IsSchoolDay(LocalDate date) =>
            (Terms.Count == 0 || Terms.Any(t => t.First <= date && date <= t.Last))
            && !Blackouts.Any(b => b.From <= date && date <= b.To)
            && !DaysOff.Any(d => d.From <= date && date <= d.To);

        public static Rules From(SlotQuery query)
        {
            ArgumentNullException.ThrowIfNull(query);
            var problems = SchedulingValidation.Validate(query.School)
                .Select(p => "school." + p)
                .Concat(SchedulingValidation.Validate(query.Counselor).Select(p => "counselor." + p))
                .ToList();
            if (!SlotId.IsValidCounselorId(query.CounselorId))
            {
                problems.Add($"counselorId: '{query.CounselorId}' is not a valid id.");
            }

            if (problems.Count > 0)
            {
                throw new ArgumentException("Invalid scheduling settings: " + string.Join(" ", problems), nameof(query));
            }

            var school = query.School;
            var counselor = query.Counselor;
            ScheduleText.TryGetZone(school.TimeZone, out var zone);
            var windows = DefaultAvailability.For(counselor).Select(w => new Window(
                w.Days.Select(d => ScheduleText.TryParseDay(d, out var day) ? day : IsoDayOfWeek.None).ToHashSet(),
                ScheduleText.ParseTime(w.From),
                ScheduleText.ParseTime(w.To),
                MeetingModes.TryParse(w.Mode, out var mode) ? mode : MeetingMode.Either)).ToList();
            var terms = (school.Terms ?? []).Select(t => (ScheduleText.ParseDate(t.FirstDay), ScheduleText.ParseDate(t.LastDay))).ToList();
            var blackouts = (school.Blackouts ?? []).Select(b => (ScheduleText.ParseDate(b.From), ScheduleText.ParseDate(b.To ?? b.From))).ToList();
            var daysOff = (counselor.DaysOff ?? []).Select(d => (ScheduleText.ParseDate(d.From), ScheduleText.ParseDate(d.To ?? d.From))).ToList();

            return new Rules(
                query.CounselorId,
                zone!,
                windows,
                terms,
                blackouts,
                daysOff,
                counselor.SlotMinutes,
                counselor.BufferMinutes,
                counselor.Seats,
                Duration.FromHours(counselor.MinimumNoticeHours),
                Duration.FromDays(counselor.HorizonDays));
        }
    }
}
