namespace BkOutreach.Core.Calendar;

/// <summary>
/// Rendered feed bytes by their ETag, least recently used dropped first once <c>maxBytes</c> is passed. An
/// ETag names one exact content, so an entry never goes stale; it only stops being asked for.
/// </summary>
public sealed class RenderedBodies(long maxBytes)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, byte[] Body)>> _byKey = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, byte[] Body)> _recent = new();
    private readonly Lock _gate = new();
    private long _bytes;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byKey.Count;
            }
        }
    }

    /// <summary>The bytes kept for <paramref name="key"/>, or <paramref name="render"/>'s, which are then kept.</summary>
    public byte[] GetOrAdd(string key, Func<byte[]> render)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value.Body;
            }
        }

        // Rendered outside the lock: two requests may both render a new feed once, never block each other.
        var body = render();
        if (body.Length > maxBytes)
        {
            return body;
        }

        lock (_gate)
        {
            if (!_byKey.ContainsKey(key))
            {
                _byKey[key] = _recent.AddFirst((key, body));
                _bytes += body.Length;
                while (_bytes > maxBytes && _recent.Last is { } oldest)
                {
                    _recent.RemoveLast();
                    _byKey.Remove(oldest.Value.Key);
                    _bytes -= oldest.Value.Body.Length;
                }
            }
        }

        return body;
    }
}
