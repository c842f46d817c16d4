using BkOutreach.Core.Sms;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// WhatsApp without ACS: the message's preview goes to the local outbox with <c>"channel": "whatsapp"</c>.
/// With <see cref="WhatsAppOptions.OutboxReportsDelivered"/> it reports the message delivered at once, since
/// no status event will ever come for it and the demo should not fall back to SMS hours later.
/// </summary>
public sealed class OutboxWhatsAppSender(OutboxSmsSender outbox, IOptions<WhatsAppOptions> options) : IWhatsAppSender
{
    public async Task<WhatsAppSendResult> SendAsync(WhatsAppMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (messageId, _) = await outbox.StoreAsync(OutboxSmsSender.WhatsAppChannel, message.To, message.Preview, 1, message.IdempotencyKey, message.Template?.Name, cancellationToken);
        return new WhatsAppSendResult(SmsSendStatus.Accepted, messageId, null, DeliveredNow: options.Value.OutboxReportsDelivered);
    }
}
