using BkOutreach.Core.Outreach;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>The frequent dispatcher: fans out every due wave of every school, in each school's sending hours.</summary>
public sealed class DispatchCampaigns(CampaignDispatcher dispatcher)
{
    [Function(nameof(DispatchCampaigns))]
    public Task Run([TimerTrigger(Schedules.Dispatcher)] TimerInfo timer, CancellationToken cancellationToken) =>
        dispatcher.DispatchDueAsync(cancellationToken);
}
