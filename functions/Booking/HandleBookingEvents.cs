using BkOutreach.Core.Booking;
using BkOutreach.Core.Reliability;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary>
/// Carries out what a booking change sets off (SMS, calendar, evidence, reminders) from the booking's outbox
/// rows. A provider that cannot take it now fails the message so the queue tries again soon; on the last
/// attempt the message is let go instead, since the outbox row is still pending and the sweep queues it again.
/// When another handler holds the booking's next event, the booking is queued again for a few seconds later
/// (<see cref="BookingEventQueue.SendLaterAsync"/>): that handler works only through the events it listed
/// when it began, so an event committed meanwhile would otherwise wait for the sweep.
/// </summary>
public sealed class HandleBookingEvents(BookingEventHandler handler, BookingEventQueue queue)
{
    [Function(nameof(HandleBookingEvents))]
    public async Task Run([QueueTrigger(BookingQueues.EventsQueue)] BookingEventMessage message, long dequeueCount, CancellationToken cancellationToken)
    {
        var outcome = await handler.HandleAsync(message.BookingId, cancellationToken);
        if (outcome == HandleOutcome.RetryLater && dequeueCount < QueueHostSettings.MaxDequeueCount)
        {
            throw new BookingEventsPendingException(message.BookingId);
        }

        if (outcome == HandleOutcome.Busy)
        {
            await queue.SendLaterAsync(message.BookingId, cancellationToken);
        }
    }
}

/// <summary>A booking's change could not be carried out completely now; the queue delivers it again.</summary>
public sealed class BookingEventsPendingException(string bookingId)
    : Exception($"Booking {bookingId}: a provider could not take its change now; retried.");
