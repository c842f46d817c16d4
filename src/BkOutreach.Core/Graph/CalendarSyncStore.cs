using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>The calendar operation a booking still waits for.</summary>
public enum CalendarSyncKind
{
    None,
    Create,
    Update,
    Cancel,
}

public enum CalendarSyncStatus
{
    /// <summary>An operation waits (first try or a retry after a Graph failure).</summary>
    Pending,

    /// <summary>The counsellor's calendar shows the booking as it is now.</summary>
    Synced,

    /// <summary>The event was cancelled (or never made, when the booking was cancelled first).</summary>
    Cancelled,

    /// <summary>Given up after too many attempts; <see cref="CalendarSyncState.LastError"/> says why.</summary>
    Failed,
}

/// <summary>Where a booking stands with the counsellor's calendar: what the confirmation page and SMS read.</summary>
public sealed record CalendarSyncState(
    string BookingId,
    string? EventId,
    string? JoinUrl,
    CalendarSyncStatus Status,
    CalendarSyncKind PendingKind,
    int Attempts,
    Instant? NextAttemptAt,
    string? LastError);

/// <summary>
/// The calendar-sync outbox, table <c>calendarsync</c>: one row per booking (partition = booking id) with
/// the meeting as it should look (at which booking version), what is still to be done, and what Graph gave
/// back. The booking-event handler writes here and then has <see cref="CalendarSyncProcessor"/> carry the
/// operation out for that booking; a parent's request never waits on Graph. Successive changes of one
/// booking collapse into one operation on the latest meeting (a reschedule of a booking whose event does not
/// exist yet is still a create), and an older booking version arriving late changes nothing. Every write is
/// guarded by the row's ETag, so a booking change racing the processor is never lost.
/// </summary>
public sealed class CalendarSyncStore
{
    internal const string RowKey = "sync";

    private readonly StorageAccount _storage;
    private readonly TimeProvider _time;
    private readonly string _tableName;

    public CalendarSyncStore(StorageAccount storage, TimeProvider time)
        : this(storage, time, StorageNames.CalendarSyncTable)
    {
    }

    /// <summary>Tests give each test its own table, because the processor works through the whole table.</summary>
    internal CalendarSyncStore(StorageAccount storage, TimeProvider time, string tableName)
    {
        _storage = storage;
        _time = time;
        _tableName = tableName;
    }

    private TableClient Table => _storage.Table(_tableName);

    /// <summary>Schedules the booking's event to be created, or updated to <paramref name="meeting"/>. The same meeting twice changes nothing.</summary>
    /// <param name="bookingVersion">The booking version the meeting describes; a row already at a higher version is left alone.</param>
    public async Task ScheduleUpsertAsync(string upn, MeetingEvent meeting, int bookingVersion = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upn);
        GraphTableKeys.Check(meeting.BookingId, nameof(meeting.BookingId));
        while (true)
        {
            var now = Now();
            var current = await FindAsync(meeting.BookingId, cancellationToken);
            if (current is null)
            {
                var entry = new CalendarSyncEntry
                {
                    BookingId = meeting.BookingId,
                    Upn = upn,
                    Meeting = meeting,
                    Version = 1,
                    Kind = CalendarSyncKind.Create,
                    Status = CalendarSyncStatus.Pending,
                    NextAttemptAt = now,
                    BookingVersion = bookingVersion,
                };
                if (await TryInsertAsync(entry, cancellationToken))
                {
                    return;
                }

                continue;
            }

            // A cancellation is final (a new booking has a new id), and a late older version is stale.
            if (current.CancelRequested || current.BookingVersion > bookingVersion
                || (current.Meeting == meeting && string.Equals(current.Upn, upn, StringComparison.OrdinalIgnoreCase)))
            {
                return;
            }

            var changed = current with
            {
                Upn = upn,
                Meeting = meeting,
                BookingVersion = bookingVersion,
                Version = current.Version + 1,
                Kind = current.EventId is null ? CalendarSyncKind.Create : CalendarSyncKind.Update,
                Status = CalendarSyncStatus.Pending,
                Attempts = 0,
                NextAttemptAt = now,
                LastError = null,
            };
            if (await TryReplaceAsync(changed, cancellationToken) is not null)
            {
                return;
            }
        }
    }

    /// <summary>Schedules the booking's event to be cancelled. Nothing happens for a booking that never had one scheduled.</summary>
    public async Task ScheduleCancelAsync(string bookingId, string comment, CancellationToken cancellationToken = default)
    {
        GraphTableKeys.Check(bookingId, nameof(bookingId));
        while (true)
        {
            var current = await FindAsync(bookingId, cancellationToken);
            if (current is null || current.CancelRequested)
            {
                return;
            }

            var changed = current with
            {
                CancelRequested = true,
                CancelComment = comment,
                Version = current.Version + 1,
                Kind = CalendarSyncKind.Cancel,
                Status = CalendarSyncStatus.Pending,
                Attempts = 0,
                NextAttemptAt = Now(),
                LastError = null,
            };
            if (await TryReplaceAsync(changed, cancellationToken) is not null)
            {
                return;
            }
        }
    }

    /// <summary>The booking's calendar state, or null when no calendar sync was ever scheduled for it.</summary>
    public async Task<CalendarSyncState?> GetStateAsync(string bookingId, CancellationToken cancellationToken = default)
    {
        var entry = await FindAsync(GraphTableKeys.Check(bookingId, nameof(bookingId)), cancellationToken);
        return entry is null
            ? null
            : new CalendarSyncState(entry.BookingId, entry.EventId, entry.JoinUrl, entry.Status, entry.Kind, entry.Attempts, entry.NextAttemptAt, entry.LastError);
    }

    internal async Task<CalendarSyncEntry?> FindAsync(string bookingId, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(bookingId, RowKey, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } entity ? CalendarSyncEntry.FromEntity(entity) : null;
    }

    /// <summary>Writes the entry if the row still has the entry's ETag; returns the entry with its new ETag, or null when someone wrote first.</summary>
    internal async Task<CalendarSyncEntry?> TryReplaceAsync(CalendarSyncEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Table.UpdateEntityAsync(entry.ToEntity(Now()), entry.ETag, TableUpdateMode.Replace, cancellationToken);
            return entry with { ETag = response.Headers.ETag ?? ETag.All };
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return null;
        }
    }

    private async Task<bool> TryInsertAsync(CalendarSyncEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(entry.ToEntity(Now()), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    private Instant Now() => Instant.FromDateTimeOffset(_time.GetUtcNow());
}

/// <summary>One row of <c>calendarsync</c>. <see cref="Version"/> counts booking changes; <see cref="SyncedVersion"/> is the last one Graph has.</summary>
internal sealed record CalendarSyncEntry
{
    public required string BookingId { get; init; }

    public required string Upn { get; init; }

    public required MeetingEvent Meeting { get; init; }

    public int Version { get; init; }

    public int SyncedVersion { get; init; }

    /// <summary>The booking's own version (<see cref="Booking.Booking.Version"/>) the meeting describes.</summary>
    public int BookingVersion { get; init; }

    public CalendarSyncKind Kind { get; init; }

    public CalendarSyncStatus Status { get; init; }

    public bool CancelRequested { get; init; }

    public string? CancelComment { get; init; }

    /// <summary>Set before the first create is sent: from then on an event may exist even without an id here.</summary>
    public bool CreateAttempted { get; init; }

    public string? EventId { get; init; }

    public string? JoinUrl { get; init; }

    public int Attempts { get; init; }

    public Instant? NextAttemptAt { get; init; }

    public string? LastError { get; init; }

    public ETag ETag { get; init; } = ETag.All;

    public TableEntity ToEntity(Instant updatedAt) => new(BookingId, CalendarSyncStore.RowKey)
    {
        ["Upn"] = Upn,
        ["Start"] = Meeting.Start.ToDateTimeOffset(),
        ["End"] = Meeting.End.ToDateTimeOffset(),
        ["TimeZoneId"] = Meeting.TimeZoneId,
        ["Mode"] = Meeting.Mode.ToString(),
        ["GuardianInitials"] = Meeting.GuardianInitials,
        ["ClassName"] = Meeting.ClassName,
        ["Location"] = Meeting.Location,
        ["Version"] = Version,
        ["BookingVersion"] = BookingVersion,
        ["SyncedVersion"] = SyncedVersion,
        ["Kind"] = Kind.ToString(),
        ["Status"] = Status.ToString(),
        ["CancelRequested"] = CancelRequested,
        ["CancelComment"] = CancelComment,
        ["CreateAttempted"] = CreateAttempted,
        ["EventId"] = EventId,
        ["JoinUrl"] = JoinUrl,
        ["Attempts"] = Attempts,
        ["NextAttemptAt"] = NextAttemptAt?.ToDateTimeOffset(),
        ["LastError"] = LastError,
        ["UpdatedAt"] = updatedAt.ToDateTimeOffset(),
    };

    public static CalendarSyncEntry FromEntity(TableEntity e) => new()
    {
        BookingId = e.PartitionKey,
        Upn = e.GetString("Upn") ?? "",
        Meeting = new MeetingEvent(
            e.PartitionKey,
            Instant.FromDateTimeOffset(e.GetDateTimeOffset("Start") ?? DateTimeOffset.UnixEpoch),
            Instant.FromDateTimeOffset(e.GetDateTimeOffset("End") ?? DateTimeOffset.UnixEpoch),
            e.GetString("TimeZoneId") ?? "UTC",
            Enum.TryParse<MeetingMode>(e.GetString("Mode"), out var mode) ? mode : MeetingMode.InPerson,
            e.GetString("GuardianInitials") ?? "",
            e.GetString("ClassName") ?? "",
            e.GetString("Location")),
        Version = e.GetInt32("Version") ?? 0,
        BookingVersion = e.GetInt32("BookingVersion") ?? 0,
        SyncedVersion = e.GetInt32("SyncedVersion") ?? 0,
        Kind = Enum.TryParse<CalendarSyncKind>(e.GetString("Kind"), out var kind) ? kind : CalendarSyncKind.None,
        Status = Enum.TryParse<CalendarSyncStatus>(e.GetString("Status"), out var status) ? status : CalendarSyncStatus.Pending,
        CancelRequested = e.GetBoolean("CancelRequested") ?? false,
        CancelComment = e.GetString("CancelComment"),
        CreateAttempted = e.GetBoolean("CreateAttempted") ?? false,
        EventId = e.GetString("EventId"),
        JoinUrl = e.GetString("JoinUrl"),
        Attempts = e.GetInt32("Attempts") ?? 0,
        NextAttemptAt = e.GetDateTimeOffset("NextAttemptAt") is { } next ? Instant.FromDateTimeOffset(next) : null,
        LastError = e.GetString("LastError"),
        ETag = e.ETag,
    };
}
