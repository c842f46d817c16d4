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

    /// <summary>Writes these rows of one campaign wave in transactions of up to 100.</summary>
    public async Task WriteAsync(string campaignId, int wave, IEnumerable<SendRecord> records, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(campaignId, wave);
        foreach (var chunk in records.Chunk(100))
        {
            var actions = chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(partition, r))).ToList();
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    /// <summary>Applies a delivery report to the message's row; false when it is unknown.</summary>
    public async Task<bool> RecordDeliveryAsync(string key, bool delivered, string? detail, CancellationToken cancellationToken)
    {
        if (!TryParseKey(key, out _, out var campaignId, out var wave, out var guardianId))
        {
            return false;
        }

        var record = await GetAsync(campaignId, wave, guardianId, cancellationToken);
        if (record is null)
        {
            return false;
        }

        await WriteAsync(campaignId, wave, [record with { State = delivered ? SendState.Delivered : SendState.Failed, Detail = detail }], cancellationToken);
        return true;
    }

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
