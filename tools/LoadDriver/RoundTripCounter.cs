using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace BkOutreach.LoadDriver;

/// <summary>
/// Counts every storage request that leaves the process (a per-retry policy, so a retried request counts
/// each time), by method and table or queue, so a report can say where the round trips go.
/// </summary>
public sealed class RoundTripCounter : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, long> _byTarget = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _ticksByTarget = new(StringComparer.Ordinal);
    private long _entityOperations;

    /// <summary>
    /// Entity operations sent so far, as Table Storage's scalability targets count them: each entity of an
    /// entity-group transaction counts once, every other table or queue request once.
    /// </summary>
    public long EntityOperations => Interlocked.Read(ref _entityOperations);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var target = Count(message);
        var started = Stopwatch.GetTimestamp();
        ProcessNext(message, pipeline);
        _ticksByTarget.AddOrUpdate(target, Stopwatch.GetTimestamp() - started, (_, n) => n + Stopwatch.GetTimestamp() - started);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var target = Count(message);
        var started = Stopwatch.GetTimestamp();
        await ProcessNextAsync(message, pipeline);
        var elapsed = Stopwatch.GetTimestamp() - started;
        _ticksByTarget.AddOrUpdate(target, elapsed, (_, n) => n + elapsed);
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_byTarget, StringComparer.Ordinal);

    /// <summary>Time spent waiting for storage so far, in milliseconds, by the same targets as <see cref="Snapshot"/>.</summary>
    public IReadOnlyDictionary<string, long> TimeSnapshot() =>
        _ticksByTarget.ToDictionary(kv => kv.Key, kv => kv.Value * 1000 / Stopwatch.Frequency, StringComparer.Ordinal);

    /// <summary>What was counted between two snapshots.</summary>
    public static Dictionary<string, long> Difference(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Select(kv => (kv.Key, Value: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(x => x.Value > 0)
            .ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);

    private string Count(HttpMessage message)
    {
        var request = message.Request;
        var path = request.Uri.Path.Trim('/');

        // Path: {account}/{table or queue}[(keys)][/messages…]; the account segment is dropped.
        var segments = path.Split('/', 3);
        var target = segments.Length > 1 ? segments[1] : segments[0];
        var paren = target.IndexOf('(', StringComparison.Ordinal);
        if (paren >= 0)
        {
            target = target[..paren];
        }

        var kind = segments.Length > 2 && segments[2].StartsWith("messages", StringComparison.Ordinal) ? "/messages" : "";
        var key = $"{request.Method} {target}{kind}";
        _byTarget.AddOrUpdate(key, 1, (_, n) => n + 1);
        // The queue listener's polling (GET …/messages, and the PUT {queue} that creates its queue) is left out, as in the reports.
        if (!IsPolling(key))
        {
            Interlocked.Add(ref _entityOperations, target == "$batch" ? OperationsIn(request) : 1);
        }

        return key;
    }

    /// <summary>A request of the queue listener's polling: a receive (GET …/messages) or the creation of a queue.</summary>
    public static bool IsPolling(string key) =>
        (key.StartsWith("GET ", StringComparison.Ordinal) && key.EndsWith("/messages", StringComparison.Ordinal))
        || BkOutreach.Core.Storage.StorageNames.Queues.SelectMany(q => new[] { q, q + "-poison" }).Any(q => key == "PUT " + q);

    /// <summary>The operations of a <c>$batch</c> request: one request line ("POST|PUT|MERGE|PATCH|DELETE http…") per entity.</summary>
    private static long OperationsIn(Request request)
    {
        if (request.Content is null)
        {
            return 1;
        }

        using var body = new MemoryStream();
        request.Content.WriteTo(body, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
        var count = 0L;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("POST http", StringComparison.Ordinal) || line.StartsWith("PUT http", StringComparison.Ordinal)
                || line.StartsWith("MERGE http", StringComparison.Ordinal) || line.StartsWith("PATCH http", StringComparison.Ordinal)
                || line.StartsWith("DELETE http", StringComparison.Ordinal))
            {
                count++;
            }
        }

        return Math.Max(1, count);
    }
}
