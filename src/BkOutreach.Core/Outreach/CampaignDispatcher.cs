using System.Text.Json;
using Azure.Data.Tables;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Outreach;

public sealed record WaveDispatch(string CampaignId, int Wave, string Kind, int Recipients, int Batches, DateTimeOffset SendsFrom);

/// <summary>A campaign as <c>GET …/campaigns</c> lists it; <see cref="PlanId"/> is null for a campaign entered by hand.</summary>
public sealed record CampaignListing(string Id, string Name, string Term, string? PlanId, IReadOnlyList<WaveListing> Waves);

/// <summary>
/// A wave's local due date and state: <c>dispatched</c> (fanned out), <c>skipped</c> (will never go: outside
/// the term, the plan stopped, or the booking window closed first) or <c>pending</c>; <see cref="Sent"/> counts
/// the messages the provider took; <see cref="Late"/> when its day had passed when its campaign was made.
/// </summary>
public sealed record WaveListing(string Kind, string Date, string State, int Sent, bool Late);

/// <summary>
/// Decides, for each school in its own time zone, which campaign waves are due and fans each due wave out
/// through the <c>sms-send</c> queue in batches. Flex Consumption runs timers in UTC, so "due" and "quiet
/// hours" are judged here from the school's zone, never from the host's clock zone.
/// A tick reads only the schools that are due (<see cref="CampaignDueIndex"/>: one query when nothing is,
/// whatever the number of schools). A visit makes the school's plans into campaigns, fans out its due waves
/// when its sending window is open, and writes the school's next due minute: the earliest of each pending
/// wave's day (at the first open window of that day, or the next open window when the day has passed) and
/// each campaign still to be made from a plan (<see cref="CampaignPlans.NextCampaignDue"/>).
/// A wave is marked dispatched after its batches are queued; a crash in between queues it again, which
/// sends nothing twice because the sender keeps one key per campaign + wave + guardian. A visit that failed
/// keeps its index rows, so the school is visited again at the next tick.
/// A plan-made campaign's skipped waves never go.
/// </summary>
public sealed partial class CampaignDispatcher(
    SchoolDirectory directory,
    CampaignStore campaigns,
    CampaignPlans plans,
    CampaignPlanStore planStore,
    CampaignDueIndex index,
    StorageAccount storage,
    SendLog sendLog,
    TimeProvider time,
    ILogger<CampaignDispatcher> logger)
{
    public const int BatchSize = 50;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The timer's work: every due, undispatched wave of every school that the index says is due, only inside sending hours.</summary>
    public async Task<IReadOnlyList<WaveDispatch>> DispatchDueAsync(CancellationToken cancellationToken)
    {
        var done = new List<WaveDispatch>();
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var due = await index.ListDueAsync(now, cancellationToken);
        if (!due.Backfilled)
        {
            // The first tick on storage written before the index existed: every school is looked at once.
            await index.BackfillAsync(await directory.ListSchoolIdsAsync(cancellationToken), now, cancellationToken);
            due = await index.ListDueAsync(now, cancellationToken);
        }

        foreach (var rows in due.Schools.GroupBy(d => d.SchoolId, StringComparer.Ordinal))
        {
            bool handled;
            try
            {
                handled = await VisitAsync(rows.Key, now, done, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A school whose settings cannot be used (or a storage error) must not hold back the others.
                LogVisitFailed(logger, rows.Key, ex.GetType().Name, ex.Message);
                handled = false;
            }

            if (!handled)
            {
                continue;
            }

            foreach (var row in rows)
            {
                await index.RemoveAsync(row, cancellationToken);
            }
        }

        return done;
    }

    /// <summary>One school's visit; false when part of it failed (its rows stay, so it is tried again next tick).</summary>
    private async Task<bool> VisitAsync(string schoolId, Instant now, List<WaveDispatch> done, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return true;
        }

        var ok = true;
        try
        {
            // Campaigns are made at any hour; only their messages wait for the sending window.
            await plans.MaterializeAsync(schoolId, school, now, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPlansFailed(logger, schoolId, ex.GetType().Name, ex.Message);
            ok = false;
        }

        var open = SendingWindow.IsOpen(school, now);
        var schoolCampaigns = await campaigns.ListAsync(schoolId, cancellationToken);
        Instant? next = null;
        foreach (var campaign in schoolCampaigns)
        {
            try
            {
                var (dispatched, pending) = await DispatchCampaignAsync(school, campaign, now, force: false, open, cancellationToken);
                done.AddRange(dispatched);
                next = Earliest(next, pending);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One broken campaign must not hold back every other school's waves; it is tried next tick.
                LogCampaignFailed(logger, campaign.Id, ex.GetType().Name, ex.Message);
                ok = false;
            }
        }

        var made = schoolCampaigns.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        next = Earliest(next, CampaignPlans.NextCampaignDue(await planStore.ListAsync(schoolId, cancellationToken), school, made, now));
        if (next is { } at)
        {
            await index.MarkAsync(schoolId, at, cancellationToken);
        }

        return ok;
    }

    private static Instant? Earliest(Instant? a, Instant? b) => a is null ? b : b is null ? a : Instant.Min(a.Value, b.Value);

    /// <summary>
    /// "Dispatch now": the school's campaign's due waves, or its first wave when none went out yet, whatever
    /// its date. Messages still wait for the sending window and still go at the sender's rate.
    /// </summary>
    public async Task<Result<IReadOnlyList<WaveDispatch>>> DispatchNowAsync(string schoolId, string campaignId, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(schoolId, campaignId, cancellationToken);
        var school = campaign is null ? null : await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (campaign is null || school is null)
        {
            return Result<IReadOnlyList<WaveDispatch>>.Missing();
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var (dispatched, _) = await DispatchCampaignAsync(school, campaign, now, force: true, open: true, cancellationToken);

        // A wave marked done moves the campaign's next wave ("afterDays" counts from it): the next tick looks again.
        await index.MarkAsync(schoolId, now, cancellationToken);
        return Result<IReadOnlyList<WaveDispatch>>.Ok(dispatched);
    }

    /// <summary>
    /// Fans out the campaign's due waves (when <paramref name="open"/>) and says when its next pending wave is
    /// due: the first open sending window on or after its day; the next open window for a day that has passed.
    /// </summary>
    private async Task<(IReadOnlyList<WaveDispatch> Dispatched, Instant? Next)> DispatchCampaignAsync(SchoolSettings school, Campaign campaign, Instant now, bool force, bool open, CancellationToken cancellationToken)
    {
        var zone = SendingWindow.ZoneOf(school);
        var today = now.InZone(zone).Date;
        var closes = CampaignValidation.ParseDate(campaign.Definition.BookingWindow?.To);
        if (closes is { } last && today > last)
        {
            return ([], null);
        }

        var dates = CampaignValidation.WaveDates(campaign.Definition);
        var state = await DispatchedWavesAsync(storage, campaign, zone, cancellationToken);
        var result = new List<WaveDispatch>();

        // Nothing goes on a blackout day (a holiday added after the campaign was made, a follow-up counted onto
        // one): a due wave waits for the next day that is not one. "Dispatch now" is the admin's own choice.
        var holiday = !force && CampaignPlanResolver.IsBlackout(school, today);
        Instant? next = null;
        var firstOpen = Enumerable.Range(0, dates.Count).FirstOrDefault(w => !campaign.SkippedWaves.Contains(w), -1);
        for (var wave = 0; wave < dates.Count; wave++)
        {
            if (state.ContainsKey(wave) || campaign.SkippedWaves.Contains(wave))
            {
                continue;
            }

            var due = dates[wave] <= today || (force && wave == firstOpen && state.Count == 0);
            if (due && open && !holiday)
            {
                result.Add(await FanOutAsync(school, campaign, wave, now, cancellationToken));
                continue;
            }

            if (closes is { } end && dates[wave] > end)
            {
                // Its day comes after the booking window closed: it never goes.
                continue;
            }

            var from = due && holiday ? CampaignPlanResolver.NextAllowedDay(school, today).AtStartOfDayInZone(zone).ToInstant()
                : due ? now
                : dates[wave].AtStartOfDayInZone(zone).ToInstant();
            next = Earliest(next, SendingWindow.NextOpening(school, Instant.Max(from, now + Duration.FromMinutes(1))));
        }

        return (result, next);
    }

    private async Task<WaveDispatch> FanOutAsync(SchoolSettings school, Campaign campaign, int wave, Instant now, CancellationToken cancellationToken)
    {
        var audience = (await directory.ListGuardiansAsync(campaign.SchoolId, cancellationToken))
            .Select(g => ToRecipient(g, campaign.Definition.Audience))
            .OfType<Recipient>()
            .OrderBy(r => r.GuardianId, StringComparer.Ordinal)
            .ToList();

        var opening = SendingWindow.NextOpening(school, now);
        var delay = (opening - now).ToTimeSpan();
        var queue = storage.Queue(OutreachQueues.SendQueue);
        var batches = 0;
        foreach (var chunk in audience.Chunk(BatchSize))
        {
            var message = JsonSerializer.Serialize(new SendBatch(campaign.SchoolId, campaign.Id, wave, [.. chunk.Select(r => r.GuardianId)]), Json);
            await queue.SendMessageAsync(message, visibilityTimeout: delay > TimeSpan.Zero ? delay : null, cancellationToken: cancellationToken);
            batches++;
        }

        var late = campaign.LateWaves.Contains(wave);
        await storage.Table(StorageNames.WavesTable).UpsertEntityAsync(
            new TableEntity(WavePartition(campaign), wave.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                ["DispatchedAt"] = time.GetUtcNow(),
                ["Recipients"] = audience.Count,
                ["Batches"] = batches,
                ["Late"] = late,
            },
            TableUpdateMode.Replace,
            cancellationToken);
        var kind = campaign.Definition.Waves[wave].Kind;
        LogFannedOut(logger, campaign.Id, wave, kind, audience.Count, batches);
        if (late)
        {
            LogLate(logger, campaign.Id, wave, campaign.Definition.Waves[wave].SendOn ?? "");
        }

        return new WaveDispatch(campaign.Id, wave, kind, audience.Count, batches, opening.ToDateTimeOffset());
    }

    /// <summary>The campaign's waves that were fanned out, with the school's local day each went.</summary>
    public static async Task<IReadOnlyDictionary<int, LocalDate>> DispatchedWavesAsync(StorageAccount storage, Campaign campaign, DateTimeZone zone, CancellationToken cancellationToken)
    {
        var waves = new Dictionary<int, LocalDate>();
        var partition = WavePartition(campaign);
        await foreach (var row in storage.Table(StorageNames.WavesTable).QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            var at = row.GetDateTimeOffset("DispatchedAt") ?? row.Timestamp ?? DateTimeOffset.UnixEpoch;
            waves[int.Parse(row.RowKey, System.Globalization.CultureInfo.InvariantCulture)] = Instant.FromDateTimeOffset(at).InZone(zone).Date;
        }

        return waves;
    }

    /// <summary>
    /// Where a campaign's dispatched waves are kept. Plan-made ids (<c>{planId}-{term}</c>) repeat across
    /// schools, so their rows are keyed by school too; hand-made ids are random and keep their old key.
    /// </summary>
    public static string WavePartition(Campaign campaign) => campaign.PlanId is null ? campaign.Id : $"{campaign.SchoolId}|{campaign.Id}";

    /// <summary>The school's campaigns, plan-made or not, with every wave's date, state and messages sent.</summary>
    public async Task<Result<IReadOnlyList<CampaignListing>>> ListCampaignsAsync(string schoolId, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<IReadOnlyList<CampaignListing>>.Missing();
        }

        var zone = SendingWindow.ZoneOf(school);
        var today = Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(zone).Date;
        var list = new List<CampaignListing>();
        HashSet<string>? roster = null;
        foreach (var campaign in (await campaigns.ListAsync(schoolId, cancellationToken)).OrderBy(c => c.Definition.Term, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal))
        {
            var dates = CampaignValidation.WaveDates(campaign.Definition);
            var dispatched = await DispatchedWavesAsync(storage, campaign, zone, cancellationToken);
            var closed = CampaignValidation.ParseDate(campaign.Definition.BookingWindow?.To) is { } last && today > last;
            var waves = new List<WaveListing>(dates.Count);
            for (var i = 0; i < dates.Count; i++)
            {
                var state = dispatched.ContainsKey(i) ? "dispatched" : campaign.SkippedWaves.Contains(i) || closed ? "skipped" : "pending";
                // A plan-made id may be another school's too, and sends are keyed by campaign id: count this school's guardians only.
                roster ??= campaign.PlanId is null ? null : [.. (await directory.ListGuardiansAsync(schoolId, cancellationToken)).Select(g => g.Id)];
                var sent = dispatched.ContainsKey(i) ? await SentAsync(campaign.SchoolId, campaign.Id, i, campaign.PlanId is null ? null : roster, cancellationToken) : 0;
                waves.Add(new WaveListing(campaign.Definition.Waves[i].Kind, CampaignValidation.Format(dates[i]), state, sent, campaign.LateWaves.Contains(i)));
            }

            list.Add(new CampaignListing(campaign.Id, campaign.Definition.Name, campaign.Definition.Term, campaign.PlanId, waves));
        }

        return Result<IReadOnlyList<CampaignListing>>.Ok(list);
    }

    /// <summary>Messages of a wave that the provider took (accepted, then delivered or failed).</summary>
    private async Task<int> SentAsync(string schoolId, string campaignId, int wave, HashSet<string>? guardians, CancellationToken cancellationToken)
    {
        var sent = 0;
        await foreach (var row in sendLog.ListWaveAsync(schoolId, campaignId, wave, ["State"], cancellationToken))
        {
            var took = row.GetString("State") is nameof(SendState.Accepted) or nameof(SendState.Delivered) or nameof(SendState.Failed);
            sent += took && (guardians is null || guardians.Contains(row.RowKey)) ? 1 : 0;
        }

        return sent;
    }

    /// <summary>The guardian as a recipient when any of their children is in the audience; null otherwise.</summary>
    internal static Recipient? ToRecipient(Guardian guardian, CampaignAudience? audience)
    {
        var students = guardian.Students
            .Where(s => audience?.Classes is not { Count: > 0 } classes || classes.Contains(s.Class, StringComparer.OrdinalIgnoreCase))
            .Where(s => audience?.CounselorId is not { } counselor || string.Equals(s.CounselorId, counselor, StringComparison.Ordinal))
            .Select(s => new RecipientStudent(s.Name, s.Class, s.CounselorId))
            .ToList();
        return students.Count == 0 ? null : new Recipient(guardian.Id, guardian.Phone, guardian.Name, guardian.Language, students) { Channel = guardian.Channel };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign {CampaignId} not dispatched ({ErrorType}: {Error}); retried next tick")]
    private static partial void LogCampaignFailed(ILogger logger, string campaignId, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "School {SchoolId} not visited by the dispatcher ({ErrorType}: {Error}); retried next tick")]
    private static partial void LogVisitFailed(ILogger logger, string schoolId, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign plans of school {SchoolId} not applied ({ErrorType}: {Error}); retried next tick")]
    private static partial void LogPlansFailed(ILogger logger, string schoolId, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} wave {Wave} went late: its day had passed when the campaign was made, so it goes at the first open sending window (from {SendOn})")]
    private static partial void LogLate(ILogger logger, string campaignId, int wave, string sendOn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} wave {Wave} ({Kind}) fanned out to {Recipients} guardians in {Batches} queue messages")]
    private static partial void LogFannedOut(ILogger logger, string campaignId, int wave, string kind, int recipients, int batches);
}
