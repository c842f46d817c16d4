using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Reliability;

/// <summary>One queue message that was given up on: where it was, how often it was tried, and why.</summary>
public sealed record PoisonRecord(string Queue, string Function, string MessageId, long DequeueCount, string Reason, DateTimeOffset PoisonedAt, string? SchoolId = null);

/// <summary>
/// The record of queue messages moved to a poison queue, for the dashboard and for whoever retries them by
/// hand. One row per poisoned message (partition = source queue, row = message id, so the function's own
/// record on its last attempt and the host's record of the move are one row). The reason is the last failure's exception message, cut to
/// <see cref="MaxReasonLength"/>; messages of our own code carry no personal data, and the message body is
/// never copied here (it holds phone numbers) — it stays in the poison queue. The school the message was
/// for is kept when known, so a school's dashboard lists only its own failures.
/// </summary>
public sealed class PoisonLog(StorageAccount storage, TimeProvider time)
{
    public const int MaxReasonLength = 1000;

    private TableClient Table => storage.Table(StorageNames.PoisonTable);

    public async Task RecordAsync(string queue, string function, string messageId, long dequeueCount, string reason, CancellationToken cancellationToken, string? schoolId = null)
    {
        var now = time.GetUtcNow();
        await Table.UpsertEntityAsync(
            new TableEntity(queue, StorageKey(messageId))
            {
                ["SchoolId"] = schoolId,
                ["Function"] = function,
                ["MessageId"] = messageId,
                ["DequeueCount"] = dequeueCount,
                ["Reason"] = reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason,
                ["PoisonedAt"] = now,
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>The newest poisoned messages of every queue (or of <paramref name="queue"/>), newest first.</summary>
    public Task<IReadOnlyList<PoisonRecord>> ListAsync(string? queue, int max, CancellationToken cancellationToken) =>
        ListAsync(queue, schoolId: null, max, cancellationToken);

    /// <summary>As <see cref="ListAsync(string?, int, CancellationToken)"/>, only those recorded for <paramref name="schoolId"/> when it is given.</summary>
    public async Task<IReadOnlyList<PoisonRecord>> ListAsync(string? queue, string? schoolId, int max, CancellationToken cancellationToken)
    {
        var list = new List<PoisonRecord>();
        var rows = queue is null
            ? Table.QueryAsync<TableEntity>(cancellationToken: cancellationToken)
            : Table.QueryAsync<TableEntity>(e => e.PartitionKey == queue, cancellationToken: cancellationToken);
        await foreach (var e in rows)
        {
            list.Add(new PoisonRecord(
                e.PartitionKey,
                e.GetString("Function") ?? "",
                e.GetString("MessageId") ?? "",
                e.GetInt64("DequeueCount") ?? 0,
                e.GetString("Reason") ?? "",
                e.GetDateTimeOffset("PoisonedAt") ?? DateTimeOffset.MinValue,
                e.GetString("SchoolId")));
        }

        return [.. list.Where(r => schoolId is null || r.SchoolId == schoolId).OrderByDescending(r => r.PoisonedAt).Take(max)];
    }

    /// <summary>The <c>schoolId</c> a queue message of ours names (send batches, calendar work), or null.</summary>
    public static string? SchoolOf(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            return json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && json.RootElement.EnumerateObject().FirstOrDefault(p => p.NameEquals("schoolId") || p.NameEquals("SchoolId")) is { Value.ValueKind: System.Text.Json.JsonValueKind.String } property
                ? property.Value.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Message ids are GUIDs from storage; anything a key cannot hold is replaced all the same.</summary>
    private static string StorageKey(string messageId) =>
        string.Concat(messageId.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_'));
}
