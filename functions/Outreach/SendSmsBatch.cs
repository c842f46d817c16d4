using BkOutreach.Core.Outreach;
using BkOutreach.Core.Reliability;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// Sends one fanned-out batch of a campaign wave; a failure retries the batch, which sends nothing twice.
/// On the last attempt (<see cref="QueueHostSettings.MaxDequeueCount"/>, as host.json) the failure's reason is
/// recorded in the poison log before the host moves the message to <c>sms-send-poison</c>, so the dashboard
/// can say why — the host itself only writes it to the log stream.
/// </summary>
public sealed class SendSmsBatch(SendCampaignBatch send, PoisonLog poison)
{
    [Function(nameof(SendSmsBatch))]
    public async Task Run([QueueTrigger(OutreachQueues.SendQueue)] SendBatch batch, string id, long dequeueCount, CancellationToken cancellationToken)
    {
        try
        {
            await send.ExecuteAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (dequeueCount >= QueueHostSettings.MaxDequeueCount && ex is not OperationCanceledException)
        {
            await poison.RecordAsync(OutreachQueues.SendQueue, nameof(SendSmsBatch), id, dequeueCount, $"{ex.GetType().Name}: {ex.Message}", CancellationToken.None, batch.SchoolId);
            throw;
        }
    }
}
