namespace BkOutreach.Core.Health;

/// <summary>One queue listener as health shows it: <c>listening</c>, <c>retrying</c> (storage failing) or <c>stopped</c>.</summary>
public sealed record ListenerHealth(string Queue, string State, DateTimeOffset? LastPolledAt, string? Error)
{
    public bool Ok => State == QueueListeners.Listening;
}

/// <summary>
/// The queue listeners of a host that polls queues itself (the local runner; in Azure the Functions host
/// does and none are registered). A listener that ended while the host runs is dead and makes health
/// unhealthy; one that keeps failing to poll says so while it retries.
/// </summary>
public sealed class QueueListeners(TimeProvider time)
{
    public const string Listening = "listening";
    public const string Retrying = "retrying";
    public const string Stopped = "stopped";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ListenerHealth> _listeners = new(StringComparer.Ordinal);

    public IReadOnlyList<ListenerHealth> All => [.. _listeners.Values.OrderBy(l => l.Queue, StringComparer.Ordinal)];

    /// <remarks>A listener that ended stays stopped: nothing restarts it, so a late report from its last poll must not revive it in health.</remarks>
    public void Polled(string queue) =>
        _listeners.AddOrUpdate(queue, q => new ListenerHealth(q, Listening, time.GetUtcNow(), null), (q, old) => old.State == Stopped ? old : new ListenerHealth(q, Listening, time.GetUtcNow(), null));

    public void Failed(string queue, string error) =>
        _listeners.AddOrUpdate(queue, q => new ListenerHealth(q, Retrying, null, error), (_, old) => old.State == Stopped ? old : old with { State = Retrying, Error = error });

    public void Ended(string queue, string error) =>
        _listeners.AddOrUpdate(queue, q => new ListenerHealth(q, Stopped, null, error), (_, old) => old with { State = Stopped, Error = error });
}
