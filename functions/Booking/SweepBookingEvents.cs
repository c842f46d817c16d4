using BkOutreach.Core.Booking;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary>Queues again every booking whose outbox row is still pending after a minute (lost message, provider down, crash).</summary>
public sealed class SweepBookingEvents(BookingEventSweep sweep)
{
    [Function(nameof(SweepBookingEvents))]
    public Task Run([TimerTrigger(Schedules.BookingEventsSweep)] TimerInfo timer, CancellationToken cancellationToken) =>
        sweep.SweepAsync(cancellationToken);
}
