using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Participation;

/// <summary>
/// Reads what a school's dashboard needs and computes it: the numbers from the roll-ups
/// (<see cref="DashboardRollups"/>: one point read per shard, whatever the size of the log), the rest by bounded
/// reads — the school, its campaigns and counsellors, each counsellor's bookings (for the meetings listed), the
/// guardians of the meetings shown, the poison queue. The meetings stay a read of the bookings because they are
/// rows with names and times, not counts. <see cref="BuildFromLogAsync"/> computes the same page from the whole
/// log: the reference the roll-ups are tested against, and the way the roll-ups are rebuilt.
/// </summary>
public sealed class DashboardService(
    SchoolDirectory directory,
    CampaignStore campaigns,
    ParticipationRecord record,
    DashboardRollups rollups,
    ParticipationLog log,
    StorageAccount storage,
    Reliability.PoisonLog poisonLog,
    TimeProvider time)
{
    /// <summary>The queue where SMS batches land after failing every retry (the Functions host names it).</summary>
    public const string PoisonQueue = OutreachQueues.SendQueue + "-poison";

    private const int MaxPeek = 32;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The school's dashboard from the roll-ups; with <paramref name="counselorId"/>, a counsellor's view of it:
    /// only their bookings, only the facts of guardians with a fact naming them (their students' families), only
    /// their own row per counsellor, and no operations section (the poison queue is the platform's). Roll-ups not
    /// built yet (facts recorded before they existed) or marked stale are rebuilt from the log first.
    /// </summary>
    public async Task<Result<DashboardModel>> BuildAsync(string schoolId, CancellationToken cancellationToken, string? counselorId = null)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<DashboardModel>.Missing();
        }

        var current = rollups.IsCurrentAsync(schoolId, cancellationToken);
        var cells = rollups.ReadAsync(schoolId, counselorId ?? DashboardRollupCells.SchoolView, cancellationToken);
        var inputs = InputsAsync(schoolId, school, counselorId, cancellationToken);
        if (!await current)
        {
            await rollups.RebuildAsync(schoolId, await log.ListAsync(schoolId, cancellationToken), cancellationToken);
            cells = rollups.ReadAsync(schoolId, counselorId ?? DashboardRollupCells.SchoolView, cancellationToken);
        }

        var (read, counselors) = await inputs;
        var figures = DashboardRollupCells.Figures(await cells, read.Campaigns, read.CounselorNames, school);
        return Result<DashboardModel>.Ok(DashboardBuilder.Compose(await WithGuardiansAsync(read, cancellationToken), figures));
    }

    /// <summary>The same page computed from the school's whole participation log (the reference for the roll-ups).</summary>
    public async Task<Result<DashboardModel>> BuildFromLogAsync(string schoolId, CancellationToken cancellationToken, string? counselorId = null)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<DashboardModel>.Missing();
        }

        var entries = await log.ListAsync(schoolId, cancellationToken);
        if (counselorId is not null)
        {
            var theirs = entries.Where(e => e.Event.CounselorId == counselorId).Select(e => e.Event.GuardianId).ToHashSet(StringComparer.Ordinal);
            entries = [.. entries.Where(e => theirs.Contains(e.Event.GuardianId) && (e.Event.CounselorId is null || e.Event.CounselorId == counselorId))];
        }

        var (inputs, _) = await InputsAsync(schoolId, school, counselorId, cancellationToken);
        return Result<DashboardModel>.Ok(DashboardBuilder.Build(await WithGuardiansAsync(inputs with { Entries = entries }, cancellationToken)));
    }

    /// <summary>Everything but the numbers: campaigns, counsellors, bookings (a counsellor's own), the poison queue (school view only).</summary>
    private async Task<(DashboardInputs Inputs, IReadOnlyList<CounselorEntry> Counselors)> InputsAsync(string schoolId, SchoolSettings school, string? counselorId, CancellationToken cancellationToken)
    {
        var list = campaigns.ListAsync(schoolId, cancellationToken);
        var poison = counselorId is null ? PoisonAsync(schoolId, cancellationToken) : Task.FromResult(new PoisonQueueSummary(0, []));
        var (counselors, allBookings) = await record.ReadBookingsAsync(schoolId, counselorId, cancellationToken);
        return (new DashboardInputs
        {
            SchoolId = schoolId,
            School = school,
            Now = Instant.FromDateTimeOffset(time.GetUtcNow()),
            Campaigns = await list,
            CounselorNames = counselors.ToDictionary(c => c.Id, c => c.Counselor.Name, StringComparer.Ordinal),
            Bookings = allBookings,
            Poison = await poison,
        }, counselors);
    }

    /// <summary>Only the guardians of the meetings on the page are read, not the roster.</summary>
    private async Task<DashboardInputs> WithGuardiansAsync(DashboardInputs inputs, CancellationToken cancellationToken)
    {
        var (upcoming, awaiting) = DashboardBuilder.Meetings(inputs.Bookings, inputs.Now);
        var ids = upcoming.Concat(awaiting).Select(b => b.GuardianId).Distinct(StringComparer.Ordinal).ToList();
        var found = new ConcurrentDictionary<string, Guardian>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            if (await directory.GetGuardianAsync(inputs.SchoolId, id, ct) is { } guardian)
            {
                found[id] = guardian;
            }
        });
        return inputs with { Guardians = found.ToDictionary(StringComparer.Ordinal) };
    }

    private async Task<PoisonQueueSummary> PoisonAsync(string schoolId, CancellationToken cancellationToken)
    {
        var queue = storage.Queue(PoisonQueue);
        try
        {
            var peeked = await queue.PeekMessagesAsync(MaxPeek, cancellationToken);
            var mine = new List<PoisonMessage>();
            foreach (var message in peeked.Value)
            {
                SendBatch? batch = null;
                try
                {
                    batch = message.Body.ToObjectFromJson<SendBatch>(Json);
                }
                catch (JsonException)
                {
                    // Not a send batch: listed without campaign details.
                }

                if (batch?.SchoolId == schoolId)
                {
                    mine.Add(new PoisonMessage(message.MessageId, message.InsertedOn, message.DequeueCount, batch?.CampaignId, batch?.Wave, batch?.GuardianIds?.Count ?? 0));
                }
            }

            return new PoisonQueueSummary(mine.Count, mine) { Recent = await poisonLog.ListAsync(OutreachQueues.SendQueue, schoolId, MaxPeek, cancellationToken) };
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new PoisonQueueSummary(0, []) { Recent = await poisonLog.ListAsync(OutreachQueues.SendQueue, schoolId, MaxPeek, cancellationToken) };
        }
    }
}
