using System.Text.Json;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Links;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NodaTime;

namespace BkOutreach.Core.Outreach;

/// <summary>The provider could not take some messages now; the queue retries the batch and only those go again.</summary>
public sealed class TransientSendException(int count) : Exception($"{count} message(s) could not be sent now; the batch will be retried.");

public sealed record BatchOutcome(int Sent, int AlreadySent, int OptedOut, int Booked, int Rejected, bool Deferred);

/// <summary>
/// Sends one queued batch of a campaign wave. Exactly once per guardian and wave, whatever is retried:
/// <list type="number">
/// <item>each recipient's row in <see cref="SendLog"/> (key campaign + wave + guardian) is read first, and
/// a finished row is never sent again;</item>
/// <item>before the provider is called, a Pending row records the first attempt's time; a crash after the
/// provider accepted leaves it Pending, and the retry sends again under the same key and first-attempt time,
/// which the provider answers as a repeat without delivering (ACS repeatability; the outbox keys rows);</item>
/// <item>opt-outs are read at send time, not at dispatch;</item>
/// <item>the deployment-wide rate is claimed from <see cref="SmsRateLimiter"/> before sending.</item>
/// </list>
/// Outside the school's sending hours the batch goes back to the queue until they open.
/// </summary>
public sealed partial class SendCampaignBatch(
    SchoolDirectory directory,
    CampaignStore campaigns,
    SendLog sendLog,
    OptOutStore optOuts,
    BookingStore bookings,
    LinkTokens links,
    SmsTemplates templates,
    SmsRateLimiter rateLimiter,
    WhatsApp.TwoChannelSender sender,
    Booking.SmsReplyBooking replyBooking,
    Participation.ParticipationFacts facts,
    SurveyPrompts surveyPrompts,
    StorageAccount storage,
    IOptions<LinksOptions> linkOptions,
    TimeProvider time,
    ILogger<SendCampaignBatch> logger,
    WhatsApp.WhatsAppFacts whatsAppFacts)
{
    private const int MaxSendLogRaces = 4;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<BatchOutcome> ExecuteAsync(SendBatch batch, CancellationToken cancellationToken)
    {
        // Two instances may hold the same batch at once (a redelivered queue message). Nothing leaves this
        // instance before the send rows are written, so the one whose write lost (SendLogChangedException)
        // starts again from the rows as they are now, without spending one of the queue's deliveries.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ExecuteOnceAsync(batch, cancellationToken);
            }
            catch (SendLogChangedException) when (attempt < MaxSendLogRaces)
            {
                LogSendLogRaced(logger, batch.CampaignId, batch.Wave, attempt);
            }
        }
    }

    private async Task<BatchOutcome> ExecuteOnceAsync(SendBatch batch, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(batch.SchoolId, cancellationToken);
        var campaign = await campaigns.GetAsync(batch.SchoolId, batch.CampaignId, cancellationToken);
        if (school is null || campaign is null || batch.GuardianIds is not { Count: > 0 })
        {
            LogDropped(logger, batch.CampaignId, batch.Wave);
            return new BatchOutcome(0, 0, 0, 0, 0, false);
        }

        if (batch.Wave < 0 || batch.Wave >= campaign.Definition.Waves.Count)
        {
            throw new InvalidOperationException($"Campaign {batch.CampaignId} has no wave {batch.Wave}; this batch can never be sent.");
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var zone = SendingWindow.ZoneOf(school);
        var expires = CampaignValidation.LinksExpireAt(campaign.Definition, zone);
        if (now >= expires)
        {
            LogWindowClosed(logger, batch.CampaignId, batch.Wave);
            return new BatchOutcome(0, 0, 0, 0, 0, false);
        }

        if (!SendingWindow.IsOpen(school, now))
        {
            var opening = SendingWindow.NextOpening(school, now);
            await storage.Queue(OutreachQueues.SendQueue).SendMessageAsync(JsonSerializer.Serialize(batch, Json), visibilityTimeout: (opening - now).ToTimeSpan(), cancellationToken: cancellationToken);
            var openingTime = opening.ToDateTimeOffset();
            LogDeferred(logger, batch.CampaignId, batch.Wave, openingTime);
            return new BatchOutcome(0, 0, 0, 0, 0, true);
        }

        // The batch names guardians; who they are and how to reach them is read from the roster now, so a
        // guardian erased or moved out of the audience since the fan-out is not sent to.
        var ids = batch.GuardianIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var existing = await sendLog.ReadRangeAsync(batch.SchoolId, batch.CampaignId, batch.Wave, ids[0], ids[^1], cancellationToken);
        var roster = await directory.GuardiansBetweenAsync(batch.SchoolId, ids[0], ids[^1], cancellationToken);
        var recipients = new List<Recipient>();
        var erased = 0;
        foreach (var id in ids)
        {
            if (roster.TryGetValue(id, out var guardian) && CampaignDispatcher.ToRecipient(guardian, campaign.Definition.Audience) is { } recipient)
            {
                recipients.Add(recipient);
            }
            else
            {
                erased++;
            }
        }

        var optedOut = await optOuts.OptedOutAmongAsync(recipients.Select(r => r.Phone).ToList(), cancellationToken);
        var counselorNames = (await directory.ListCounselorsAsync(batch.SchoolId, cancellationToken)).ToDictionary(c => c.Id, c => c.Counselor.Name, StringComparer.Ordinal);
        var kind = campaign.Definition.Waves[batch.Wave].Kind;
        var isFollowUp = kind == "follow_up";
        var template = CampaignMessages.TemplateOf(campaign.Definition, batch.Wave);

        var records = new List<SendRecord>();
        var messages = new List<WhatsApp.OutboundMessage>();
        var toSend = new List<(Recipient Recipient, SendRecord Record)>();
        int alreadySent = 0, skippedOut = 0, skippedBooked = 0;
        foreach (var r in recipients)
        {
            existing.TryGetValue(r.GuardianId, out var row);
            if (row is not null && row.State != SendState.Pending)
            {
                alreadySent++;
                continue;
            }

            // A pending row is retried under the key it was first tried with (possibly one from before the school was in keys).
            var key = row is { Key.Length: > 0 } ? row.Key : SendLog.KeyOf(batch.SchoolId, batch.CampaignId, batch.Wave, r.GuardianId);

            var firstAttempt = row?.FirstAttemptAt ?? now.ToDateTimeOffset();
            if (optedOut.Contains(r.Phone))
            {
                records.Add(new SendRecord(r.GuardianId, key, SendState.SkippedOptedOut, firstAttempt, null, null, row?.ETag ?? default) { Partition = row?.Partition });
                skippedOut++;
                continue;
            }

            if (isFollowUp && await HasBookingAsync(batch, r, cancellationToken))
            {
                records.Add(new SendRecord(r.GuardianId, key, SendState.SkippedBooked, firstAttempt, null, null, row?.ETag ?? default) { Partition = row?.Partition });
                skippedBooked++;
                continue;
            }

            var pendingRecord = new SendRecord(r.GuardianId, key, SendState.Pending, firstAttempt, null, null, row?.ETag ?? default) { Partition = row?.Partition };
            records.Add(pendingRecord);
            toSend.Add((r, pendingRecord));
        }

        // The links of the whole batch in one or two storage transactions, not three trips per guardian.
        var tokens = toSend.Count == 0
            ? new Dictionary<string, string>()
            : await links.IssueManyAsync(batch.SchoolId, batch.CampaignId, toSend.Select(x => x.Recipient.GuardianId).ToList(), expires, cancellationToken);
        foreach (var (r, record) in toSend)
        {
            var model = CampaignMessages.Model(r, school, counselorNames, LinkTokens.BookingUrl(linkOptions.Value.BaseUrl, tokens[r.GuardianId]));
            var rendered = templates.Render(template, r.Language, model);
            messages.Add(new WhatsApp.OutboundMessage(new SmsMessage(r.Phone, rendered.Text, record.Key, record.Key, record.FirstAttemptAt), r.Channel, template, r.Language, model, batch.SchoolId));
        }

        if (erased > 0)
        {
            LogErasedSkipped(logger, batch.CampaignId, batch.Wave, erased);
        }

        var written = await sendLog.WriteAsync(batch.SchoolId, batch.CampaignId, batch.Wave, records, cancellationToken);
        if (messages.Count == 0)
        {
            return new BatchOutcome(0, alreadySent, skippedOut, skippedBooked, 0, false);
        }

        // Registered before the send, so a reply can never arrive before the question it answers is known.
        if (kind.StartsWith("survey_", StringComparison.Ordinal))
        {
            foreach (var (r, _) in toSend)
            {
                await surveyPrompts.AskedAsync(r.Phone, batch.SchoolId, batch.CampaignId, batch.Wave, r.GuardianId, kind == "survey_barrier" ? Participation.SurveyAsked.Barrier : Participation.SurveyAsked.ChannelAndTime, campaign.Definition.Term, cancellationToken);
            }
        }

        await rateLimiter.AcquireAsync(messages.Count, cancellationToken);
        var results = await sender.SendAsync(messages, cancellationToken);
        var byKey = written.Where(r => r.State == SendState.Pending).ToDictionary(r => r.Key, StringComparer.Ordinal);
        var finished = new List<SendRecord>();
        var byWhatsApp = new HashSet<string>(StringComparer.Ordinal);
        var byFallback = new HashSet<string>(StringComparer.Ordinal);
        int sent = 0, rejected = 0, transient = 0;
        foreach (var result in results)
        {
            var record = byKey[result.IdempotencyKey];
            switch (result.Status)
            {
                case SmsSendStatus.Accepted:
                    finished.Add(record with { State = SendState.Accepted, MessageId = result.MessageId });
                    (result.Channel == Schools.MessageChannel.WhatsApp ? byWhatsApp : result.Fallback ? byFallback : null)?.Add(record.GuardianId);
                    sent++;
                    break;
                case SmsSendStatus.Rejected:
                    finished.Add(record with { State = SendState.Rejected, Detail = result.Error });
                    rejected++;
                    break;
                default:
                    transient++;
                    break;
            }
        }

        await sendLog.FinishAsync(batch.SchoolId, batch.CampaignId, batch.Wave, finished, cancellationToken);
        var accepted = finished.Where(r => r.State == SendState.Accepted).Select(r => r.GuardianId).ToHashSet(StringComparer.Ordinal);
        await facts.SmsSentAsync(campaign, batch.Wave, recipients.Where(r => accepted.Contains(r.GuardianId) && !byWhatsApp.Contains(r.GuardianId) && !byFallback.Contains(r.GuardianId)), cancellationToken);
        if (byWhatsApp.Count + byFallback.Count > 0)
        {
            // The fallback's sms_sent (value "fallback") is recorded where the fallback is settled; here only wa_sent.
            await whatsAppFacts.RecordManyAsync(campaign, batch.Wave, recipients.Where(r => byWhatsApp.Contains(r.GuardianId)).Select(r => (r, Participation.ParticipationKind.WhatsAppSent)), cancellationToken);
        }
        if (campaign.Definition.SmsReplyBooking && !isFollowUp && !kind.StartsWith("survey_", StringComparison.Ordinal))
        {
            // The slot offer is a second SMS and must follow the first, so it is made after the send.
            foreach (var record in finished.Where(r => r.State == SendState.Accepted))
            {
                await replyBooking.OfferAsync(batch.SchoolId, batch.CampaignId, record.GuardianId, record.Key + ":slots", cancellationToken);
            }
        }

        LogSent(logger, batch.CampaignId, batch.Wave, sent, alreadySent, skippedOut, skippedBooked, rejected, transient);
        if (transient > 0)
        {
            throw new TransientSendException(transient);
        }

        return new BatchOutcome(sent, alreadySent, skippedOut, skippedBooked, rejected, false);
    }

    private async Task<bool> HasBookingAsync(SendBatch batch, Recipient recipient, CancellationToken cancellationToken)
    {
        foreach (var counselor in recipient.Students.Select(s => s.CounselorId).Distinct(StringComparer.Ordinal))
        {
            if (await bookings.GetActiveAsync(batch.SchoolId, counselor, batch.CampaignId, recipient.GuardianId, cancellationToken) is not null)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} wave {Wave}: a send row changed while this batch wrote its rows (attempt {Attempt}); read again")]
    private static partial void LogSendLogRaced(ILogger logger, string campaignId, int wave, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} wave {Wave}: sent {Sent}, already sent {AlreadySent}, opted out {OptedOut}, booked {Booked}, rejected {Rejected}, to retry {Transient}")]
    private static partial void LogSent(ILogger logger, string campaignId, int wave, int sent, int alreadySent, int optedOut, int booked, int rejected, int transient);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} wave {Wave}: {Erased} guardian(s) erased or out of the audience since the wave was queued; not sent")]
    private static partial void LogErasedSkipped(ILogger logger, string campaignId, int wave, int erased);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} wave {Wave}: quiet hours, batch deferred to {Opening}")]
    private static partial void LogDeferred(ILogger logger, string campaignId, int wave, DateTimeOffset opening);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} wave {Wave}: school or campaign no longer exists; batch dropped")]
    private static partial void LogDropped(ILogger logger, string campaignId, int wave);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} wave {Wave}: booking window closed; batch not sent")]
    private static partial void LogWindowClosed(ILogger logger, string campaignId, int wave);

}
