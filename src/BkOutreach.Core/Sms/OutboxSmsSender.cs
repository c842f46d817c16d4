using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Sms;

/// <summary>A message the outbox provider stored instead of sending.</summary>
public sealed record OutboxMessage(string MessageId, string To, string Body, int Segments, DateTimeOffset CreatedAt, string IdempotencyKey, string? Tag);

/// <summary>
/// The embedded default provider: stores each message in the <c>outbox</c> table (one row per idempotency
/// key, so a repeated key is answered with the first message's id and stores nothing) and sends nothing.
/// </summary>
public sealed class OutboxSmsSender(StorageAccount storage, TimeProvider time) : ISmsSender
{
    private const string Partition = "outbox";

    public int MaxBatchSize => 100;

    public async Task<IReadOnlyList<SmsSendResult>> SendAsync(IReadOnlyList<SmsMessage> messages, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.OutboxTable);
        var results = new SmsSendResult[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var rowKey = RowKeyFor(message.IdempotencyKey);
            var messageId = Guid.NewGuid().ToString("N");
            var entity = new TableEntity(Partition, rowKey)
            {
                ["MessageId"] = messageId,
                ["To"] = message.To,
                ["Body"] = message.Body,
                ["Segments"] = SmsSegments.Count(message.Body),
                ["CreatedAt"] = time.GetUtcNow(),
                ["IdempotencyKey"] = message.IdempotencyKey,
                ["Tag"] = message.Tag,
            };
            try
            {
                await table.AddEntityAsync(entity, cancellationToken);
                results[i] = new SmsSendResult(message.IdempotencyKey, SmsSendStatus.Accepted, messageId, null);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                var existing = await table.GetEntityAsync<TableEntity>(Partition, rowKey, cancellationToken: cancellationToken);
                results[i] = new SmsSendResult(message.IdempotencyKey, SmsSendStatus.Accepted, existing.Value.GetString("MessageId"), null, WasRepeat: true);
            }
        }

        return results;
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
                e.GetString("Tag")));
        }

        return [.. list.OrderByDescending(m => m.CreatedAt).ThenBy(m => m.IdempotencyKey, StringComparer.Ordinal)];
    }

    /// <summary>Row keys cannot hold '/', '\', '#', '?' or control characters, so the key is hashed.</summary>
    internal static string RowKeyFor(string idempotencyKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));
}
