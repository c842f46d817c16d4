using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>What one busy-time sync did. Failures name our ids and Graph's error code, never a mailbox.</summary>
public sealed record BusyTimeSyncSummary(bool CalendarEnabled, int Synced, int Intervals, IReadOnlyList<BusyTimeSyncFailure> Failures)
{
    public int Failed => Failures.Count;
}

public sealed record BusyTimeSyncFailure(string SchoolId, string CounselorId, string ErrorCode, int? StatusCode);

/// <summary>
/// Reads each counsellor's free/busy for [now, now + horizon] and keeps it in <see cref="BusyTimeStore"/>,
/// so slot pages never wait on Graph. One counsellor's failure is logged and the others still sync; the
/// stored busy time of the failed one stays as the last good read.
/// </summary>
public sealed partial class BusyTimeSync(ICounselorCalendar calendar, BusyTimeStore store, TimeProvider time, ILogger<BusyTimeSync> logger)
{
    public async Task<BusyTimeSyncSummary> SyncAsync(IEnumerable<CounselorMailbox> counselors, Duration horizon, CancellationToken cancellationToken)
    {
        if (!calendar.IsEnabled)
        {
            return new BusyTimeSyncSummary(false, 0, 0, []);
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var step = Duration.FromMinutes(GraphCounselorCalendar.AvailabilityViewIntervalMinutes);
        var from = Instant.FromUnixTimeTicks(now.ToUnixTimeTicks() - (now.ToUnixTimeTicks() % step.BclCompatibleTicks));
        var to = now + horizon;

        var synced = 0;
        var intervals = 0;
        var failures = new List<BusyTimeSyncFailure>();
        foreach (var counselor in counselors)
        {
            if (string.IsNullOrWhiteSpace(counselor.Upn))
            {
                continue;
            }

            try
            {
                var busy = await calendar.GetBusyAsync(counselor.Upn, from, to, cancellationToken);
                await store.ReplaceAsync(counselor.SchoolId, counselor.CounselorId, from, to, busy, now, cancellationToken);
                synced++;
                intervals += busy.Count;
                LogSynced(logger, counselor.SchoolId, counselor.CounselorId, busy.Count);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var (code, status) = ex is CounselorCalendarException cal ? (cal.ErrorCode, cal.StatusCode) : (ex.GetType().Name, (int?)null);
                failures.Add(new BusyTimeSyncFailure(counselor.SchoolId, counselor.CounselorId, code, status));
                LogFailed(logger, counselor.SchoolId, counselor.CounselorId, code, status);
            }
        }

        LogDone(logger, synced, failures.Count, intervals);
        return new BusyTimeSyncSummary(true, synced, intervals, failures);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Busy time read for {SchoolId}/{CounselorId}: {Intervals} intervals")]
    private static partial void LogSynced(ILogger logger, string schoolId, string counselorId, int intervals);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Busy time not read for {SchoolId}/{CounselorId}: {ErrorCode} (HTTP {StatusCode}); keeping the last stored read")]
    private static partial void LogFailed(ILogger logger, string schoolId, string counselorId, string errorCode, int? statusCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Busy-time sync done: {Synced} counsellors read, {Failed} failed, {Intervals} busy intervals")]
    private static partial void LogDone(ILogger logger, int synced, int failed, int intervals);
}
