using System.Text.Json;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Booking;

/// <summary>
/// Puts booking ids on the <see cref="BookingQueues.EventsQueue"/> once their changes have committed. The send
/// runs off the caller's request (the parent's answer does not wait for it) and gathers for
/// <see cref="Gather"/>: the bookings this instance committed meanwhile go out as one message (at most
/// <see cref="MaxPerMessage"/> ids each), so under load a queue message carries many bookings instead of one
/// each, and a booking changed twice in that time is named once. Every commit is followed by a send that
/// begins after it, so the handler's listing of the outbox rows sees it. A message lost here (the instance
/// stopped within the gathering time, the queue did not answer) costs only time: <see cref="BookingEventSweep"/>
/// finds the outbox row still pending and enqueues it again.
/// </summary>
public sealed partial class BookingEventQueue(StorageAccount storage, ILogger<BookingEventQueue> logger)
{
    /// <summary>How long committed bookings are gathered before their message goes.</summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    /// <summary>Most booking ids in one message (an id is under 100 characters; a message may hold 64 KiB).</summary>
    public const int MaxPerMessage = 100;

    /// <summary>How long a booking whose next event another handler holds waits before it is looked at again.</summary>
    public static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(10);

    /// <summary>The wait before a gathered send (tests hold it to gather deterministically).</summary>
    internal Func<Task> GatherWait { get; set; } = () => Task.Delay(Gather);

    private readonly Lock _gate = new();
    private List<string> _gathered = [];
    private bool _sending;

    public void NotifySoon(string bookingId)
    {
        lock (_gate)
        {
            if (!_gathered.Contains(bookingId, StringComparer.Ordinal))
            {
                _gathered.Add(bookingId);
            }

            if (_sending)
            {
                return;
            }

            _sending = true;
        }

        // No request context flows into the send: it outlives the request that committed the change.
        if (ExecutionContext.IsFlowSuppressed())
        {
            _ = Task.Run(SendGatheredAsync);
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(SendGatheredAsync);
        }
    }

    /// <summary>Enqueues now (tests).</summary>
    public async Task SendAsync(string bookingId, CancellationToken cancellationToken) =>
        await SendAsync([bookingId], null, cancellationToken);

    /// <summary>Enqueues these bookings now, <see cref="MaxPerMessage"/> to a message (the sweep).</summary>
    public async Task SendAsync(IReadOnlyList<string> bookingIds, CancellationToken cancellationToken) =>
        await SendAsync(bookingIds, null, cancellationToken);

    /// <summary>
    /// Enqueues these bookings again, visible after <see cref="BusyRetry"/>: another handler held their next
    /// event, and that handler carries out only the events it listed when it began, so one committed meanwhile
    /// would otherwise wait for the sweep.
    /// </summary>
    public async Task SendLaterAsync(IReadOnlyList<string> bookingIds, CancellationToken cancellationToken) =>
        await SendAsync(bookingIds, BusyRetry, cancellationToken);

    private async Task SendAsync(IReadOnlyList<string> bookingIds, TimeSpan? visibleAfter, CancellationToken cancellationToken)
    {
        foreach (var chunk in bookingIds.Chunk(MaxPerMessage))
        {
            await storage.Queue(BookingQueues.EventsQueue).SendMessageAsync(
                JsonSerializer.Serialize(BookingEventMessage.For(chunk), StorageJson.Options), visibilityTimeout: visibleAfter, cancellationToken: cancellationToken);
        }
    }

    private async Task SendGatheredAsync()
    {
        // Wall-clock time, not the app's clock: this is how long the instance waits, not a date of the school's.
        await GatherWait();
        List<string> ids;
        lock (_gate)
        {
            (ids, _gathered) = (_gathered, []);
            _sending = false;
        }

        try
        {
            await SendAsync(ids, null, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogNotQueued(logger, ids.Count, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} booking change(s) committed but not queued ({ErrorType}); the sweep will queue them")]
    private static partial void LogNotQueued(ILogger logger, int count, string errorType);
}
