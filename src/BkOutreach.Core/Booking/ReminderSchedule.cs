using System.Globalization;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Booking;

/// <summary>A reminder waiting in <see cref="ReminderSchedule"/>.</summary>
public sealed record DueReminder(string BookingId, string Kind, long StartUnixSeconds, DateTimeOffset DueAt, string PartitionKey, string RowKey, ETag ETag)
{
    /// <summary>The SMS key: once per booking, meeting time and reminder kind.</summary>
    public string SmsKey => $"reminder:{BookingId}:{StartUnixSeconds.ToString(CultureInfo.InvariantCulture)}:{Kind}";
}

/// <summary>
/// When each reminder is due, table <c>reminderschedule</c>: partition = the due minute (UTC,
/// <c>yyyyMMddHHmm</c>), row = booking, kind and meeting start. The booking-event handler writes a meeting's
/// reminders when it is booked or moved; the reminder timer reads the partitions up to now — only what is
/// due, however many meetings are booked — and removes each row once handled. A row of a meeting that moved
/// or was cancelled since is recognised by its start and dropped.
/// </summary>
public sealed class ReminderSchedule(StorageAccount storage)
{
    /// <summary>24 h and 2 h before, moved earlier (never later) out of quiet hours.</summary>
    public static readonly IReadOnlyList<(string Kind, Duration Before)> Reminders = [("24h", Duration.FromHours(24)), ("2h", Duration.FromHours(2))];

    private const int MaxPerRun = 500;

    private TableClient Table => storage.Table(StorageNames.ReminderScheduleTable);

    /// <summary>Writes the meeting's reminders that are still ahead of when it was booked (a meeting booked 3 h ahead gets only the 2 h one).</summary>
    public async Task ScheduleAsync(SchoolSettings school, Booking booking, CancellationToken cancellationToken)
    {
        var start = Instant.FromDateTimeOffset(booking.Start);
        var changed = Instant.FromDateTimeOffset(booking.UpdatedAt);
        var rows = new List<TableEntity>();
        foreach (var (kind, before) in Reminders)
        {
            var due = SendingWindow.LatestOpeningAtOrBefore(school, start - before);
            if (due >= changed && due < start)
            {
                rows.Add(Row(booking.Id, kind, booking.Start.ToUnixTimeSeconds(), due));
            }
        }

        // Each row is in its own due minute's partition (no transaction can hold them), so they go at once.
        await Task.WhenAll(rows.Select(row => Table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken)));
    }

    /// <summary>The reminders due at or before <paramref name="now"/>: one query over the partitions up to now's minute.</summary>
    public async Task<IReadOnlyList<DueReminder>> ListDueAsync(Instant now, CancellationToken cancellationToken)
    {
        var upTo = Minute(now);
        var due = new List<DueReminder>();
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo(upTo) <= 0, maxPerPage: MaxPerRun, cancellationToken: cancellationToken))
        {
            due.Add(new DueReminder(
                row.GetString("BookingId") ?? "",
                row.GetString("Kind") ?? "",
                row.GetInt64("Start") ?? 0,
                row.GetDateTimeOffset("DueAt") ?? DateTimeOffset.UnixEpoch,
                row.PartitionKey,
                row.RowKey,
                row.ETag));
            if (due.Count >= MaxPerRun)
            {
                break;
            }
        }

        return due;
    }

    /// <summary>Removes a handled row (another timer removing it first is fine).</summary>
    public async Task RemoveAsync(DueReminder reminder, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(reminder.PartitionKey, reminder.RowKey, reminder.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
        }
    }

    /// <summary>Moves a reminder that met quiet hours to <paramref name="due"/>.</summary>
    public async Task MoveAsync(DueReminder reminder, Instant due, CancellationToken cancellationToken)
    {
        await Table.UpsertEntityAsync(Row(reminder.BookingId, reminder.Kind, reminder.StartUnixSeconds, due), TableUpdateMode.Replace, cancellationToken);
        await RemoveAsync(reminder, cancellationToken);
    }

    private static TableEntity Row(string bookingId, string kind, long start, Instant due) =>
        new(Minute(due), $"{bookingId}|{kind}|{start.ToString(CultureInfo.InvariantCulture)}")
        {
            ["BookingId"] = bookingId,
            ["Kind"] = kind,
            ["Start"] = start,
            ["DueAt"] = due.ToDateTimeOffset(),
        };

    /// <summary>A due-minute partition key (UTC, <c>yyyyMMddHHmm</c>); the campaign due index uses the same.</summary>
    internal static string Minute(Instant t) => t.InUtc().LocalDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
}
