using NodaTime;

namespace BkOutreach.Core.Calendar;

public enum FeedEventStatus
{
    Confirmed,
    Tentative,
    Cancelled,
}

/// <summary>
/// One VEVENT of a feed or invite. <see cref="Uid"/> is derived from our own ids so it never changes for the
/// same slot or booking; <see cref="LastModified"/> is when the item last changed and doubles as DTSTAMP, so
/// the same data always renders to the same bytes. Raise <see cref="Sequence"/> on every change a client must
/// notice (time, place, cancellation). A cancelled booking stays in its feed with
/// <see cref="FeedEventStatus.Cancelled"/>, so subscribed calendars remove it instead of keeping a ghost.
/// </summary>
public sealed record FeedEvent(
    string Uid,
    Instant Start,
    Instant End,
    string Summary,
    string? Description,
    string? Location,
    Uri? Url,
    FeedEventStatus Status,
    int Sequence,
    Instant LastModified)
{
    /// <summary>TRANSP:TRANSPARENT — an offer (an open slot), not time the subscriber is busy.</summary>
    public bool Transparent { get; init; }
}

/// <summary>An organizer or attendee of an invite: a mailbox and an optional display name.</summary>
public sealed record CalendarParticipant(string Email, string? Name = null);
