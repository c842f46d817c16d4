using BkOutreach.Core.Graph;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Calendar;

/// <summary>Creates, moves and cancels bookings' events in counsellors' calendars; a Graph outage is retried here, never in the booking.</summary>
public sealed class SyncCalendarEvents(CalendarTimers timers)
{
    [Function(nameof(SyncCalendarEvents))]
    public Task Run([TimerTrigger(Schedules.CalendarSync)] TimerInfo timer, CancellationToken cancellationToken) =>
        timers.ProcessCalendarChangesAsync(cancellationToken);
}
