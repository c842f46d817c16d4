using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Outreach;

/// <summary>What a webhook call did, for the response and the tests.</summary>
public sealed record AcsEventsOutcome(string? ValidationResponse, int Processed, int Repeated, int Ignored);

/// <summary>
/// Delivery reports and inbound SMS from Event Grid. Event Grid delivers at least once, so every event is
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
    SmsTemplates templates,
    ISmsSender sender,
    StorageAccount storage,
    TimeProvider time,
    ILogger<HandleAcsEvents> logger)
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
                SmsReceived received => await OnReceivedAsync(received, cancellationToken),
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

    private async Task<bool> OnReceivedAsync(SmsReceived received, CancellationToken cancellationToken)
    {
        var from = AcsEvents.NormalizeNumber(received.From);
        if (!IsE164(from))
        {
            // Not a phone number (Event Grid payloads are outside input): nothing to look up or answer.
            LogKeyword(logger, received.MessageId, "ignored_sender_not_a_number");
            return false;
        }

        switch (received.Keyword)
        {
            case SmsKeyword.OptOut:
                await optOuts.OptOutAsync(from, cancellationToken);
                await facts.OptChangedAsync(from, optedOut: true, received.Id, cancellationToken);
                var text = templates.Render(SmsTemplates.OptOutConfirmation, SmsTemplates.DefaultLanguage, new SmsTemplateModel()).Text;
                await sender.SendAsync([new SmsMessage(from, text, $"opt-out-confirmation:{received.Id}")], cancellationToken);
                LogKeyword(logger, received.MessageId, "opt_out");
                return true;
            case SmsKeyword.OptIn:
                await optOuts.OptInAsync(from, cancellationToken);
                await facts.OptChangedAsync(from, optedOut: false, received.Id, cancellationToken);
                LogKeyword(logger, received.MessageId, "opt_in");
                return true;
            default:
                if (await surveyPrompts.TakeReplyAsync(from, received, cancellationToken))
                {
                    LogKeyword(logger, received.MessageId, "survey_reply");
                    return true;
                }

                if (await replyBooking.TakeReplyAsync(from, received.Id, received.Message, cancellationToken) is not null)
                {
                    LogKeyword(logger, received.MessageId, "slot_reply");
                    return true;
                }

                if (await followUps.TakeFeedbackReplyAsync(from, received.Message, cancellationToken) is not null)
                {
                    LogKeyword(logger, received.MessageId, "feedback_reply");
                    return true;
                }

                await parentMessages.ReceiveAsync(from, string.IsNullOrEmpty(received.MessageId) ? received.Id : received.MessageId, received.Message, received.ReceivedAt ?? time.GetUtcNow(), MessageChannel.Sms, cancellationToken);
                LogKeyword(logger, received.MessageId, "message_for_counselor");
                return true;
        }
    }

    private static string SafeKey(string id) => OutboxSmsSender.RowKeyFor(id);

    /// <summary>"+" and 8 to 15 digits: the only sender an SMS reply can come from.</summary>
    private static bool IsE164(string number) =>
        number.Length is >= 9 and <= 16 && number[0] == '+' && number.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery report for message {MessageId}: {Status} (known: {Known})")]
    private static partial void LogDeliveryReport(ILogger logger, string messageId, string status, bool known);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound SMS {MessageId}: {Action}")]
    private static partial void LogKeyword(ILogger logger, string messageId, string action);
}
