using BkOutreach.Core.Booking;
using BkOutreach.Core.Reliability;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary>
/// Carries out what booking changes set off (SMS, calendar, evidence, reminders) from the bookings' outbox
/// rows, for every booking the message names (one, or the several an instance committed at about the same
/// time: <see cref="BookingEventQueue.Gather"/>), a few side by side. A provider that cannot take it now fails the
/// message so the queue tries again soon (the bookings already done find nothing pending then); on the last
/// attempt the message is let go instead, since the outbox rows are still pending and the sweep queues them
/// again. When another handler holds a booking's next event, that booking is queued again for a few seconds
/// later (<see cref="BookingEventQueue.SendLaterAsync"/>): that handler works only through the events it
/// listed when it began, so an event committed meanwhile would otherwise wait for the sweep.
/// </summary>
public sealed class HandleBookingEvents(BookingEventHandler handler, BookingEventQueue queue)
{
    /// <summary>How many of one message's bookings are handled side by side.</summary>
    public const int BookingsAtOnce = 2;

    [Function(nameof(HandleBookingEvents))]
    public async Task Run([QueueTrigger(BookingQueues.EventsQueue)] BookingEventMessage message, long dequeueCount, CancellationToken cancellationToken)
    {
        var ids = message.All();
        var outcomes = new HandleOutcome[ids.Count];

        // A few at a time: the queue already runs several messages at once (host.json batchSize), and what the
        // bookings set off must not crowd out the parents' own requests on the same storage.
        await Parallel.ForEachAsync(
            Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = BookingsAtOnce, CancellationToken = cancellationToken },
            async (i, ct) => outcomes[i] = await handler.HandleAsync(ids[i], ct));
        var busy = ids.Where((_, i) => outcomes[i] == HandleOutcome.Busy).ToList();
        if (busy.Count > 0)
        {
            await queue.SendLaterAsync(busy, cancellationToken);
        }

        if (outcomes.Contains(HandleOutcome.RetryLater) && dequeueCount < QueueHostSettings.MaxDequeueCount)
        {
            throw new BookingEventsPendingException(ids.Where((_, i) => outcomes[i] == HandleOutcome.RetryLater));
        }
    }
}

/// <summary>Bookings' changes could not be carried out completely now; the queue delivers the message again.</summary>
public sealed class BookingEventsPendingException(IEnumerable<string> bookingIds)
    : Exception($"Booking(s) {string.Join(", ", bookingIds)}: a provider could not take their change now; retried.");
