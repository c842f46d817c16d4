using BkOutreach.Core.Sms;

namespace BkOutreach.Core.WhatsApp;

/// <summary>A template message: the approved template's name and language, its body values in order, and its buttons.</summary>
public sealed record WhatsAppTemplateContent(string Name, string Language, IReadOnlyList<string> BodyValues, WhatsAppButtons? Buttons);

/// <summary>
/// The buttons of a template, as it was approved: a URL button whose dynamic suffix is <see cref="UrlSuffix"/>
/// ("Pilih jadwal" opens the booking page), and quick replies whose payloads are <see cref="QuickReplies"/>.
/// </summary>
public sealed record WhatsAppButtons(string? UrlSuffix, IReadOnlyList<string> QuickReplies);

/// <summary>
/// One WhatsApp message to one number. Either <see cref="Template"/> or <see cref="Text"/> (free text, only
/// inside the 24-hour window). <see cref="Preview"/> is what the parent reads, for the outbox and logs of
/// lengths. The idempotency key and first-attempt time work as for <see cref="SmsMessage"/>.
/// </summary>
public sealed record WhatsAppMessage(string To, string IdempotencyKey, DateTimeOffset FirstAttemptAt, WhatsAppTemplateContent? Template, string? Text, string Preview);

/// <param name="DeliveredNow">The provider reports delivery at once (the local outbox), so no status event will come.</param>
public sealed record WhatsAppSendResult(SmsSendStatus Status, string? MessageId, string? Error, bool DeliveredNow = false);

/// <summary>Sends WhatsApp messages one per request: repeatability is per request in Advanced Messaging.</summary>
public interface IWhatsAppSender
{
    Task<WhatsAppSendResult> SendAsync(WhatsAppMessage message, CancellationToken cancellationToken);
}
