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
        return key;
    }
}
