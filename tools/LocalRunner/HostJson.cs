using System.Text.Json.Nodes;

namespace BkOutreach.LocalRunner;

/// <summary>The parts of the function app's host.json the runner honours, with the host's defaults.</summary>
public sealed record HostJson(
    string RoutePrefix,
    int QueueBatchSize,
    int MaxDequeueCount,
    TimeSpan VisibilityTimeout,
    TimeSpan MaxPollingInterval,
    TimeSpan FunctionTimeout,
    long MaxRequestBodySize)
{
    /// <summary>
    /// How long a received message stays invisible while its function runs (the host's lease). If the
    /// runner cannot even release a failed message (storage down), it comes back after this; not a
    /// host.json setting, tests shorten it.
    /// </summary>
    public TimeSpan MessageLease { get; init; } = TimeSpan.FromMinutes(10);

    public static HostJson Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidOperationException($"{path} is empty.");
        var http = root["extensions"]?["http"];
        var queues = root["extensions"]?["queues"];
        return new HostJson(
            RoutePrefix: (string?)http?["routePrefix"] ?? "api",
            QueueBatchSize: (int?)queues?["batchSize"] ?? 16,
            MaxDequeueCount: (int?)queues?["maxDequeueCount"] ?? 5,
            VisibilityTimeout: Span(queues?["visibilityTimeout"], TimeSpan.Zero),
            MaxPollingInterval: Span(queues?["maxPollingInterval"], TimeSpan.FromMinutes(1)),
            FunctionTimeout: Span(root["functionTimeout"], TimeSpan.FromMinutes(30)),
            MaxRequestBodySize: (long?)http?["maxRequestBodySize"] ?? 100L * 1024 * 1024);
    }

    private static TimeSpan Span(JsonNode? node, TimeSpan fallback) =>
        node is null ? fallback : TimeSpan.Parse((string)node!, System.Globalization.CultureInfo.InvariantCulture);
}
