using BkOutreach.Core.Graph;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Calendar;

/// <summary>Keeps each counsellor's Microsoft 365 free/busy in storage so open slots hide their busy time (Graph on only).</summary>
public sealed class SyncBusyTimes(CalendarTimers timers)
{
    [Function(nameof(SyncBusyTimes))]
    public Task Run([TimerTrigger(Schedules.BusyTimes)] TimerInfo timer, CancellationToken cancellationToken) =>
        timers.SyncBusyTimesAsync(cancellationToken);
}
