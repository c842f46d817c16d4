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

    public async Task SmsDeliveryAsync(string campaignId, int wave, string guardianId, bool delivered, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(campaignId, cancellationToken);
        var guardian = campaign is null ? null : await directory.GetGuardianAsync(campaign.SchoolId, guardianId, cancellationToken);
        if (campaign is null || guardian is null)
        {
            return;
        }

        await RecordAsync(guardian, campaign, delivered ? ParticipationKind.SmsDelivered : ParticipationKind.SmsFailed,
            delivered ? FactKeys.SmsDelivered(campaignId, wave, guardianId) : FactKeys.SmsFailed(campaignId, wave, guardianId),
            ParticipationChannel.Sms, null, wave, null, cancellationToken);
    }

    /// <summary>Once per guardian, campaign and local day.</summary>
    public Task LinkOpenedAsync(Guardian guardian, Campaign campaign, string localDate, CancellationToken cancellationToken) =>
        RecordAsync(guardian, campaign, ParticipationKind.LinkOpened, $"{FactKeys.LinkOpened(campaign.Id, guardian.Id)}:{localDate}", ParticipationChannel.Web, null, null, null, cancellationToken);

    /// <summary>
    /// A booking made, moved or cancelled: handed to <see cref="ParticipationLog.RecordSoon"/>, so the booking
    /// request spends no round trip on its evidence (written within a moment, batched per school). The
    /// channel is the booking's own record of where this change came from.
    /// </summary>
    public Task BookingChangedAsync(Guardian guardian, Campaign campaign, Booking.Booking booking, SchoolSettings school, CancellationToken cancellationToken)
    {
        var (kind, key) = booking.Status == Booking.BookingStatus.Cancelled
            ? (ParticipationKind.Cancelled, FactKeys.Cancelled(booking.Id))
            : booking.Sequence == 0 ? (ParticipationKind.Booked, FactKeys.Booked(booking.Id)) : (ParticipationKind.Rescheduled, FactKeys.Rescheduled(booking.Id, booking.Sequence));
        var value = kind == ParticipationKind.Cancelled ? null : SlotChoice.Of(booking.Start, school.TimeZone, booking.Mode).ToValue();
        try
        {
            log.RecordSoon(Event(guardian, campaign, kind, key, booking.ChangedVia, booking.CounselorId, null, value));
        }
        catch (ArgumentException ex)
        {
            LogNotRecorded(logger, ParticipationWire.ToWire(kind), ex.GetType().Name);
        }

        return Task.CompletedTask;
    }

    /// <summary>How long after a booking's last change its facts may still be on their way (written behind).</summary>
    public static readonly TimeSpan BookingFactsSettleAfter = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Puts back booking facts the log lacks: <see cref="BookingChangedAsync"/> writes them behind, so an
    /// instance that stopped hard within that moment lost them, while the booking itself is safe in its
    /// transaction. The booking rows are the record: each needs its <c>booked</c> fact, its current move
    /// (<c>rescheduled</c> at its sequence) when it was moved, and <c>cancelled</c> when cancelled. Bookings
    /// changed within <see cref="BookingFactsSettleAfter"/> are left alone (their facts may still be coming).
    /// A restored fact carries the booking's own time; recording is insert-once, so a fact that arrives
    /// meanwhile is not counted twice. Returns what was written.
    /// </summary>
    public async Task<IReadOnlyList<ParticipationEvent>> RestoreBookingFactsAsync(
        SchoolSettings school, IEnumerable<Booking.Booking> bookings, IEnumerable<ParticipationEntry> entries, CancellationToken cancellationToken)
    {
        var known = entries.Select(e => e.Event.FactKey).ToHashSet(StringComparer.Ordinal);
        var settled = time.GetUtcNow() - BookingFactsSettleAfter;
        var restored = new List<ParticipationEvent>();
        foreach (var booking in bookings.Where(b => b.UpdatedAt <= settled))
        {
            var missing = ExpectedFacts(booking, school).Where(f => !known.Contains(f.Key)).ToList();
            if (missing.Count == 0)
            {
                continue;
            }

            var campaign = await campaigns.GetAsync(booking.SchoolId, booking.CampaignId, cancellationToken);
            var guardian = await directory.GetGuardianAsync(booking.SchoolId, booking.GuardianId, cancellationToken);
            if (campaign is null || guardian is null)
            {
                // Erased guardian or deleted campaign: nothing to attribute the fact to.
                continue;
            }

            foreach (var (kind, key, at, via, value) in missing)
            {
                var fact = Event(guardian, campaign, kind, key, via, booking.CounselorId, null, value) with { OccurredAt = at };
                if (await log.RecordAsync(fact, cancellationToken))
                {
                    restored.Add(fact);
                }
            }
        }

        if (restored.Count > 0)
        {
            LogRestored(logger, restored.Count);
        }

        return restored;
    }

    private static IEnumerable<(ParticipationKind Kind, string Key, DateTimeOffset At, ParticipationChannel Via, string? Value)> ExpectedFacts(Booking.Booking booking, SchoolSettings school)
    {
        var choice = SlotChoice.Of(booking.Start, school.TimeZone, booking.Mode).ToValue();

        // Every move and the cancellation raise the sequence. A moved booking's first slot is no longer
        // known; its booked fact then carries no choice.
        var moves = booking.Status == Booking.BookingStatus.Cancelled ? booking.Sequence - 1 : booking.Sequence;
        yield return (ParticipationKind.Booked, FactKeys.Booked(booking.Id), booking.CreatedAt, booking.BookedVia, moves == 0 ? choice : null);
        if (booking.Status == Booking.BookingStatus.Cancelled)
        {
            yield return (ParticipationKind.Cancelled, FactKeys.Cancelled(booking.Id), booking.UpdatedAt, booking.ChangedVia, null);
        }
        else if (booking.Sequence > 0)
        {
            yield return (ParticipationKind.Rescheduled, FactKeys.Rescheduled(booking.Id, booking.Sequence), booking.UpdatedAt, booking.ChangedVia, choice);
        }
    }

    public async Task BookingFollowUpAsync(Booking.Booking booking, ParticipationKind kind, string factKey, string? value, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(booking.SchoolId, booking.CampaignId, cancellationToken);
        var guardian = await directory.GetGuardianAsync(booking.SchoolId, booking.GuardianId, cancellationToken);
        if (campaign is not null && guardian is not null)
        {
            var channel = kind is ParticipationKind.Attended or ParticipationKind.NoShow ? ParticipationChannel.Admin : ParticipationChannel.Sms;
            await RecordAsync(guardian, campaign, kind, factKey, channel, booking.CounselorId, null, value, cancellationToken);
        }
    }

    /// <summary>An opt-out or opt-in by SMS, for every school that knows the number.</summary>
    public async Task OptChangedAsync(string phone, bool optedOut, string sourceId, CancellationToken cancellationToken)
    {
        foreach (var schoolId in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            var guardian = await directory.FindGuardianByPhoneAsync(schoolId, phone, cancellationToken);
            if (guardian is null)
            {
                continue;
            }

            await SafeAsync(log.RecordAsync(new ParticipationEvent
            {
                FactKey = optedOut ? FactKeys.OptedOut(sourceId) + ":" + schoolId : FactKeys.OptedIn(sourceId) + ":" + schoolId,
                Kind = optedOut ? ParticipationKind.OptedOut : ParticipationKind.OptedIn,
                SchoolId = schoolId,
                GuardianId = guardian.Id,
                Channel = ParticipationChannel.Sms,
                OccurredAt = time.GetUtcNow(),
                Classes = [.. guardian.Students.Select(s => s.Class).Distinct(StringComparer.Ordinal)],
            }, cancellationToken), optedOut ? "opted_out" : "opted_in");
        }
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restored {Count} booking fact(s) missing from the participation log (lost with a stopped instance)")]
    private static partial void LogRestored(ILogger logger, int count);
}
