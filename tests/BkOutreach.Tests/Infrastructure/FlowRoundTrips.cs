using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace BkOutreach.Tests.Infrastructure;

/// <summary>
/// Counts the storage requests (each retry too) made in flows marked with <see cref="Counting"/>, by method and
/// table (<c>GET bookings</c>, <c>POST $batch</c>, …): register it per runner as a per-retry
/// <c>StoragePipelinePolicy</c> and mark the flow to be counted (a request, a handler call).
/// </summary>
public sealed class FlowRoundTrips : HttpPipelinePolicy
{
    /// <summary>Set in the flow whose storage requests are counted (it flows into the awaits below it).</summary>
    public static readonly AsyncLocal<bool> Counting = new();

    public ConcurrentDictionary<string, int> Counted { get; } = new(StringComparer.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Count(HttpMessage message)
    {
        if (!Counting.Value)
        {
            return;
        }

        // Path: /{account}/{table}[(keys)] on Azurite; the table name is what matters.
        var segments = message.Request.Uri.Path.Trim('/').Split('/');
        var target = segments.Length > 1 ? segments[1] : segments[0];
        var paren = target.IndexOf('(', StringComparison.Ordinal);
        Counted.AddOrUpdate($"{message.Request.Method} {(paren >= 0 ? target[..paren] : target)}", 1, (_, n) => n + 1);
    }
}
