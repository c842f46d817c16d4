using System.Text.Json;
using Azure;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Participation;

/// <summary>
/// Reads what a school's dashboard needs (school, campaigns, counsellors, the participation log, each
/// counsellor's bookings, the guardians of the meetings shown, the poison queue) and computes it.
/// </summary>
public sealed class DashboardService(
    SchoolDirectory directory,
    CampaignStore campaigns,
    ParticipationRecord record,
    StorageAccount storage,
    Reliability.PoisonLog poisonLog,
    TimeProvider time)
{
    /// <summary>The queue where SMS batches land after failing every retry (the Functions host names it).</summary>
    public const string PoisonQueue = OutreachQueues.SendQueue + "-poison";

    private const int MaxPeek = 32;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The school's dashboard; with <paramref name="counselorId"/>, a counsellor's view of it: only their
    /// bookings, only the log of guardians with a fact naming them (their students' families), only their
    /// own row per counsellor, and no operations section (the poison queue is the platform's).
    /// </summary>
    public async Task<Result<DashboardModel>> BuildAsync(string schoolId, CancellationToken cancellationToken, string? counselorId = null)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<DashboardModel>.Missing();
        }

        var (counselors, allBookings, entries) = await record.ReadAsync(schoolId, school, cancellationToken);
        if (counselorId is not null)
        {
            var theirs = entries.Where(e => e.Event.CounselorId == counselorId).Select(e => e.Event.GuardianId).ToHashSet(StringComparer.Ordinal);
            entries = [.. entries.Where(e => theirs.Contains(e.Event.GuardianId) && (e.Event.CounselorId is null || e.Event.CounselorId == counselorId))];
            allBookings = [.. allBookings.Where(b => b.CounselorId == counselorId)];
            counselors = [.. counselors.Where(c => c.Id == counselorId)];
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var inputs = new DashboardInputs
        {
            SchoolId = schoolId,
            School = school,
            Now = now,
            Entries = entries,
            Campaigns = await campaigns.ListAsync(schoolId, cancellationToken),
            CounselorNames = counselors.ToDictionary(c => c.Id, c => c.Counselor.Name, StringComparer.Ordinal),
            Bookings = allBookings,
            Poison = counselorId is null ? await PoisonAsync(schoolId, cancellationToken) : new PoisonQueueSummary(0, []),
        };

        // Only the guardians of the meetings on the page are read, not the roster.
        var (upcoming, awaiting) = DashboardBuilder.Meetings(allBookings, now);
        var guardians = new Dictionary<string, Guardian>(StringComparer.Ordinal);
        foreach (var id in upcoming.Concat(awaiting).Select(b => b.GuardianId).Distinct(StringComparer.Ordinal))
        {
            if (await directory.GetGuardianAsync(schoolId, id, cancellationToken) is { } guardian)
            {
                guardians[id] = guardian;
            }
        }

        return Result<DashboardModel>.Ok(DashboardBuilder.Build(inputs with { Guardians = guardians }));
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
