using BkOutreach.Core.Staff;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>Counsellors' answers written in quiet hours (or whose send must be retried) go out once the school's sending window is open.</summary>
public sealed class SendQueuedParentAnswers(ParentMessages messages)
{
    [Function(nameof(SendQueuedParentAnswers))]
    public Task Run([TimerTrigger(Schedules.ParentAnswers)] TimerInfo timer, CancellationToken cancellationToken) =>
        messages.SendDueAsync(cancellationToken);
}
