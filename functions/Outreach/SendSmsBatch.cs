using BkOutreach.Core.Outreach;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>Sends one fanned-out batch of a campaign wave; a failure retries the batch, which sends nothing twice.</summary>
public sealed class SendSmsBatch(SendCampaignBatch send)
{
    [Function(nameof(SendSmsBatch))]
    public Task Run([QueueTrigger(OutreachQueues.SendQueue)] SendBatch batch, CancellationToken cancellationToken) =>
        send.ExecuteAsync(batch, cancellationToken);
}
