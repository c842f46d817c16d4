using System.Text.Json;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Booking;

/// <summary>
/// Puts a booking id on the <see cref="BookingQueues.EventsQueue"/> once its change has committed. The send
/// runs off the caller's request (the parent's answer does not wait for it); a message lost here (the
/// instance stopped, the queue did not answer) costs only time: <see cref="BookingEventSweep"/> finds the
/// outbox row still pending and enqueues it again.
/// </summary>
public sealed partial class BookingEventQueue(StorageAccount storage, ILogger<BookingEventQueue> logger)
{
    public void NotifySoon(string bookingId)
    {
        // No request context flows into the send: it outlives the request that committed the change.
        if (ExecutionContext.IsFlowSuppressed())
        {
            _ = Task.Run(() => SendQuietlyAsync(bookingId));
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => SendQuietlyAsync(bookingId));
        }
    }

    /// <summary>How long a booking whose next event another handler holds waits before it is looked at again.</summary>
    public static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(10);

    /// <summary>Enqueues now (the sweep, tests).</summary>
    public async Task SendAsync(string bookingId, CancellationToken cancellationToken) =>
        await storage.Queue(BookingQueues.EventsQueue).SendMessageAsync(JsonSerializer.Serialize(new BookingEventMessage(bookingId), StorageJson.Options), cancellationToken);

    /// <summary>
    /// Enqueues the booking again, visible after <see cref="BusyRetry"/>: another handler held its next event,
    /// and that handler carries out only the events it listed when it began, so one committed meanwhile
    /// would otherwise wait for the sweep.
    /// </summary>
    public async Task SendLaterAsync(string bookingId, CancellationToken cancellationToken) =>
        await storage.Queue(BookingQueues.EventsQueue).SendMessageAsync(JsonSerializer.Serialize(new BookingEventMessage(bookingId), StorageJson.Options), visibilityTimeout: BusyRetry, cancellationToken: cancellationToken);

    private async Task SendQuietlyAsync(string bookingId)
    {
        try
        {
            await SendAsync(bookingId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogNotQueued(logger, bookingId, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Booking {BookingId}: change committed but not queued ({ErrorType}); the sweep will queue it")]
    private static partial void LogNotQueued(ILogger logger, string bookingId, string errorType);
}
