namespace BkOutreach.Core.Storage;

/// <summary>
/// Documents read from storage a moment ago, kept in this process for <see cref="For"/> so that a parent
/// opening and using a link does not read the same school, campaign, guardian and counsellors on every
/// request. Only for what rarely changes and decides nothing about a seat: seats and holds are guarded by
/// the seat transaction (what a booking request saw of them is kept by <see cref="Booking.SeatViews"/>, not
/// here). The store that writes a document forgets it here at once, so a change made through this process
/// shows on the next request; a change made by another instance shows after <see cref="For"/> at the latest. The clock is the injected one, so tests can move past it.
/// </summary>
public sealed class RecentReads(TimeProvider time)
{
    /// <summary>How long a document read is used again: short, because other instances do not tell us of their writes.</summary>
    public static readonly TimeSpan For = TimeSpan.FromSeconds(30);

    /// <summary>Past this many documents the stale ones are dropped (guardians would otherwise pile up in a long-lived instance).</summary>
    private const int MaxEntries = 20_000;

    private readonly Dictionary<string, (object Value, DateTimeOffset ReadAt)> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    // Moves on every Forget: a read that started before a write must not put the old document back.
    private long _generation;

    /// <summary>The document read within <see cref="For"/>, or <paramref name="read"/>'s answer (kept unless null).</summary>
    public Task<T?> GetAsync<T>(string key, Func<CancellationToken, Task<T?>> read, CancellationToken cancellationToken)
        where T : class =>
        GetAsync(key, read, useKept: true, cancellationToken);

    /// <summary>Always <paramref name="read"/>'s answer, kept (unless null) for the next <see cref="GetAsync{T}(string, Func{CancellationToken, Task{T}}, CancellationToken)"/>.</summary>
    public Task<T?> ReadAndKeepAsync<T>(string key, Func<CancellationToken, Task<T?>> read, CancellationToken cancellationToken)
        where T : class =>
        GetAsync(key, read, useKept: false, cancellationToken);

    private async Task<T?> GetAsync<T>(string key, Func<CancellationToken, Task<T?>> read, bool useKept, CancellationToken cancellationToken)
        where T : class
    {
        long generation;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (useKept && _entries.TryGetValue(key, out var entry) && entry.Value is T value && Fresh(entry.ReadAt, now))
            {
                return value;
            }

            generation = _generation;
        }

        var document = await read(cancellationToken);
        if (document is not null)
        {
            lock (_gate)
            {
                if (_generation == generation)
                {
                    if (_entries.Count >= MaxEntries)
                    {
                        Prune(now);
                    }

                    _entries[key] = (document, now);
                }
            }
        }

        return document;
    }

    /// <summary>Drops a document after a write, so the next read goes to storage.</summary>
    public void Forget(string key)
    {
        lock (_gate)
        {
            _generation++;
            _entries.Remove(key);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var stale in _entries.Where(e => !Fresh(e.Value.ReadAt, now)).Select(e => e.Key).ToList())
        {
            _entries.Remove(stale);
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
    }

    private static bool Fresh(DateTimeOffset readAt, DateTimeOffset now) => now >= readAt && now - readAt < For;
}
