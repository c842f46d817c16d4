using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Outreach;

public enum SendState
{
    /// <summary>Written before the provider is called, with the first attempt's time: a retry after a crash re-sends under the same key.</summary>
    Pending,
    Accepted,
    Rejected,
    Delivered,
    Failed,
    SkippedOptedOut,
    SkippedBooked,
}

public sealed record SendRecord(string GuardianId, string Key, SendState State, DateTimeOffset FirstAttemptAt, string? MessageId, string? Detail, ETag ETag)
{
    /// <summary>
    /// The partition the row was read from (a wave begun before the send log was keyed by school keeps its
    /// rows where they are); null for a row not stored yet, which goes to its school's partition.
    /// </summary>
    public string? Partition { get; init; }
}

/// <summary>
/// Every campaign message's fate, one row per school + campaign + wave + guardian (partition
/// <c>school|campaign|wave</c>, row = guardian id), written in entity-group transactions of a whole batch.
/// A campaign made from a plan has the same id in every school that uses the plan, so without the school in
/// the partition a whole province's wave would share one partition (Table Storage takes 2,000 entities/s per
/// partition: docs/scaling.md). Rows written before the school was in the partition (<c>campaign|wave</c>)
/// are still read, finished, reported on and erased where they are; a row of another school found there
/// (its key names the school) is left out.
/// </summary>
public sealed class SendLog(StorageAccount storage)
{
    private const int MaxRaces = 5;

    private TableClient Table => storage.Table(StorageNames.SendsTable);

    /// <summary>
    /// The message's key, also its idempotency key and the tag its delivery report brings back. It names the
    /// school: a campaign id alone is not unique (plan-made ids repeat across schools). Keys written before the
    /// school was in them end at the guardian; <see cref="TryParseKey"/> still reads them.
    /// </summary>
    public static string KeyOf(string schoolId, string campaignId, int wave, string guardianId) => $"campaign:{campaignId}:wave:{wave}:guardian:{guardianId}:school:{schoolId}";

    /// <summary>The partition of a school's campaign wave. School ids have no '|', so it never equals a <see cref="LegacyPartitionOf"/>.</summary>
    public static string PartitionOf(string schoolId, string campaignId, int wave) => $"{schoolId}|{campaignId}|{wave}";

    /// <summary>Where a wave's rows were written before the send log was keyed by school (shared by every school with the campaign id).</summary>
    internal static string LegacyPartitionOf(string campaignId, int wave) => $"{campaignId}|{wave}";

    /// <summary>The rows of guardians between <paramref name="firstGuardian"/> and <paramref name="lastGuardian"/> (inclusive): one query of the school's partition and one of the old one, at the same time.</summary>
    public async Task<Dictionary<string, SendRecord>> ReadRangeAsync(string schoolId, string campaignId, int wave, string firstGuardian, string lastGuardian, CancellationToken cancellationToken)
    {
        async Task<List<SendRecord>> RangeAsync(string partition)
        {
            var list = new List<SendRecord>();
            await foreach (var e in Table.QueryAsync<TableEntity>(
                x => x.PartitionKey == partition && x.RowKey.CompareTo(firstGuardian) >= 0 && x.RowKey.CompareTo(lastGuardian) <= 0, cancellationToken: cancellationToken))
            {
                list.Add(Read(e));
            }

            return list;
        }

        var current = RangeAsync(PartitionOf(schoolId, campaignId, wave));
        var legacy = RangeAsync(LegacyPartitionOf(campaignId, wave));
        await Task.WhenAll(current, legacy);
        var rows = (await legacy).Where(r => IsOfSchool(r.Key, schoolId)).ToDictionary(r => r.GuardianId, StringComparer.Ordinal);
        foreach (var row in await current)
        {
            rows[row.GuardianId] = row;
        }

        return rows;
    }

    /// <summary>A guardian's row of a school's campaign wave (the school's partition first, then the old one; only the old one when <paramref name="schoolId"/> is null, for a key from before the school was in keys).</summary>
    public async Task<SendRecord?> GetAsync(string? schoolId, string campaignId, int wave, string guardianId, CancellationToken cancellationToken)
    {
        foreach (var partition in PartitionsOf(schoolId, campaignId, wave))
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(partition, guardianId, cancellationToken: cancellationToken);
            if (row.HasValue && Read(row.Value!) is var record && IsOfSchool(record.Key, schoolId))
            {
                return record;
            }
        }

        return null;
    }

    /// <summary>
    /// Every row of a school's campaign wave, from the school's partition and the old one (rows of other
    /// schools left out by their key), with the properties named in <paramref name="select"/> and <c>Key</c>.
    /// </summary>
    public async IAsyncEnumerable<TableEntity> ListWaveAsync(string schoolId, string campaignId, int wave, IReadOnlyList<string> select, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string[] columns = [.. select.Append("Key").Append("RowKey").Distinct(StringComparer.Ordinal)];
        foreach (var partition in PartitionsOf(schoolId, campaignId, wave))
        {
            await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: columns, cancellationToken: cancellationToken))
            {
                if (IsOfSchool(row.GetString("Key") ?? "", schoolId))
                {
                    yield return row;
                }
            }
        }
    }

    /// <summary>Deletes a guardian's row of a school's campaign wave wherever it is (guardian erasure); how many were deleted.</summary>
    public async Task<int> DeleteAsync(string schoolId, string campaignId, int wave, string guardianId, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var partition in PartitionsOf(schoolId, campaignId, wave))
        {
            // A missing row answers 404 without an exception.
            var response = await Table.DeleteEntityAsync(partition, guardianId, ETag.All, cancellationToken);
            deleted += response.Status == 404 ? 0 : 1;
        }

        return deleted;
    }

    /// <summary>
    /// Writes these rows of one school's campaign wave in transactions of up to 100: a row read from the log
    /// (it has an ETag) over itself, where it was read, under that ETag; a new one added to the school's
    /// partition. Returns the rows as written, with their new ETags. When another writer got there first (the
    /// same batch handled twice at once, a delivery report meanwhile) nothing of that transaction is written
    /// and <see cref="SendLogChangedException"/> is thrown: the batch is handled again and decides on the
    /// rows as they are then.
    /// </summary>
    public async Task<IReadOnlyList<SendRecord>> WriteAsync(string schoolId, string campaignId, int wave, IEnumerable<SendRecord> records, CancellationToken cancellationToken)
    {
        var written = new List<SendRecord>();
        foreach (var group in records.GroupBy(r => r.Partition ?? PartitionOf(schoolId, campaignId, wave), StringComparer.Ordinal))
        {
            foreach (var chunk in group.Chunk(100))
            {
                try
                {
                    var response = await Table.SubmitTransactionAsync(
                        chunk.Select(r => r.ETag == default
                            ? new TableTransactionAction(TableTransactionActionType.Add, ToEntity(group.Key, r))
                            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(group.Key, r), r.ETag)),
                        cancellationToken);
                    written.AddRange(chunk.Select((r, i) => r with { ETag = EtagOf(response.Value, i), Partition = group.Key }));
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404)
                {
                    throw new SendLogChangedException(campaignId, wave, ex);
                }
            }
        }

        return written;
    }

    /// <summary>
    /// Writes the outcome of sends (accepted or rejected) over the pending rows they were sent from, each under
    /// the ETag its pending write returned. A delivery report can come back before the outcome is written; such
    /// a row has moved on, so its chunk is settled row by row: a delivered or failed state stays (the message
    /// id is added to it), a row another attempt finished stays as it is.
    /// </summary>
    public async Task FinishAsync(string schoolId, string campaignId, int wave, IEnumerable<SendRecord> outcomes, CancellationToken cancellationToken)
    {
        foreach (var group in outcomes.GroupBy(r => r.Partition ?? PartitionOf(schoolId, campaignId, wave), StringComparer.Ordinal))
        {
            foreach (var chunk in group.Chunk(100))
            {
                try
                {
                    await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(group.Key, r), r.ETag)), cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.Status is 412 or 404)
                {
                    foreach (var outcome in chunk)
                    {
                        await SettleAsync(group.Key, outcome, cancellationToken);
                    }
                }
            }
        }
    }

    private async Task SettleAsync(string partition, SendRecord outcome, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var stored = await Table.GetEntityIfExistsAsync<TableEntity>(partition, outcome.GuardianId, cancellationToken: cancellationToken);
            var current = stored.HasValue ? Read(stored.Value!) : null;
            var next = current switch
            {
                null => outcome,
                { State: SendState.Pending } => outcome,
                { State: SendState.Delivered or SendState.Failed, MessageId: null } when outcome.MessageId is not null => current with { MessageId = outcome.MessageId },
                _ => null,
            };
            if (next is null)
            {
                return;
            }

            try
            {
                if (current is null)
                {
                    await Table.AddEntityAsync(ToEntity(partition, next), cancellationToken);
                }
                else
                {
                    await Table.UpdateEntityAsync(ToEntity(partition, next), current.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Changed again meanwhile: read it once more.
            }
        }

        throw new InvalidOperationException($"The send row of {outcome.Key} kept changing while its outcome was written; the batch is retried.");
    }

    /// <summary>Applies a delivery report to the message's row, under the row's ETag; false when it is unknown.</summary>
    public async Task<bool> RecordDeliveryAsync(string key, bool delivered, string? detail, CancellationToken cancellationToken)
    {
        if (!TryParseKey(key, out var schoolId, out var campaignId, out var wave, out var guardianId))
        {
            return false;
        }

        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var record = await GetAsync(schoolId, campaignId, wave, guardianId, cancellationToken);
            if (record is null)
            {
                return false;
            }

            try
            {
                await Table.UpdateEntityAsync(ToEntity(record.Partition!, record with { State = delivered ? SendState.Delivered : SendState.Failed, Detail = detail }), record.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // The sender wrote the send's outcome meanwhile: apply the report to that.
            }
        }

        throw new InvalidOperationException($"The send row of {key} kept changing while its delivery report was applied; the event is retried.");
    }

    /// <summary>The school's partition, then the old shared one; only the old one for a key that names no school.</summary>
    private static string[] PartitionsOf(string? schoolId, string campaignId, int wave) =>
        schoolId is null ? [LegacyPartitionOf(campaignId, wave)] : [PartitionOf(schoolId, campaignId, wave), LegacyPartitionOf(campaignId, wave)];

    /// <summary>False for a row whose key names another school; a key from before the school was in keys names none.</summary>
    private static bool IsOfSchool(string key, string? schoolId) =>
        schoolId is null || !TryParseKey(key, out var keySchool, out _, out _, out _) || keySchool is null || keySchool == schoolId;

    private static ETag EtagOf(IReadOnlyList<Response> responses, int index) =>
        index < responses.Count ? responses[index].Headers.ETag ?? default : default;

    /// <summary>Reads a key of <see cref="KeyOf"/>; <paramref name="schoolId"/> is null for a key written before the school was in it.</summary>
    public static bool TryParseKey(string key, out string? schoolId, out string campaignId, out int wave, out string guardianId)
    {
        campaignId = guardianId = "";
        schoolId = null;
        wave = 0;
        var parts = key.Split(':');
        var (c, w, g, s) = parts switch
        {
            ["campaign", var pc, "wave", var pw, "guardian", var pg] => (pc, pw, pg, null),
            ["campaign", var pc, "wave", var pw, "guardian", var pg, "school", var ps] when IsKeySafe(ps) => (pc, pw, pg, ps),
            _ => ("", "", "", (string?)null),
        };
        if (!int.TryParse(w, System.Globalization.CultureInfo.InvariantCulture, out wave) || !IsKeySafe(c) || !IsKeySafe(g))
        {
            wave = 0;
            return false;
        }

        campaignId = c;
        guardianId = g;
        schoolId = s;
        return true;
    }

    /// <summary>Whether a part of a key (which may come from outside, e.g. a delivery report's tag) can name a table row.</summary>
    private static bool IsKeySafe(string part) =>
        part.Length is > 0 and <= 256 && !part.Any(ch => ch is '/' or '\\' or '#' or '?' || char.IsControl(ch));

    private static TableEntity ToEntity(string partition, SendRecord r) => new(partition, r.GuardianId)
    {
        ["Key"] = r.Key,
        ["State"] = r.State.ToString(),
        ["FirstAttemptAt"] = r.FirstAttemptAt,
        ["MessageId"] = r.MessageId,
        ["Detail"] = r.Detail,
    };

    private static SendRecord Read(TableEntity e) => new(
        e.RowKey,
        e.GetString("Key") ?? "",
        Enum.TryParse<SendState>(e.GetString("State"), out var s) ? s : SendState.Pending,
        e.GetDateTimeOffset("FirstAttemptAt") ?? DateTimeOffset.MinValue,
        e.GetString("MessageId"),
        e.GetString("Detail"),
        e.ETag)
    { Partition = e.PartitionKey };
}

/// <summary>A send row changed between the batch's read and its write; the batch is handled again (its queue message is retried).</summary>
public sealed class SendLogChangedException(string campaignId, int wave, Exception inner)
    : Exception($"A send row of campaign {campaignId} wave {wave} changed while its batch was written; the batch is handled again.", inner);
