using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>
/// Carries out the pending operation of one booking's <see cref="CalendarSyncStore"/> row through
/// <see cref="ICounselorCalendar"/>, for the booking-event handler (no scan of the table: the handler knows
/// the booking). The row is first claimed (attempt counted, next attempt pushed out by a lease) so two
/// handlers never work on the same booking at once and a crash mid-call is retried after the lease. A failed
/// call is retried with exponential backoff (1 min doubling to 1 h) and given up after
/// <see cref="MaxAttempts"/>. Repeating a create is safe: Graph's transactionId returns the event made first.
/// </summary>
public sealed partial class CalendarSyncProcessor(ICounselorCalendar calendar, CalendarSyncStore store, ILogger<CalendarSyncProcessor> logger)
{
    public const int MaxAttempts = 24;

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

    /// <summary>
    /// Does the booking's pending calendar operation if it is due. True when the calendar needs nothing more
    /// (done, nothing pending, or given up after <see cref="MaxAttempts"/>); false when it must be tried again
    /// later (Graph failed, backing off, or another handler holds the row).
    /// </summary>
    public async Task<bool> ProcessBookingAsync(string bookingId, Instant now, CancellationToken cancellationToken = default)
    {
        if (!calendar.IsEnabled)
        {
            return true;
        }

        var entry = await store.FindAsync(bookingId, cancellationToken);
        if (entry is null || entry.Status != CalendarSyncStatus.Pending)
        {
            return true;
        }

        if (entry.NextAttemptAt is { } next && next > now)
        {
            return false;
        }

        var outcome = await ProcessAsync(entry, now, cancellationToken);
        if (outcome == true)
        {
            // Done, unless the booking changed during the call (then it is pending again, due now).
            return (await store.FindAsync(bookingId, cancellationToken))?.Status != CalendarSyncStatus.Pending;
        }

        return outcome == false && (await store.FindAsync(bookingId, cancellationToken))?.Status == CalendarSyncStatus.Failed;
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
}
