using BkOutreach.Core.Schools;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Booking;

/// <summary>
/// The slow safety net of the booking outbox: queues again every booking whose outbox row has waited longer
/// than <see cref="PendingFor"/> and is not held by a handler — a message lost between commit and enqueue
/// (the instance stopped), a provider that was down, a handler that crashed. It reads each counsellor's
/// partition for its pending rows only (<c>e|</c> rows exist only while pending), never the whole table.
/// </summary>
public sealed partial class BookingEventSweep(SchoolDirectory directory, BookingStore bookings, BookingEventQueue queue, TimeProvider time, ILogger<BookingEventSweep> logger)
{
    public static readonly TimeSpan PendingFor = TimeSpan.FromMinutes(1);

    /// <summary>Returns how many bookings were queued again.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var queued = 0;
        foreach (var schoolId in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            foreach (var counselor in await directory.ListCounselorsAsync(schoolId, cancellationToken))
            {
                var stale = (await bookings.ListPendingEventsAsync(schoolId, counselor.Id, cancellationToken))
                    .Where(e => e.Event.FirstAttemptAt <= now - PendingFor && (e.LeaseUntil is null || e.LeaseUntil <= now))
                    .Select(e => e.Event.BookingId)
                    .Distinct(StringComparer.Ordinal)
                    .ToList();
                if (stale.Count > 0)
                {
                    // A counsellor's stale bookings in as few messages as they fit in.
                    await queue.SendAsync(stale, cancellationToken);
                    queued += stale.Count;
                }
            }
        }

        if (queued > 0)
        {
            LogQueued(logger, queued);
        }

        return queued;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking outbox sweep: {Count} booking(s) with pending changes queued again")]
    private static partial void LogQueued(ILogger logger, int count);
}
