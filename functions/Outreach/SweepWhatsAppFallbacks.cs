using BkOutreach.Core.WhatsApp;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>Sends the one SMS for every WhatsApp message not delivered by its deadline (and finishes fallbacks a crash interrupted).</summary>
public sealed class SweepWhatsAppFallbacks(TwoChannelSender sender)
{
    [Function(nameof(SweepWhatsAppFallbacks))]
    public Task Run([TimerTrigger(Schedules.WhatsAppFallbacks)] TimerInfo timer, CancellationToken cancellationToken) =>
        sender.SweepAsync(cancellationToken);
}
