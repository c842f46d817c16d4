using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using BkOutreach.Core.WhatsApp;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Outreach;

/// <summary>What a webhook call did, for the response and the tests.</summary>
public sealed record AcsEventsOutcome(string? ValidationResponse, int Processed, int Repeated, int Ignored);

/// <summary>
/// Delivery reports, inbound SMS and inbound WhatsApp messages from Event Grid. Event Grid delivers at least once, so every event is
/// handled idempotently and then remembered by id (the <c>acsevents</c> table); a redelivered event is
/// answered 200 and changes nothing. The id is remembered only after the work succeeded, so a failure is
/// retried by Event Grid rather than lost, and the opt-out confirmation SMS carries the event id as its
/// idempotency key so a retry after a half-done attempt still sends it once.
/// </summary>
public sealed partial class HandleAcsEvents(
    SendLog sendLog,
    Booking.SmsReplyBooking replyBooking,
    Booking.FollowUps followUps,
    Participation.ParticipationFacts facts,
    SurveyPrompts surveyPrompts,
    Staff.ParentMessages parentMessages,
    OptOutStore optOuts,
    GuardianChannels channels,
    WhatsAppWindow window,
    SchoolDirectory directory,
    SmsTemplates templates,
    ChannelAnswers answers,
    StorageAccount storage,
    TimeProvider time,
    ILogger<HandleAcsEvents> logger,
    WhatsApp.TwoChannelSender twoChannels)
{
    private const string EventPartition = "acs";

    public async Task<AcsEventsOutcome> ExecuteAsync(IReadOnlyList<AcsEvent> events, CancellationToken cancellationToken)
    {
        int processed = 0, repeated = 0, ignored = 0;
        var seen = storage.Table(StorageNames.AcsEventsTable);
        foreach (var e in events)
        {
            if (e is SubscriptionValidation validation)
            {
                return new AcsEventsOutcome(AcsEvents.ValidationResponse(validation.ValidationCode), 0, 0, 0);
            }

            if (string.IsNullOrEmpty(e.Id) || (await seen.GetEntityIfExistsAsync<TableEntity>(EventPartition, SafeKey(e.Id), cancellationToken: cancellationToken)).HasValue)
            {
                repeated++;
                continue;
            }

            var handled = e switch
            {
                SmsDeliveryReport report => await OnDeliveryReportAsync(report, cancellationToken),
                SmsReceived received => await OnInboundAsync(received.ToInbound(), cancellationToken),
                AdvancedMessageReceived whatsApp => await OnWhatsAppReceivedAsync(whatsApp, cancellationToken),
                AdvancedMessageDeliveryStatus status => await twoChannels.OnStatusAsync(status, cancellationToken),
                _ => false,
            };
            if (handled)
            {
                processed++;
            }
            else
            {
                ignored++;
            }

            try
            {
                await seen.AddEntityAsync(new TableEntity(EventPartition, SafeKey(e.Id)) { ["At"] = time.GetUtcNow(), ["Kind"] = e.GetType().Name }, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // A concurrent delivery of the same event finished first; both did idempotent work.
            }
        }

        return new AcsEventsOutcome(null, processed, repeated, ignored);
    }

    private async Task<bool> OnDeliveryReportAsync(SmsDeliveryReport report, CancellationToken cancellationToken)
    {
        if (report.Tag is null)
        {
            return false;
        }

        var known = await sendLog.RecordDeliveryAsync(report.Tag, report.IsDelivered, report.DeliveryStatusDetails ?? report.DeliveryStatus, cancellationToken);
        if (known && SendLog.TryParseKey(report.Tag, out var schoolId, out var campaignId, out var wave, out var guardianId))
        {
            await facts.SmsDeliveryAsync(schoolId, campaignId, wave, guardianId, report.IsDelivered, cancellationToken);
        }

        LogDeliveryReport(logger, report.MessageId, report.DeliveryStatus, known);
        return known;
    }

    /// <summary>A WhatsApp message: opens the 24-hour window for free text, then is handled as any inbound message.</summary>
    private async Task<bool> OnWhatsAppReceivedAsync(AdvancedMessageReceived received, CancellationToken cancellationToken)
    {
        if (!received.IsWhatsApp)
        {
            LogInbound(logger, received.MessageId, "whatsapp", "ignored_channel_type");
            return false;
        }

        var from = AcsEvents.NormalizeNumber(received.From);
        if (!IsE164(from))
        {
            LogInbound(logger, received.MessageId, "whatsapp", "ignored_sender_not_a_number");
            return false;
        }

        await window.RecordInboundAsync(from, received.ReceivedAt ?? time.GetUtcNow(), cancellationToken);
        if (string.IsNullOrWhiteSpace(received.Text))
        {
            // A sticker, a reaction, a photo without caption: nothing to read, but the window is open.
            LogInbound(logger, received.MessageId, "whatsapp", "no_text");
            return true;
        }

        return await OnInboundAsync(received.ToInbound(), cancellationToken);
    }

    /// <summary>
    /// A parent's message by SMS or WhatsApp, the same for both: keywords (BERHENTI/STOP stops both
    /// channels, the opt-out store being per number; MULAI; SMS/WA choose the channel), then the newest
    /// question the number was asked (survey, slot offer, feedback), else it goes to the counsellor's inbox
    /// (<see cref="Staff.ParentMessages"/>).
    /// Facts record the channel the message came by, and the answers go back on it (<see cref="AnswerAsync"/>;
    /// a new slot offer through <see cref="Booking.SmsReplyBooking"/> the same way): WhatsApp free text to a
    /// WhatsApp message — the parent just wrote, so the 24-hour window is open — and SMS to an SMS.
    /// </summary>
    private async Task<bool> OnInboundAsync(InboundMessage received, CancellationToken cancellationToken)
    {
        var from = AcsEvents.NormalizeNumber(received.From);
        var channel = GuardianChannels.ParticipationOf(received.Channel);
        var via = GuardianChannels.ToWire(received.Channel);
        if (!IsE164(from))
        {
            // Not a phone number (Event Grid payloads are outside input): nothing to look up or answer.
            LogInbound(logger, received.MessageId, via, "ignored_sender_not_a_number");
            return false;
        }

        switch (received.Keyword)
        {
            case SmsKeyword.OptOut:
                await optOuts.OptOutAsync(from, cancellationToken);
                var language = await facts.OptChangedAsync(from, optedOut: true, received.EventId, channel, cancellationToken);

                // After the opt-out exactly one message still goes: its confirmation, on the channel the parent
                // used. It is the answer to their own message, not one of ours (the opt-out stops those): the
                // parent must know the word worked and how to undo it (MULAI), as SMS practice expects of a STOP
                // reply; on WhatsApp it is free text inside the window their message opened (a service reply,
                // allowed and not charged). Not on both channels: the parent wrote on one. It says that both
                // channels stop, since the opt-out is per number.
                // In the guardian's language (the roster's), Bahasa Indonesia for a number no school knows.
                var text = templates.Render(SmsTemplates.OptOutConfirmation, language ?? SmsTemplates.DefaultLanguage, new SmsTemplateModel()).Text;
                await AnswerAsync(received, from, text, $"opt-out-confirmation:{received.EventId}", cancellationToken);
                LogInbound(logger, received.MessageId, via, "opt_out");
                return true;
            case SmsKeyword.OptIn:
                await optOuts.OptInAsync(from, cancellationToken);
                await facts.OptChangedAsync(from, optedOut: false, received.EventId, channel, cancellationToken);
                LogInbound(logger, received.MessageId, via, "opt_in");
                return true;
            case SmsKeyword.UseSms or SmsKeyword.UseWhatsApp:
                await OnChannelChosenAsync(from, received, received.Keyword == SmsKeyword.UseSms ? MessageChannel.Sms : MessageChannel.WhatsApp, cancellationToken);
                return true;
            default:
                if (await surveyPrompts.TakeReplyAsync(from, received, cancellationToken))
                {
                    LogInbound(logger, received.MessageId, via, "survey_reply");
                    return true;
                }

                if (await replyBooking.TakeReplyAsync(from, received.EventId, received.Text, channel, cancellationToken) is not null)
                {
                    LogInbound(logger, received.MessageId, via, "slot_reply");
                    return true;
                }

                if (await followUps.TakeFeedbackReplyAsync(from, received.Text, channel, cancellationToken) is not null)
                {
                    LogInbound(logger, received.MessageId, via, "feedback_reply");
                    return true;
                }

                await parentMessages.ReceiveAsync(from, string.IsNullOrEmpty(received.MessageId) ? received.EventId : received.MessageId, received.Text, received.ReceivedAt ?? time.GetUtcNow(), received.Channel, cancellationToken);
                LogInbound(logger, received.MessageId, via, "message_for_counselor");
                return true;
        }
    }

    /// <summary>
    /// A reply <c>SMS</c> or <c>WA</c>: the channel changes in every school that has the number, one short
    /// confirmation goes back (in the first guardian's language, naming the school when there is one; none
    /// while the number is opted out, since a channel choice is no opt-in). The
    /// same word may also answer a survey's channel question, so a pending survey takes it too.
    /// </summary>
    private async Task OnChannelChosenAsync(string from, InboundMessage received, MessageChannel chosen, CancellationToken cancellationToken)
    {
        var via = GuardianChannels.ToWire(received.Channel);
        var guardians = await channels.ChooseByPhoneAsync(from, chosen, cancellationToken);
        var survey = await surveyPrompts.TakeReplyAsync(from, received, cancellationToken);
        if (guardians.Count == 0)
        {
            LogInbound(logger, received.MessageId, via, survey ? "survey_reply" : "channel_unknown_number");
            return;
        }

        if (await optOuts.IsOptedOutAsync(from, cancellationToken))
        {
            // The choice is kept for when they opt back in (MULAI); an opted-out number gets no confirmation.
            LogInbound(logger, received.MessageId, via, "channel_while_opted_out");
            return;
        }

        var schools = guardians.Select(g => g.SchoolId).Distinct(StringComparer.Ordinal).ToList();
        var schoolName = schools.Count == 1 ? (await directory.GetSchoolAsync(schools[0], cancellationToken))?.Name ?? "" : "";
        var template = chosen == MessageChannel.Sms ? SmsTemplates.ChannelSms : SmsTemplates.ChannelWhatsApp;
        var text = templates.Render(template, guardians[0].Language, new SmsTemplateModel { SchoolName = schoolName }).Text;
        await AnswerAsync(received, from, text, $"channel-confirmation:{received.EventId}", cancellationToken);
        LogInbound(logger, received.MessageId, via, chosen == MessageChannel.Sms ? "channel_sms" : "channel_whatsapp");
    }

    /// <summary>
    /// An answer to <paramref name="received"/>, on the channel it came by (see <see cref="ChannelAnswers"/>: a
    /// WhatsApp refusal falls back to SMS under the same key). When the provider cannot take it now, the event
    /// fails so Event Grid delivers it again: everything before the answer is idempotent, and the answer's key
    /// is the event id, so the retry sends it once.
    /// </summary>
    private async Task AnswerAsync(InboundMessage received, string from, string text, string key, CancellationToken cancellationToken)
    {
        var sent = await answers.SendAsync(from, text, key, null, received.Channel == MessageChannel.WhatsApp, cancellationToken);
        if (sent.Status == SmsSendStatus.Transient)
        {
            throw new InvalidOperationException($"The answer {key} could not be sent now ({sent.Error}); the event is retried.");
        }
    }

    private static string SafeKey(string id) => OutboxSmsSender.RowKeyFor(id);

    /// <summary>"+" and 8 to 15 digits: the only sender an SMS reply can come from.</summary>
    private static bool IsE164(string number) =>
        number.Length is >= 9 and <= 16 && number[0] == '+' && number.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery report for message {MessageId}: {Status} (known: {Known})")]
    private static partial void LogDeliveryReport(ILogger logger, string messageId, string status, bool known);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound message {MessageId} by {Channel}: {Action}")]
    private static partial void LogInbound(ILogger logger, string messageId, string channel, string action);
}
