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

public sealed record SendRecord(string GuardianId, string Key, SendState State, DateTimeOffset FirstAttemptAt, string? MessageId, string? Detail, ETag ETag);

/// <summary>
/// Every campaign message's fate, one row per campaign + wave + guardian (partition <c>campaign|wave</c>,
/// row = guardian id), written in entity-group transactions of a whole batch. Guardian ids are random and
/// never shared between schools, so two schools' campaigns with the same id keep apart rows.
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

    public static string PartitionOf(string campaignId, int wave) => $"{campaignId}|{wave}";

    /// <summary>The rows of guardians between <paramref name="firstGuardian"/> and <paramref name="lastGuardian"/> (inclusive), in one query.</summary>
    public async Task<Dictionary<string, SendRecord>> ReadRangeAsync(string campaignId, int wave, string firstGuardian, string lastGuardian, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(campaignId, wave);
        var rows = new Dictionary<string, SendRecord>(StringComparer.Ordinal);
        await foreach (var e in Table.QueryAsync<TableEntity>(
            x => x.PartitionKey == partition && x.RowKey.CompareTo(firstGuardian) >= 0 && x.RowKey.CompareTo(lastGuardian) <= 0, cancellationToken: cancellationToken))
        {
            rows[e.RowKey] = Read(e);
        }

        return rows;
    }

    public async Task<SendRecord?> GetAsync(string campaignId, int wave, string guardianId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(campaignId, wave), guardianId, cancellationToken: cancellationToken);
        return row.HasValue ? Read(row.Value!) : null;
    }

    /// <summary>Writes these rows of one campaign wave in transactions of up to 100; the rows as written, with their new ETags.</summary>
    public async Task<IReadOnlyList<SendRecord>> WriteAsync(string campaignId, int wave, IEnumerable<SendRecord> records, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(campaignId, wave);
        var written = new List<SendRecord>();
        foreach (var chunk in records.Chunk(100))
        {
            var response = await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(partition, r))), cancellationToken);
            written.AddRange(chunk.Select((r, i) => r with { ETag = EtagOf(response.Value, i) }));
        }

        return written;
    }

    /// <summary>
    /// Writes the outcome of sends (accepted or rejected) over the pending rows they were sent from, each under
    /// the ETag its pending write returned. A delivery report can come back before the outcome is written; such
    /// a row has moved on, so its chunk is settled row by row: a delivered or failed state stays (the message
    /// id is added to it), a row another attempt finished stays as it is.
    /// </summary>
    public async Task FinishAsync(string campaignId, int wave, IEnumerable<SendRecord> outcomes, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(campaignId, wave);
        foreach (var chunk in outcomes.Chunk(100))
        {
            try
            {
                await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(partition, r), r.ETag)), cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                foreach (var outcome in chunk)
                {
                    await SettleAsync(partition, outcome, cancellationToken);
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
        if (!TryParseKey(key, out _, out var campaignId, out var wave, out var guardianId))
        {
            return false;
        }

        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var record = await GetAsync(campaignId, wave, guardianId, cancellationToken);
            if (record is null)
            {
                return false;
            }

            try
            {
                await Table.UpdateEntityAsync(ToEntity(PartitionOf(campaignId, wave), record with { State = delivered ? SendState.Delivered : SendState.Failed, Detail = detail }), record.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // The sender wrote the send's outcome meanwhile: apply the report to that.
            }
        }

        throw new InvalidOperationException($"The send row of {key} kept changing while its delivery report was applied; the event is retried.");
    }

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
        e.ETag);
}
