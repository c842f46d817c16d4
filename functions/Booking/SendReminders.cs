using BkOutreach.Core.Booking;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary>Reminder SMS 24 h and 2 h before each meeting, once each, never in quiet hours.</summary>
public sealed class SendReminders(FollowUps followUps)
{
    [Function(nameof(SendReminders))]
    public Task Run([TimerTrigger(Schedules.Reminders)] TimerInfo timer, CancellationToken cancellationToken) =>
        followUps.SendDueRemindersAsync(cancellationToken);
}
