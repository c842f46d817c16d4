using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// Who and what a message that is no campaign wave is about (a booking's confirmation, cancellation,
/// reminder or feedback question, a slot offer), kept on its <see cref="DeliveryRecord"/> so each later fact
/// (delivered, read, failed, the SMS fallback) is recorded without looking anything up. <see cref="Message"/>
/// is our template's name (<c>booking_confirmation</c>, <c>reminder</c>, <c>slot_offer</c>, …).
/// </summary>
public sealed record MessageFacts(string SchoolId, string GuardianId, string Term, IReadOnlyList<string> Classes, string? CounselorId, string Message);

/// <summary>
/// The participation facts of two-channel sending, with the channel that carried each: <c>wa_sent</c>,
/// <c>wa_delivered</c>, <c>wa_read</c>, <c>wa_failed</c> (channel whatsapp) and <c>sms_sent</c> (channel sms).
/// <list type="bullet">
/// <item>A campaign wave's message is named by its key (campaign, wave, guardian): one fact per guardian and
/// wave (<see cref="FactKeys"/>), the SMS fallback as <c>sms_sent</c> with value <c>fallback</c>. These make
/// the dashboard's per-wave channel table and the funnel's sent/delivered/failed.</item>
/// <item>Every other message (booking messages, slot offers) carries its <see cref="MessageFacts"/>: one fact
/// per message key (<c>{kind}:{key}</c>), value = the message's template (<c>reminder</c>), or
/// <c>fallback:{template}</c> for its SMS fallback, so the events export says which channel reached the
/// parent with each booking message. They name no campaign and no wave, on purpose: the campaign funnel
/// (<see cref="ParticipationAnalysis"/>, <see cref="DashboardBuilder.Reached"/>) and the per-wave channel
/// table count a campaign's facts as "the campaign reached the guardian", and a confirmation or reminder is
/// not that; so a guardian is counted there once, by the wave, and these facts count in no roll-up cell.
/// The booking they belong to is in the booking facts (booked, reminded), which do name the campaign.</item>
/// </list>
/// As with <see cref="ParticipationFacts"/>, recording is evidence: a failure is logged and never stops a send.
/// </summary>
public sealed partial class WhatsAppFacts(ParticipationLog log, CampaignStore campaigns, SchoolDirectory directory, TimeProvider time, ILogger<WhatsAppFacts> logger)
{
    public const string FallbackValue = "fallback";

    /// <summary>The fact of the message under <paramref name="record"/>: by its <see cref="DeliveryRecord.Facts"/> when it has them, else by its key.</summary>
    public Task RecordAsync(DeliveryRecord record, ParticipationKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Facts is { } about
            ? RecordMessageAsync(about, record.Key, kind, fallback: kind == ParticipationKind.SmsSent, cancellationToken)
            : RecordAsync(record.Key, kind, cancellationToken);
    }

    /// <summary>A fact of a message that is no campaign wave (<paramref name="fallback"/>: an <c>sms_sent</c> that was the SMS fallback).</summary>
    public async Task RecordMessageAsync(MessageFacts about, string key, ParticipationKind kind, bool fallback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(about);
        try
        {
            await log.RecordAsync(new ParticipationEvent
            {
                FactKey = $"{ParticipationWire.ToWire(kind)}:{key}",
                Kind = kind,
                SchoolId = about.SchoolId,
                GuardianId = about.GuardianId,
                Channel = kind == ParticipationKind.SmsSent ? ParticipationChannel.Sms : ParticipationChannel.WhatsApp,
                OccurredAt = time.GetUtcNow(),
                Term = about.Term,
                Classes = about.Classes,
                CounselorId = about.CounselorId,
                Value = fallback ? $"{FallbackValue}:{about.Message}" : about.Message,
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotRecorded(logger, ParticipationWire.ToWire(kind), ex.GetType().Name);
        }
    }

    /// <summary>The facts of a batch's sends, where the campaign and the recipients are at hand.</summary>
    public async Task RecordManyAsync(Campaign campaign, int wave, IEnumerable<(Recipient Recipient, ParticipationKind Kind)> facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        try
        {
            await log.RecordManyAsync(facts.Select(f => Event(campaign, wave, f.Recipient.GuardianId, [.. f.Recipient.Students.Select(s => s.Class).Distinct(StringComparer.Ordinal)], f.Recipient.Students[0].CounselorId, f.Kind)), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotRecorded(logger, "wa_batch", ex.GetType().Name);
        }
    }

    /// <summary>A fact of the message under <paramref name="key"/>, when it is a campaign message (its key names campaign, wave and guardian).</summary>
    private async Task RecordAsync(string key, ParticipationKind kind, CancellationToken cancellationToken)
    {
        if (!SendLog.TryParseKey(key, out var schoolId, out var campaignId, out var wave, out var guardianId))
        {
            return;
        }

        try
        {
            foreach (var school in schoolId is null ? await directory.ListSchoolIdsAsync(cancellationToken) : [schoolId])
            {
                var guardian = await directory.GetGuardianAsync(school, guardianId, cancellationToken);
                var campaign = guardian is null ? null : await campaigns.GetAsync(school, campaignId, cancellationToken);
                if (campaign is not null && guardian is not null)
                {
                    await log.RecordAsync(Event(campaign, wave, guardianId, [.. guardian.Students.Select(s => s.Class).Distinct(StringComparer.Ordinal)], guardian.Students.FirstOrDefault()?.CounselorId, kind), cancellationToken);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotRecorded(logger, ParticipationWire.ToWire(kind), ex.GetType().Name);
        }
    }

    /// <summary><see cref="ParticipationKind.SmsSent"/> here always means the fallback; the first SMS of an SMS guardian is recorded by the sender as before.</summary>
    private ParticipationEvent Event(Campaign campaign, int wave, string guardianId, IReadOnlyList<string> classes, string? counselorId, ParticipationKind kind) => new()
    {
        FactKey = kind switch
        {
            ParticipationKind.WhatsAppSent => FactKeys.WhatsAppSent(campaign.Id, wave, guardianId),
            ParticipationKind.WhatsAppDelivered => FactKeys.WhatsAppDelivered(campaign.Id, wave, guardianId),
            ParticipationKind.WhatsAppRead => FactKeys.WhatsAppRead(campaign.Id, wave, guardianId),
            ParticipationKind.WhatsAppFailed => FactKeys.WhatsAppFailed(campaign.Id, wave, guardianId),
            ParticipationKind.SmsSent => FactKeys.SmsSent(campaign.Id, wave, guardianId),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a fact of two-channel sending."),
        },
        Kind = kind,
        SchoolId = campaign.SchoolId,
        GuardianId = guardianId,
        Channel = kind == ParticipationKind.SmsSent ? ParticipationChannel.Sms : ParticipationChannel.WhatsApp,
        OccurredAt = time.GetUtcNow(),
        Term = campaign.Definition.Term,
        CampaignId = campaign.Id,
        Wave = wave,
        Classes = classes,
        CounselorId = counselorId,
        Value = kind == ParticipationKind.SmsSent ? FallbackValue : null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Participation fact {Kind} not recorded ({ErrorType}); the send itself stands")]
    private static partial void LogNotRecorded(ILogger logger, string kind, string errorType);
}
