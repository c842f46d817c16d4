using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.WhatsApp;

/// <summary>How an answer went, and by which channel.</summary>
public sealed record ChannelAnswerResult(SmsSendStatus Status, MessageChannel Channel, string? ProviderMessageId, string? Error);

/// <summary>
/// The one way an answer to a parent goes (a counsellor's answer, the confirmations of BERHENTI and of a
/// channel choice): WhatsApp free text when the caller wants WhatsApp, WhatsApp is on, and the number wrote
/// to us by WhatsApp in the last 24 hours (the only time WhatsApp allows free text); otherwise — or when
/// WhatsApp refuses it at send — by SMS under the same key, so one answer reaches the parent once. A
/// transient WhatsApp failure is returned as such (no SMS: the retry under the same key may still reach the
/// parent by WhatsApp, and ACS repeatability makes that retry a repeat).
/// </summary>
public sealed class ChannelAnswers(ISmsSender sms, IWhatsAppSender whatsApp, IWhatsAppWindow window, IOptions<WhatsAppOptions> options, TimeProvider time)
{
    /// <param name="preferWhatsApp">The caller's channel: the one the parent wrote on, or the guardian's choice.</param>
    /// <param name="firstAttemptAt">The first attempt's time, kept across retries (null: now).</param>
    public async Task<ChannelAnswerResult> SendAsync(string to, string text, string idempotencyKey, DateTimeOffset? firstAttemptAt, bool preferWhatsApp, CancellationToken cancellationToken)
    {
        if (preferWhatsApp && options.Value.Enabled && await window.IsOpenAsync(to, time.GetUtcNow(), cancellationToken))
        {
            var sent = await whatsApp.SendAsync(new WhatsAppMessage(to, idempotencyKey, firstAttemptAt ?? time.GetUtcNow(), null, text, text), cancellationToken);
            if (sent.Status != SmsSendStatus.Rejected)
            {
                return new ChannelAnswerResult(sent.Status, MessageChannel.WhatsApp, sent.MessageId, sent.Error);
            }
        }

        var result = (await sms.SendAsync([new SmsMessage(to, text, idempotencyKey, null, firstAttemptAt)], cancellationToken))[0];
        return new ChannelAnswerResult(result.Status, MessageChannel.Sms, result.MessageId, result.Error);
    }
}
