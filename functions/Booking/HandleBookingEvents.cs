using BkOutreach.Core.Booking;
using BkOutreach.Core.Reliability;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary>
/// Carries out what a booking change sets off (SMS, calendar, evidence, reminders) from the booking's outbox
/// rows. A provider that cannot take it now fails the message so the queue tries again soon; on the last
/// attempt the message is let go instead, since the outbox row is still pending and the sweep queues it again.
/// </summary>
public sealed class HandleBookingEvents(BookingEventHandler handler)
{
    [Function(nameof(HandleBookingEvents))]
    public async Task Run([QueueTrigger(BookingQueues.EventsQueue)] BookingEventMessage message, long dequeueCount, CancellationToken cancellationToken)
    {
        var outcome = await handler.HandleAsync(message.BookingId, cancellationToken);
        if (outcome == HandleOutcome.RetryLater && dequeueCount < QueueHostSettings.MaxDequeueCount)
        {
            throw new BookingEventsPendingException(message.BookingId);
        }
    }
}

/// <summary>A booking's change could not be carried out completely now; the queue delivers it again.</summary>
public sealed class BookingEventsPendingException(string bookingId)
    : Exception($"Booking {bookingId}: a provider could not take its change now; retried.");
