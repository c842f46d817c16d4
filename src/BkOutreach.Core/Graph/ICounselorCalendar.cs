using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>
/// The counsellor's own calendar (Microsoft 365 through Graph when configured). Failures surface as
/// <see cref="CounselorCalendarException"/>; callers that must not fail (booking) go through
/// <see cref="CalendarSyncStore"/> instead of calling this directly.
/// </summary>
public interface ICounselorCalendar
{
    /// <summary>False when Graph is not configured: nothing is read or written.</summary>
    bool IsEnabled { get; }

    /// <summary>Busy, tentative, out-of-office and working-elsewhere time in [from, to), clipped to it.</summary>
    Task<IReadOnlyList<BusyInterval>> GetBusyAsync(string upn, Instant from, Instant to, CancellationToken cancellationToken);

    /// <summary>Creates the event; a repeat for the same booking returns the first event (transaction id).</summary>
    Task<CalendarEventRef> CreateEventAsync(string upn, MeetingEvent meeting, CancellationToken cancellationToken);

    /// <summary>Moves or changes the event; the join URL can appear when the meeting became online.</summary>
    Task<CalendarEventRef> UpdateEventAsync(string upn, string eventId, MeetingEvent meeting, CancellationToken cancellationToken);

    /// <summary>Cancels the event; an event that is already gone counts as cancelled.</summary>
    Task CancelEventAsync(string upn, string eventId, string comment, CancellationToken cancellationToken);
}

/// <summary>Registered when Graph is off: reports no busy time and refuses writes.</summary>
public sealed class NoCounselorCalendar : ICounselorCalendar
{
    public static NoCounselorCalendar Instance { get; } = new();

    public bool IsEnabled => false;

    public Task<IReadOnlyList<BusyInterval>> GetBusyAsync(string upn, Instant from, Instant to, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BusyInterval>>([]);

    public Task<CalendarEventRef> CreateEventAsync(string upn, MeetingEvent meeting, CancellationToken cancellationToken) =>
        throw Disabled();

    public Task<CalendarEventRef> UpdateEventAsync(string upn, string eventId, MeetingEvent meeting, CancellationToken cancellationToken) =>
        throw Disabled();

    public Task CancelEventAsync(string upn, string eventId, string comment, CancellationToken cancellationToken) =>
        throw Disabled();

    private static InvalidOperationException Disabled() =>
        new("Microsoft Graph is not configured (Graph__Enabled is false); check ICounselorCalendar.IsEnabled first.");
}

/// <summary>
/// A calendar call that failed after the transport's own retries. <see cref="ErrorCode"/> and
/// <see cref="StatusCode"/> are safe to log; the message never contains the mailbox.
/// </summary>
public sealed class CounselorCalendarException : Exception
{
    public CounselorCalendarException(string operation, string errorCode, int? statusCode, Exception? inner = null)
        : base($"Calendar {operation} failed: {errorCode}{(statusCode is { } s ? $" (HTTP {s})" : "")}", inner)
    {
        Operation = operation;
        ErrorCode = errorCode;
        StatusCode = statusCode;
    }

    public string Operation { get; }

    public string ErrorCode { get; }

    public int? StatusCode { get; }
}
