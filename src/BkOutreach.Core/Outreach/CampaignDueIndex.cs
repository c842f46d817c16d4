using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Outreach;

/// <summary>A school's row in <see cref="CampaignDueIndex"/>: the school needs the dispatcher from this minute on.</summary>
public sealed record DueSchool(string SchoolId, string PartitionKey, ETag ETag);

/// <summary>What one read of the index found: the schools due, and whether the index was ever filled.</summary>
public sealed record DueSchools(IReadOnlyList<DueSchool> Schools, bool Backfilled);

/// <summary>
/// When each school next needs the campaign dispatcher, table <c>campaigndue</c>: partition = the due minute
/// (UTC, <c>yyyyMMddHHmm</c>, as <see cref="ReminderSchedule"/>), row = school id. The dispatcher's tick reads
/// the partitions up to now in one query — only what is due, however many schools there are — visits each
/// school found (plans made into campaigns, due waves fanned out), writes the school's next due minute and
/// removes the rows it handled (ETag-guarded, so a change marked meanwhile is visited again).
/// <para>
/// Every change that can move a school's next due minute marks the school due now, after the change is
/// stored: the school document (<see cref="Schools.SchoolDirectory.PutSchoolAsync"/>: terms, blackouts,
/// sending hours), a plan (<see cref="CampaignPlanStore"/>), a campaign made or replaced
/// (<see cref="CampaignStore"/>) and a wave dispatched by hand. The next tick visits the school and computes
/// its next minute exactly (<see cref="CampaignDispatcher"/>). A row left behind by an earlier computation
/// costs one visit that finds nothing new; it never hides a due wave.
/// </para>
/// <para>
/// Partition <see cref="MarkerPartition"/> sorts before every minute and holds one row once every school that
/// existed before the index was filled has been marked (<see cref="BackfillAsync"/>), so the same query tells
/// the first tick after a deployment to mark them all.
/// </para>
/// </summary>
public sealed class CampaignDueIndex(StorageAccount storage)
{
    /// <summary>Rows read per tick at most; the rest are due at the next tick.</summary>
    public const int MaxPerRun = 1000;

    public const string MarkerPartition = "000000000000";

    private const string MarkerRow = "backfilled";

    private TableClient Table => storage.Table(StorageNames.CampaignDueTable);

    /// <summary>The school needs the dispatcher from <paramref name="at"/>'s minute on.</summary>
    public async Task MarkAsync(string schoolId, Instant at, CancellationToken cancellationToken) =>
        await Table.UpsertEntityAsync(new TableEntity(ReminderSchedule.Minute(at), schoolId) { ["DueAt"] = at.ToDateTimeOffset() }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>The schools due at or before <paramref name="now"/>: one query over the partitions up to now's minute (the marker included).</summary>
    public async Task<DueSchools> ListDueAsync(Instant now, CancellationToken cancellationToken)
    {
        var upTo = ReminderSchedule.Minute(now);
        var due = new List<DueSchool>();
        var backfilled = false;
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(upTo) <= 0, maxPerPage: MaxPerRun, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (row.PartitionKey == MarkerPartition)
            {
                backfilled |= row.RowKey == MarkerRow;
                continue;
            }

            due.Add(new DueSchool(row.RowKey, row.PartitionKey, row.ETag));
            if (due.Count >= MaxPerRun)
            {
                break;
            }
        }

        return new DueSchools(due, backfilled);
    }

    /// <summary>Marks every one of <paramref name="schoolIds"/> due now, then records that the index is filled.</summary>
    public async Task BackfillAsync(IEnumerable<string> schoolIds, Instant now, CancellationToken cancellationToken)
    {
        foreach (var schoolId in schoolIds)
        {
            await MarkAsync(schoolId, now, cancellationToken);
        }

        await Table.UpsertEntityAsync(new TableEntity(MarkerPartition, MarkerRow) { ["At"] = now.ToDateTimeOffset() }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Removes a handled row unless it was marked again since it was read (412) or is gone (404).</summary>
    public async Task RemoveAsync(DueSchool due, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(due.PartitionKey, due.SchoolId, due.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
        }
    }
}
