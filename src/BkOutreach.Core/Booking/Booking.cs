using System.Text.Json.Serialization;
using BkOutreach.Core.Participation;

namespace BkOutreach.Core.Booking;

public enum BookingStatus
{
    Confirmed,
    Cancelled,
}

public enum Attendance
{
    Unknown,
    Attended,
    NoShow,
}

/// <summary>
/// A guardian's meeting with a counsellor. The id never changes, so calendars see a reschedule as the same
/// event with a higher <see cref="Sequence"/>; a cancelled booking keeps its row (feeds show it cancelled).
/// </summary>
public sealed record Booking
{
    public required string Id { get; init; }

    public required string SchoolId { get; init; }

    public required string CounselorId { get; init; }

    public required string GuardianId { get; init; }

    public required string CampaignId { get; init; }

    public required string SlotId { get; init; }

    public required DateTimeOffset Start { get; init; }

    public required DateTimeOffset End { get; init; }

    /// <summary><c>in_person</c> or <c>online</c>.</summary>
    public required string Mode { get; init; }

    public BookingStatus Status { get; init; } = BookingStatus.Confirmed;

    /// <summary>Raised on every change of the meeting itself: time, mode or cancellation (iCalendar SEQUENCE).</summary>
    public int Sequence { get; init; }

    /// <summary>
    /// Raised on every change of the row (the meeting, attendance, feedback, erasure): each version has one
    /// event row in the outbox (<see cref="BookingEvent"/>), written in the same transaction.
    /// </summary>
    public int Version { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public Attendance Attendance { get; init; }

    /// <summary>The parent's 1–5 answer to the feedback SMS after an attended meeting.</summary>
    public int? FeedbackScore { get; init; }

    /// <summary>When the counsellor first marked the meeting attended (the feedback SMS follows that mark only).</summary>
    public DateTimeOffset? FirstAttendedAt { get; init; }

    public IReadOnlyList<string> StudentIds { get; init; } = [];

    /// <summary>The classes of the students the meeting is about, kept for the evidence (no names).</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];

    /// <summary>Where the parent booked: the booking page or JSON route (<c>web</c>) or an SMS reply (<c>sms</c>).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<ParticipationChannel>))]
    public ParticipationChannel BookedVia { get; init; } = ParticipationChannel.Web;

    /// <summary>Where the latest move or cancellation came from (as <see cref="BookedVia"/> until there is one).</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<ParticipationChannel>))]
    public ParticipationChannel ChangedVia { get; init; } = ParticipationChannel.Web;

    /// <summary>Where <see cref="FeedbackScore"/> came from: a reply by SMS (the default, not written) or by WhatsApp.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<ParticipationChannel>))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ParticipationChannel FeedbackVia { get; init; }
}

/// <summary>What a guardian asks for: a seat in one slot of one counsellor, for one campaign.</summary>
public sealed record SeatRequest(
    string SchoolId,
    string CounselorId,
    string GuardianId,
    string CampaignId,
    string SlotId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Seats,
    string Mode,
    IReadOnlyList<string> StudentIds,
    ParticipationChannel Via = ParticipationChannel.Web,
    IReadOnlyList<string>? Classes = null);

public enum SeatOutcome
{
    /// <summary>A new booking holds a seat.</summary>
    Booked,

    /// <summary>The guardian's booking moved to the requested slot.</summary>
    Rescheduled,

    /// <summary>The guardian already holds this slot in this mode (a repeated submit): nothing changed.</summary>
    Unchanged,

    /// <summary>The guardian already holds this slot and asked for the other mode: the mode changed.</summary>
    ModeChanged,

    /// <summary>Every seat is taken, or another meeting of the counsellor overlaps the slot.</summary>
    SlotTaken,

    /// <summary>The guardian was erased: their pointer row is sealed (<see cref="BookingStore.SealAsync"/>) and nothing can be booked for them.</summary>
    GuardianErased,
}

public sealed record SeatResult(SeatOutcome Outcome, Booking? Booking, Booking? Previous = null);

/// <summary>How many seats of one slot are held (for slot computation).</summary>
public sealed record SeatUsage(DateTimeOffset Start, DateTimeOffset End, int Taken);
