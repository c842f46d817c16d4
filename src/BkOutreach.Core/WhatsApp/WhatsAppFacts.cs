using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// The participation facts of the two-channel sending of a campaign wave: wa_sent, wa_delivered, wa_read,
/// wa_failed (channel whatsapp) and the SMS fallback as <c>sms_sent</c> with value <c>fallback</c>. Booking
/// messages keep their own facts (confirmation, reminder) and get none of these. As with
/// <see cref="ParticipationFacts"/>, recording is evidence: a failure is logged and never stops a send.
/// </summary>
public sealed partial class WhatsAppFacts(ParticipationLog log, CampaignStore campaigns, SchoolDirectory directory, TimeProvider time, ILogger<WhatsAppFacts> logger)
{
    public const string FallbackValue = "fallback";

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
    public async Task RecordAsync(string key, ParticipationKind kind, CancellationToken cancellationToken)
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
