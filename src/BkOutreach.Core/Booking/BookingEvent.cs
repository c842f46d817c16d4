namespace BkOutreach.Core.Booking;

/// <summary>What a booking change was; each kind has its own consequences in <see cref="BookingEventHandler"/>.</summary>
public enum BookingEventKind
{
    Booked,
    Rescheduled,

    /// <summary>The same slot, the other mode (online / in person).</summary>
    ModeChanged,

    /// <summary>Cancelled by the parent (page, JSON route or SMS).</summary>
    Cancelled,

    /// <summary>Cancelled because the guardian was erased: no SMS, the calendar event goes.</summary>
    CancelledByErasure,

    /// <summary>The counsellor's first attendance mark: attended.</summary>
    Attended,

    /// <summary>The counsellor's first attendance mark: no-show.</summary>
    NoShow,

    /// <summary>A later attendance mark that changed the earlier one.</summary>
    AttendanceCorrected,

    Feedback,

    /// <summary>The guardian's students were taken off the booking (erasure of a booking that had ended).</summary>
    Erased,
}

/// <summary>
/// One row of the booking outbox: a change of one booking, written in the same entity-group transaction as
/// the booking row (and its seat rows), in the counsellor's partition, row key <c>e|{bookingId}|{version}</c>.
/// It carries the booking as that change left it, so its consequences (SMS, calendar, evidence, reminders)
/// describe that version even when a newer change follows. <see cref="FirstAttemptAt"/> is the time the
/// row was written: the SMS it sets off is sent under that first-attempt time on every retry, so the
/// provider's repeatability makes a repeated send harmless.
/// </summary>
public sealed record BookingEvent(
    string BookingId,
    int Version,
    BookingEventKind Kind,
    DateTimeOffset FirstAttemptAt,
    Booking Booking,
    bool AskFeedback = false);

/// <summary>
/// The queue message that starts <see cref="BookingEventHandler"/> for the pending events of one booking
/// (<see cref="BookingId"/>) or of several (<see cref="BookingIds"/>: the bookings one instance committed within
/// <see cref="BookingEventQueue.Gather"/>, sent as one message).
/// </summary>
public sealed record BookingEventMessage(string? BookingId = null, IReadOnlyList<string>? BookingIds = null)
{
    /// <summary>Every booking the message names, each once, in the order given.</summary>
    public IReadOnlyList<string> All() =>
        [.. (BookingIds ?? []).Prepend(BookingId).OfType<string>().Where(id => id.Length > 0).Distinct(StringComparer.Ordinal)];

    /// <summary>The message naming these bookings: the one-booking shape for one.</summary>
    public static BookingEventMessage For(IReadOnlyList<string> bookingIds) =>
        bookingIds.Count == 1 ? new BookingEventMessage(bookingIds[0]) : new BookingEventMessage(BookingIds: bookingIds);
}

public static class BookingQueues
{
    /// <summary>Booking ids whose outbox rows wait for their consequences.</summary>
    public const string EventsQueue = "booking-events";
}

/// <summary>
/// What <see cref="BookingStore.UpdateAsync"/> should write: the changed booking and the kind of change, or no
/// change with the reason (<see cref="Refusal"/>, a wire code such as <c>meeting_not_started</c>; null when
/// there is simply nothing to change).
/// </summary>
public sealed record BookingChange(Booking? Booking, BookingEventKind? Kind, string? Refusal = null, bool AskFeedback = false)
{
    public static BookingChange None(string? refusal = null) => new(null, null, refusal);
}

/// <summary>The booking after <see cref="BookingStore.UpdateAsync"/> (null when unknown), the change written (null: none) and why not.</summary>
public sealed record BookingUpdate(Booking? Booking, BookingEventKind? Written, string? Refusal);

/// <summary>An outbox row as read, with its claim (lease), progress and ETag.</summary>
public sealed record PendingBookingEvent(
    string PartitionKey,
    string RowKey,
    BookingEvent Event,
    DateTimeOffset? LeaseUntil,
    int Attempts,
    bool SmsDone,
    Azure.ETag ETag);
