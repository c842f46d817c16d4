using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Participation;

/// <summary>
/// The facts the features report to the participation log, built in one place. Recording is evidence, not
/// the work itself: a failure to record is logged and never fails a send, a booking or a reply.
/// </summary>
public sealed partial class ParticipationFacts(ParticipationLog log, CampaignStore campaigns, SchoolDirectory directory, TimeProvider time, ILogger<ParticipationFacts> logger)
{
    public Task SmsSentAsync(Campaign campaign, int wave, IEnumerable<Recipient> recipients, CancellationToken cancellationToken) =>
        SafeAsync(log.RecordManyAsync(recipients.Select(r => new ParticipationEvent
        {
            FactKey = FactKeys.SmsSent(campaign.Id, wave, r.GuardianId),
            Kind = ParticipationKind.SmsSent,
            SchoolId = campaign.SchoolId,
            GuardianId = r.GuardianId,
            Channel = ParticipationChannel.Sms,
            OccurredAt = time.GetUtcNow(),
            Term = campaign.Definition.Term,
            CampaignId = campaign.Id,
            Wave = wave,
            Classes = [.. r.Students.Select(s => s.Class).Distinct(StringComparer.Ordinal)],
            CounselorId = r.Students[0].CounselorId,
        }), cancellationToken), "sms_sent");

    /// <summary>
    /// A delivery report of a campaign message, for the school its tag names. A tag from before the school was
    /// in it names none: the school is then the one that has both the guardian (guardian ids are never shared
    /// between schools) and the campaign.
    /// </summary>
    public async Task SmsDeliveryAsync(string? schoolId, string campaignId, int wave, string guardianId, bool delivered, CancellationToken cancellationToken)
    {
        Guardian? guardian = null;
        Campaign? campaign = null;
        foreach (var school in schoolId is null ? await directory.ListSchoolIdsAsync(cancellationToken) : [schoolId])
        {
            // The guardian afresh (an erased one gets no fact); the campaign only labels the fact, so as a
            // parent's link reads it (RecentReads): a wave's reports would otherwise read it once per message.
            guardian = await directory.GetGuardianAsync(school, guardianId, cancellationToken);
            campaign = guardian is null ? null : await campaigns.GetRecentAsync(school, campaignId, cancellationToken);
            if (campaign is not null)
            {
                break;
            }
        }

        if (campaign is null || guardian is null)
        {
            return;
        }

        await RecordAsync(guardian, campaign, delivered ? ParticipationKind.SmsDelivered : ParticipationKind.SmsFailed,
            delivered ? FactKeys.SmsDelivered(campaignId, wave, guardianId) : FactKeys.SmsFailed(campaignId, wave, guardianId),
            ParticipationChannel.Sms, null, wave, null, cancellationToken);
    }

    /// <summary>
    /// The parent opened their link: the booking page or the JSON slot list, whichever they use (a booking
    /// needs one of them first, so the funnel's "opened" covers every web booking). Once per guardian,
    /// campaign and the school's local day.
    /// </summary>
    public Task LinkOpenedAsync(Booking.LinkContext link, CancellationToken cancellationToken)
    {
        var today = Outreach.CampaignValidation.Format(NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(link.Zone).Date);
        return RecordAsync(link.Guardian, link.Campaign, ParticipationKind.LinkOpened, $"{FactKeys.LinkOpened(link.Campaign.Id, link.Guardian.Id)}:{today}", ParticipationChannel.Web, null, null, null, cancellationToken);
    }

    /// <summary>
    /// A fact of a booking change, recorded by <see cref="Booking.BookingEventHandler"/> from the outbox row
    /// (once: the log is insert-once by key). Unlike the other facts, a failure here is thrown: the outbox row
    /// then stays pending and the fact is recorded on the retry, so no booking change is missing from the
    /// evidence. The classes are the booking's own (kept on it when it was made), so the fact can still be
    /// recorded after the guardian was erased.
    /// </summary>
    public async Task RecordBookingFactAsync(
        Booking.Booking booking, Campaign? campaign, Guardian? guardian, ParticipationKind kind, string factKey, ParticipationChannel channel, string? value, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        var classes = booking.Classes.Count > 0 || guardian is null
            ? booking.Classes
            : [.. guardian.Students.Where(s => s.CounselorId == booking.CounselorId).Select(s => s.Class).Distinct(StringComparer.Ordinal)];
        await log.RecordAsync(new ParticipationEvent
        {
            FactKey = factKey,
            Kind = kind,
            SchoolId = booking.SchoolId,
            GuardianId = booking.GuardianId,
            Channel = channel,
            OccurredAt = occurredAt,
            Term = campaign?.Definition.Term ?? "",
            CampaignId = booking.CampaignId,
            Classes = classes,
            CounselorId = booking.CounselorId,
            Value = value,
        }, cancellationToken);
    }

    /// <summary>
    /// An opt-out or opt-in by a reply on <paramref name="channel"/> (SMS or WhatsApp), for every school that
    /// knows the number. Returns the language of the first guardian found with that number (what the answer
    /// to the parent is written in), or null when no school knows it.
    /// </summary>
    public async Task<string?> OptChangedAsync(string phone, bool optedOut, string sourceId, ParticipationChannel channel, CancellationToken cancellationToken)
    {
        string? language = null;
        foreach (var schoolId in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            var guardian = await directory.FindGuardianByPhoneAsync(schoolId, phone, cancellationToken);
            if (guardian is null)
            {
                continue;
            }

            language ??= guardian.Language;

            await SafeAsync(log.RecordAsync(new ParticipationEvent
            {
                FactKey = optedOut ? FactKeys.OptedOut(sourceId) + ":" + schoolId : FactKeys.OptedIn(sourceId) + ":" + schoolId,
                Kind = optedOut ? ParticipationKind.OptedOut : ParticipationKind.OptedIn,
                SchoolId = schoolId,
                GuardianId = guardian.Id,
                Channel = channel,
                OccurredAt = time.GetUtcNow(),
                Classes = [.. guardian.Students.Select(s => s.Class).Distinct(StringComparer.Ordinal)],
            }, cancellationToken), optedOut ? "opted_out" : "opted_in");
        }

        return language;
    }

    /// <summary>A parent's message for the counsellor(s), once per inbound message and school; the text never goes into the log.</summary>
    public Task MessageReceivedAsync(Guardian guardian, string inboundMessageId, ParticipationChannel channel, CancellationToken cancellationToken)
    {
        var counselors = guardian.Students.Select(s => s.CounselorId).Distinct(StringComparer.Ordinal).ToList();
        return SafeAsync(log.RecordAsync(new ParticipationEvent
        {
            FactKey = FactKeys.MessageReceived(inboundMessageId),
            Kind = ParticipationKind.MessageReceived,
            SchoolId = guardian.SchoolId,
            GuardianId = guardian.Id,
            Channel = channel,
            OccurredAt = time.GetUtcNow(),
            Classes = [.. guardian.Students.Select(s => s.Class).Distinct(StringComparer.Ordinal)],
            CounselorId = counselors.Count == 1 ? counselors[0] : null,
        }, cancellationToken), "message_received");
    }

    /// <summary>A counsellor's answer that the provider took, once per answer; the text never goes into the log.</summary>
    public Task MessageSentAsync(Guardian guardian, string counselorId, string answerId, ParticipationChannel channel, CancellationToken cancellationToken) =>
        SafeAsync(log.RecordAsync(new ParticipationEvent
        {
            FactKey = FactKeys.MessageSent(answerId),
            Kind = ParticipationKind.MessageSent,
            SchoolId = guardian.SchoolId,
            GuardianId = guardian.Id,
            Channel = channel,
            OccurredAt = time.GetUtcNow(),
            Classes = [.. guardian.Students.Where(s => s.CounselorId == counselorId).Select(s => s.Class).Distinct(StringComparer.Ordinal)],
            CounselorId = counselorId,
        }, cancellationToken), "message_sent");

    private Task RecordAsync(Guardian guardian, Campaign campaign, ParticipationKind kind, string factKey, ParticipationChannel channel, string? counselorId, int? wave, string? value, CancellationToken cancellationToken) =>
        SafeAsync(log.RecordAsync(Event(guardian, campaign, kind, factKey, channel, counselorId, wave, value), cancellationToken), ParticipationWire.ToWire(kind));

    private ParticipationEvent Event(Guardian guardian, Campaign campaign, ParticipationKind kind, string factKey, ParticipationChannel channel, string? counselorId, int? wave, string? value) =>
        new()
        {
            FactKey = factKey,
            Kind = kind,
            SchoolId = campaign.SchoolId,
            GuardianId = guardian.Id,
            Channel = channel,
            OccurredAt = time.GetUtcNow(),
            Term = campaign.Definition.Term,
            CampaignId = campaign.Id,
            Wave = wave,
            Classes = [.. guardian.Students.Where(s => counselorId is null || s.CounselorId == counselorId).Select(s => s.Class).Distinct(StringComparer.Ordinal)],
            CounselorId = counselorId ?? guardian.Students.FirstOrDefault()?.CounselorId,
            Value = value,
        };

    private async Task SafeAsync(Task work, string kind)
    {
        try
        {
            await work;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotRecorded(logger, kind, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Participation fact {Kind} not recorded ({ErrorType}); the action itself stands")]
    private static partial void LogNotRecorded(ILogger logger, string kind, string errorType);
}
