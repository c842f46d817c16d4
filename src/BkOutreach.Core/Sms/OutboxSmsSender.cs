using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Sms;

/// <summary>A message the outbox provider stored instead of sending.</summary>
public sealed record OutboxMessage(string MessageId, string To, string Body, int Segments, DateTimeOffset CreatedAt, string IdempotencyKey, string? Tag)
{
    /// <summary><c>sms</c> or <c>whatsapp</c>: which channel the message would have gone by.</summary>
    public string Channel { get; init; } = OutboxSmsSender.SmsChannel;
}

/// <summary>
/// The embedded default provider: stores each message in the <c>outbox</c> table (one row per channel and
/// idempotency key, so a repeated key is answered with the first message's id and stores nothing) and sends
/// nothing. WhatsApp messages land in the same table (<see cref="WhatsApp.OutboxWhatsAppSender"/>) with
/// their channel, so the demo shows both.
/// </summary>
public sealed class OutboxSmsSender(StorageAccount storage, TimeProvider time) : ISmsSender
{
    public const string SmsChannel = "sms";
    public const string WhatsAppChannel = "whatsapp";

    private const string Partition = "outbox";

    public int MaxBatchSize => 100;

    public async Task<IReadOnlyList<SmsSendResult>> SendAsync(IReadOnlyList<SmsMessage> messages, CancellationToken cancellationToken)
    {
        var results = new SmsSendResult[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var (messageId, repeat) = await StoreAsync(SmsChannel, message.To, message.Body, SmsSegments.Count(message.Body), message.IdempotencyKey, message.Tag, cancellationToken);
            results[i] = new SmsSendResult(message.IdempotencyKey, SmsSendStatus.Accepted, messageId, null, WasRepeat: repeat);
        }

        return results;
    }

    /// <summary>Stores one message of a channel once per key; a repeat returns the first message's id.</summary>
    internal async Task<(string MessageId, bool WasRepeat)> StoreAsync(string channel, string to, string body, int segments, string idempotencyKey, string? tag, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.OutboxTable);
        var rowKey = RowKeyFor(channel == SmsChannel ? idempotencyKey : channel + ":" + idempotencyKey);
        var messageId = Guid.NewGuid().ToString("N");
        var entity = new TableEntity(Partition, rowKey)
        {
            ["MessageId"] = messageId,
            ["To"] = to,
            ["Body"] = body,
            ["Segments"] = segments,
            ["CreatedAt"] = time.GetUtcNow(),
            ["IdempotencyKey"] = idempotencyKey,
            ["Tag"] = tag,
            ["Channel"] = channel,
        };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return (messageId, false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await table.GetEntityAsync<TableEntity>(Partition, rowKey, cancellationToken: cancellationToken);
            return (existing.Value.GetString("MessageId") ?? messageId, true);
        }
    }

    /// <summary>Every message stored, newest first.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<OutboxMessage>();
        await foreach (var e in storage.Table(StorageNames.OutboxTable).QueryAsync<TableEntity>(x => x.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            list.Add(new OutboxMessage(
                e.GetString("MessageId") ?? e.RowKey,
                e.GetString("To") ?? "",
                e.GetString("Body") ?? "",
                e.GetInt32("Segments") ?? 1,
                e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
                e.GetString("IdempotencyKey") ?? "",
                e.GetString("Tag"))
            {
                Channel = e.GetString("Channel") ?? SmsChannel,
            });
        }

        return [.. list.OrderByDescending(m => m.CreatedAt).ThenBy(m => m.IdempotencyKey, StringComparer.Ordinal)];
    }

    /// <summary>Row keys cannot hold '/', '\', '#', '?' or control characters, so the key is hashed.</summary>
    internal static string RowKeyFor(string idempotencyKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));
}
