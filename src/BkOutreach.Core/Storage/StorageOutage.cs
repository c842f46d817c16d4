using Azure;

namespace BkOutreach.Core.Storage;

/// <summary>
/// Tells a storage outage (nothing answers, or the service says it is busy) from a bug, and remembers a
/// recent one: while storage is down every HTTP route answers 503 with <c>Retry-After</c> at once instead of
/// each request waiting out the SDK's retries (5-6 s) and answering 500. One request is let through again
/// after <see cref="RetryAfter"/>, and its success or failure decides the next answers.
/// </summary>
public sealed class StorageOutage(TimeProvider time)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private long _downSince = -1;

    /// <summary>Whether requests should be answered 503 without trying storage now.</summary>
    public bool IsDown
    {
        get
        {
            var since = Interlocked.Read(ref _downSince);
            return since >= 0 && time.GetElapsedTime(since) < RetryAfter;
        }
    }

    /// <summary>Storage failed with an outage: answer 503 for the next <see cref="RetryAfter"/>.</summary>
    public void Down() => Interlocked.Exchange(ref _downSince, time.GetTimestamp());

    /// <summary>A request got through: storage answers again.</summary>
    public void Up() => Interlocked.Exchange(ref _downSince, -1);

    /// <summary>
    /// The SDK's errors when storage cannot be reached or is overloaded: no response (status 0), 500/503
    /// from the service, an HTTP failure, and the <see cref="AggregateException"/> its retry policy throws
    /// when every attempt failed that way.
    /// </summary>
    public static bool IsOutage(Exception? exception) => exception switch
    {
        null => false,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsOutage),
        RequestFailedException failed => failed.Status is 0 or 500 or 503,
        HttpRequestException => true,

        // Not IOException: Kestrel's "request body too large" is one, and it must stay a 413.
        _ => false,
    };

    /// <summary>
    /// Whether the outage says storage cannot be reached at all (no response, an HTTP failure): only that puts
    /// every route on 503 for <see cref="RetryAfter"/>. A 500 or 503 the service answered fails just its own
    /// request with a 503, so one busy moment of the service does not turn parents away for five seconds.
    /// </summary>
    public static bool IsUnreachable(Exception? exception) => exception switch
    {
        null => false,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsUnreachable),
        RequestFailedException failed => failed.Status is 0,
        HttpRequestException => true,
        _ => false,
    };
}
