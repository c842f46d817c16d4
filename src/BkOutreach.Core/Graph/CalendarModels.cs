using BkOutreach.Core.Privacy;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>How a counsellor's calendar shows a stretch of time; anything but free hides overlapping slots.</summary>
public enum BusyStatus
{
    Busy,
    Tentative,
    OutOfOffice,
    WorkingElsewhere,
}

/// <summary>
/// Time the counsellor's own calendar is taken, as an instant range: <see cref="Start"/> is part of it,
/// <see cref="End"/> is not.
/// </summary>
public sealed record BusyInterval(Instant Start, Instant End, BusyStatus Status)
{
    public bool Overlaps(Instant start, Instant end) => Start < end && start < End;
}

/// <summary>A booked meeting is held either face to face at school or online (then with a Teams link).</summary>
public enum MeetingMode
{
    InPerson,
    Online,
}

/// <summary>
/// What the counsellor's calendar entry says about a booking. It carries the guardian's initials and the
/// class, never a name: calendar entries are visible to colleagues and delegates, and the counsellor has
/// the booking in the app for everything else.
/// </summary>
public sealed record MeetingEvent(
    string BookingId,
    Instant Start,
    Instant End,
    string TimeZoneId,
    MeetingMode Mode,
    string GuardianInitials,
    string ClassName,
    string? Location = null)
{
    /// <summary>The only way from a guardian's name to an event: the name is reduced to initials here.</summary>
    public static MeetingEvent For(
        string bookingId,
        Instant start,
        Instant end,
        string timeZoneId,
        MeetingMode mode,
        string guardianName,
        string className,
        string? location = null) =>
        new(bookingId, start, end, timeZoneId, mode, Mask.Name(guardianName), className, location);

    public string Subject => string.IsNullOrWhiteSpace(GuardianInitials)
        ? $"Pertemuan orang tua (BK) · {ClassName}"
        : $"Pertemuan orang tua (BK) · {GuardianInitials} · {ClassName}";

    public string Body =>
        $"Pertemuan dengan wali murid {GuardianInitials} (kelas {ClassName}), "
        + (Mode == MeetingMode.Online ? "daring lewat Teams." : "tatap muka di sekolah.")
        + $" Dijadwalkan lewat BkOutreach, ref {BookingId}.";
}

/// <summary>The counsellor-calendar event made for a booking, and its Teams join URL when online.</summary>
public sealed record CalendarEventRef(string EventId, string? JoinUrl);

/// <summary>A counsellor whose Microsoft 365 calendar is read: our ids plus the mailbox (UPN or address).</summary>
public sealed record CounselorMailbox(string SchoolId, string CounselorId, string Upn);
