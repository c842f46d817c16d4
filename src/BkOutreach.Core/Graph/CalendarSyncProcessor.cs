using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>What one pass of <see cref="CalendarSyncProcessor.ProcessDueAsync"/> did.</summary>
public sealed record CalendarSyncRunSummary(int Due, int Succeeded, int Failed, int Skipped);

/// <summary>
/// Carries out the due operations of <see cref="CalendarSyncStore"/> through <see cref="ICounselorCalendar"/>.
/// Each row is first claimed (attempt counted, next attempt pushed out by a lease) so two timer instances
/// never work on the same booking at once and a crash mid-call is retried after the lease. A failed
/// call is retried with exponential backoff (1 min doubling to 1 h) and given up after
/// <see cref="MaxAttempts"/>. Repeating a create is safe: Graph's transactionId returns the event made first.
/// </summary>
public sealed partial class CalendarSyncProcessor(ICounselorCalendar calendar, CalendarSyncStore store, ILogger<CalendarSyncProcessor> logger)
{
    public const int MaxAttempts = 24;

    public const int BatchSize = 100;

    public static readonly Duration Lease = Duration.FromMinutes(5);

    private static readonly Duration FirstBackoff = Duration.FromMinutes(1);

    private static readonly Duration MaxBackoff = Duration.FromHours(1);

    /// <summary>Delay before attempt <paramref name="attempts"/> + 1, after <paramref name="attempts"/> failures.</summary>
    public static Duration BackoffAfter(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 10);
        var delay = FirstBackoff * Math.Pow(2, exponent);
        return delay < MaxBackoff ? delay : MaxBackoff;
    }

    public async Task<CalendarSyncRunSummary> ProcessDueAsync(Instant now, CancellationToken cancellationToken = default)
    {
        if (!calendar.IsEnabled)
        {
            return new CalendarSyncRunSummary(0, 0, 0, 0);
        }

        var due = await store.ListDueAsync(now, BatchSize, cancellationToken);
        int succeeded = 0, failed = 0, skipped = 0;
        foreach (var entry in due)
        {
            switch (await ProcessAsync(entry, now, cancellationToken))
            {
                case true:
                    succeeded++;
                    break;
                case false:
                    failed++;
                    break;
                default:
                    skipped++;
                    break;
            }
        }

        if (due.Count > 0)
        {
            LogRun(logger, due.Count, succeeded, failed, skipped);
        }

        return new CalendarSyncRunSummary(due.Count, succeeded, failed, skipped);
    }

    /// <summary>True when done, false when it failed, null when another writer got the row first.</summary>
    private async Task<bool?> ProcessAsync(CalendarSyncEntry entry, Instant now, CancellationToken cancellationToken)
    {
        var needsCreate = entry.EventId is null && (!entry.CancelRequested || entry.CreateAttempted);
        var claimed = await store.TryReplaceAsync(
            entry with
            {
                Attempts = entry.Attempts + 1,
                NextAttemptAt = now + Lease,
                CreateAttempted = entry.CreateAttempted || needsCreate,
            },
            cancellationToken);
        if (claimed is null)
        {
            return null;
        }

        string? eventId = claimed.EventId;
        string? joinUrl = claimed.JoinUrl;
        try
        {
            if (needsCreate)
            {
                var created = await calendar.CreateEventAsync(claimed.Upn, claimed.Meeting, cancellationToken);
                (eventId, joinUrl) = (created.EventId, created.JoinUrl);
            }
            else if (eventId is not null && !claimed.CancelRequested)
            {
                var updated = await calendar.UpdateEventAsync(claimed.Upn, eventId, claimed.Meeting, cancellationToken);
                joinUrl = updated.JoinUrl ?? joinUrl;
            }

            if (claimed.CancelRequested && eventId is not null)
            {
                await calendar.CancelEventAsync(claimed.Upn, eventId, claimed.CancelComment ?? "", cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var error = ex is CounselorCalendarException cal
                ? $"{cal.Operation}: {cal.ErrorCode}{(cal.StatusCode is { } s ? $" (HTTP {s})" : "")}"
                : ex.GetType().Name;
            await SaveAsync(claimed, latest => Failed(latest, claimed, eventId, joinUrl, error, now), cancellationToken);
            LogFailed(logger, claimed.BookingId, claimed.Kind, claimed.Attempts, error);
            return false;
        }

        await SaveAsync(claimed, latest => Succeeded(latest, claimed, eventId, joinUrl, now), cancellationToken);
        LogSucceeded(logger, claimed.BookingId, claimed.Kind);
        return true;
    }

    private static CalendarSyncEntry Succeeded(CalendarSyncEntry latest, CalendarSyncEntry claimed, string? eventId, string? joinUrl, Instant now)
    {
        var merged = latest with { EventId = eventId ?? latest.EventId, JoinUrl = joinUrl ?? latest.JoinUrl, SyncedVersion = claimed.Version };
        if (latest.Version != claimed.Version)
        {
            return ChangedMeanwhile(merged, now);
        }

        return merged with
        {
            Kind = CalendarSyncKind.None,
            Status = latest.CancelRequested ? CalendarSyncStatus.Cancelled : CalendarSyncStatus.Synced,
            Attempts = 0,
            NextAttemptAt = null,
            LastError = null,
        };
    }

    private static CalendarSyncEntry Failed(CalendarSyncEntry latest, CalendarSyncEntry claimed, string? eventId, string? joinUrl, string error, Instant now)
    {
        var merged = latest with { EventId = eventId ?? latest.EventId, JoinUrl = joinUrl ?? latest.JoinUrl, LastError = error };
        if (latest.Version != claimed.Version)
        {
            return ChangedMeanwhile(merged, now);
        }

        return claimed.Attempts >= MaxAttempts
            ? merged with { Status = CalendarSyncStatus.Failed, NextAttemptAt = null }
            : merged with { Status = CalendarSyncStatus.Pending, NextAttemptAt = now + BackoffAfter(claimed.Attempts) };
    }

    /// <summary>The booking changed while Graph was called: the newer change is due now, from a fresh attempt count.</summary>
    private static CalendarSyncEntry ChangedMeanwhile(CalendarSyncEntry merged, Instant now) => merged with
    {
        Kind = merged.CancelRequested ? CalendarSyncKind.Cancel : merged.EventId is null ? CalendarSyncKind.Create : CalendarSyncKind.Update,
        Status = CalendarSyncStatus.Pending,
        Attempts = 0,
        NextAttemptAt = now,
    };

    /// <summary>Applies the outcome to the row as it is now, re-reading it when a booking change wrote in between.</summary>
    private async Task SaveAsync(CalendarSyncEntry claimed, Func<CalendarSyncEntry, CalendarSyncEntry> outcome, CancellationToken cancellationToken)
    {
        var latest = claimed;
        while (true)
        {
            if (await store.TryReplaceAsync(outcome(latest), cancellationToken) is not null)
            {
                return;
            }

            latest = await store.FindAsync(claimed.BookingId, cancellationToken)
                ?? throw new InvalidOperationException("A calendar-sync row disappeared while it was processed.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Calendar sync {Kind} done for booking {BookingId}")]
    private static partial void LogSucceeded(ILogger logger, string bookingId, CalendarSyncKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Calendar sync {Kind} failed for booking {BookingId} (attempt {Attempt}): {Error}; retried later")]
    private static partial void LogFailed(ILogger logger, string bookingId, CalendarSyncKind kind, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Calendar sync pass: {Due} due, {Succeeded} done, {Failed} failed, {Skipped} skipped")]
    private static partial void LogRun(ILogger logger, int due, int succeeded, int failed, int skipped);
}
