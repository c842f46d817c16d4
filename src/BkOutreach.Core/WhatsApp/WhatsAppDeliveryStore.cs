using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// Where one message (one idempotency key, both channels together) stands. Allowed moves:
/// <c>WhatsAppPending → WhatsAppSent → Delivered → Read</c>; <c>WhatsAppPending | WhatsAppSent → SmsPending →
/// SmsSent | SmsRejected</c> (refused, <c>failed</c>, or not delivered in time); any non-final state →
/// <c>Cancelled</c> (opted out before the SMS). Delivered, Read, SmsSent, SmsRejected and Cancelled are
/// final for sending: nothing is sent after them, whatever events arrive later.
/// </summary>
public enum DeliveryState
{
    /// <summary>Written before WhatsApp is called, with the first attempt's time.</summary>
    WhatsAppPending,
    WhatsAppSent,
    Delivered,
    Read,

    /// <summary>The SMS fallback is claimed (by one caller, ETag-guarded); retried under its own first-attempt time until the provider decides.</summary>
    SmsPending,
    SmsSent,
    SmsRejected,
    Cancelled,
}

/// <summary>One message's delivery record. <see cref="SmsBody"/> is the fallback's text, rendered when the message was made.</summary>
public sealed record DeliveryRecord(
    string Key,
    DeliveryState State,
    string To,
    string SmsBody,
    string? SmsTag,
    DateTimeOffset FirstAttemptAt,
    DateTimeOffset DueAt,
    DateTimeOffset? SmsFirstAttemptAt,
    string? MessageId,
    string? Detail,
    ETag ETag)
{
    /// <summary>The school whose sending hours the fallback SMS keeps; null when not known.</summary>
    public string? SchoolId { get; init; }

    /// <summary>
    /// While the state is <see cref="DeliveryState.WhatsAppPending"/>: a WhatsApp call is in flight until this
    /// time (claimed by an ETag-guarded write before the call), so the fallback timer leaves the record alone
    /// until then instead of claiming the SMS under it.
    /// </summary>
    public DateTimeOffset? AttemptUntil { get; init; }

    /// <summary>Who and what the message's participation facts are about, for a message that is no campaign wave (null: the key says, see <see cref="WhatsAppFacts"/>).</summary>
    public MessageFacts? Facts { get; init; }

    /// <summary>No message goes under this key any more.</summary>
    public bool IsFinal => State is DeliveryState.Delivered or DeliveryState.Read or DeliveryState.SmsSent or DeliveryState.SmsRejected or DeliveryState.Cancelled;

    /// <summary>Reached the parent over WhatsApp (so an SMS must never follow).</summary>
    public bool WhatsAppDelivered => State is DeliveryState.Delivered or DeliveryState.Read;
}

/// <summary>A row of the fallback due index.</summary>
public sealed record DueFallback(string Key, DateTimeOffset DueAt, string PartitionKey, string RowKey, ETag ETag);

/// <summary>
/// Table <c>wadeliveries</c>: the delivery record of each key (partition <c>d|{hash of key}</c>) and the
/// index from a WhatsApp message id to its key (partition <c>m|{hash of id}</c>), since status events carry
/// only the message id. Table <c>wafallbacks</c>: when each fallback is due, partition = due minute (UTC,
/// <c>yyyyMMddHHmm</c>), row = hash of key, read by the fallback timer up to now only (as reminders are).
/// Every state change is a conditional replace on the record's ETag.
/// </summary>
public sealed class WhatsAppDeliveryStore(StorageAccount storage)
{
    private const string Row = "r";
    private const int MaxDuePerRun = 500;

    private TableClient Deliveries => storage.Table(StorageNames.WhatsAppDeliveriesTable);

    private TableClient Fallbacks => storage.Table(StorageNames.WhatsAppFallbacksTable);

    public async Task<DeliveryRecord?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var row = await Deliveries.GetEntityIfExistsAsync<TableEntity>(RecordPartition(key), Row, cancellationToken: cancellationToken);
        return row.HasValue ? Read(row.Value!) : null;
    }

    /// <summary>
    /// Adds the record; when one exists under the key already (a retry, another instance), returns that one.
    /// <c>Added</c> says whether this call wrote it (and so holds what it claims, such as its attempt).
    /// </summary>
    public async Task<(DeliveryRecord Record, bool Added)> AddOrGetAsync(DeliveryRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Deliveries.AddEntityAsync(ToEntity(record), cancellationToken);
            return (record with { ETag = response.Headers.ETag ?? default }, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Made by an earlier attempt: its state wins.
        }

        return (await GetAsync(record.Key, cancellationToken) ?? throw new InvalidOperationException("A delivery record vanished right after it was written."), false);
    }

    /// <summary>Replaces the record if nobody changed it since it was read; null when somebody did (read again and decide again).</summary>
    public async Task<DeliveryRecord?> TryReplaceAsync(DeliveryRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Deliveries.UpdateEntityAsync(ToEntity(record), record.ETag, TableUpdateMode.Replace, cancellationToken);
            return record with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    public async Task IndexMessageAsync(string messageId, string key, CancellationToken cancellationToken) =>
        await Deliveries.UpsertEntityAsync(new TableEntity(MessagePartition(messageId), Row) { ["Key"] = key }, TableUpdateMode.Replace, cancellationToken);

    public async Task<string?> KeyOfMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        var row = await Deliveries.GetEntityIfExistsAsync<TableEntity>(MessagePartition(messageId), Row, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("Key") : null;
    }

    /// <summary>Puts the key into the due index at <paramref name="dueAt"/> (again is harmless).</summary>
    public async Task ScheduleAsync(string key, DateTimeOffset dueAt, CancellationToken cancellationToken) =>
        await Fallbacks.UpsertEntityAsync(
            new TableEntity(Minute(dueAt), Hash(key)) { ["Key"] = key, ["DueAt"] = dueAt },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>The due rows at or before <paramref name="now"/>: one query over the partitions up to now's minute.</summary>
    public async Task<IReadOnlyList<DueFallback>> ListDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var upTo = Minute(now);
        var due = new List<DueFallback>();
        await foreach (var row in Fallbacks.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(upTo) <= 0, maxPerPage: MaxDuePerRun, cancellationToken: cancellationToken))
        {
            due.Add(new DueFallback(row.GetString("Key") ?? "", row.GetDateTimeOffset("DueAt") ?? DateTimeOffset.UnixEpoch, row.PartitionKey, row.RowKey, row.ETag));
            if (due.Count >= MaxDuePerRun)
            {
                break;
            }
        }

        return due;
    }

    /// <summary>Removes a handled due row (another timer removing it first is fine).</summary>
    public async Task RemoveDueAsync(DueFallback row, CancellationToken cancellationToken)
    {
        try
        {
            await Fallbacks.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
        }
    }

    private static string RecordPartition(string key) => "d|" + Hash(key);

    private static string MessagePartition(string messageId) => "m|" + Hash(messageId);

    private static string Hash(string value) => OutboxSmsSender.RowKeyFor(value);

    private static string Minute(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(DeliveryRecord r) => new(RecordPartition(r.Key), Row)
    {
        ["Key"] = r.Key,
        ["State"] = r.State.ToString(),
        ["To"] = r.To,
        ["SmsBody"] = r.SmsBody,
        ["SmsTag"] = r.SmsTag,
        ["FirstAttemptAt"] = r.FirstAttemptAt,
        ["DueAt"] = r.DueAt,
        ["SmsFirstAttemptAt"] = r.SmsFirstAttemptAt,
        ["MessageId"] = r.MessageId,
        ["Detail"] = r.Detail is { Length: > 1000 } d ? d[..1000] : r.Detail,
        ["SchoolId"] = r.SchoolId,
        ["AttemptUntil"] = r.AttemptUntil,
        ["Facts"] = r.Facts is null ? null : JsonSerializer.Serialize(r.Facts, StorageJson.Options),
    };

    private static DeliveryRecord Read(TableEntity e) => new(
        e.GetString("Key") ?? "",
        Enum.TryParse<DeliveryState>(e.GetString("State"), out var s) ? s : DeliveryState.WhatsAppPending,
        e.GetString("To") ?? "",
        e.GetString("SmsBody") ?? "",
        e.GetString("SmsTag"),
        e.GetDateTimeOffset("FirstAttemptAt") ?? DateTimeOffset.UnixEpoch,
        e.GetDateTimeOffset("DueAt") ?? DateTimeOffset.UnixEpoch,
        e.GetDateTimeOffset("SmsFirstAttemptAt"),
        e.GetString("MessageId"),
        e.GetString("Detail"),
        e.ETag)
    {
        SchoolId = e.GetString("SchoolId"),
        AttemptUntil = e.GetDateTimeOffset("AttemptUntil"),
        Facts = e.GetString("Facts") is { Length: > 0 } facts ? JsonSerializer.Deserialize<MessageFacts>(facts, StorageJson.Options) : null,
    };
}
