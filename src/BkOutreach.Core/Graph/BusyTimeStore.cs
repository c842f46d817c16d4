using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>
/// The counsellors' busy time as last read from their calendars, in table <c>busytimes</c>: partition
/// <c>{schoolId}|{counselorId}</c>, one row per UTC day (row key <c>yyyy-MM-dd</c>) holding that day's
/// intervals. A day row that exists with no intervals means "read, and free"; a missing row means "not
/// read". An interval crossing midnight is stored in pieces and joined again on read.
/// <see cref="GetRecentAsync"/> answers slot pages and bookings from a window read within
/// <see cref="RecentReads.For"/> (the rows only change when the sync timer reads Graph again);
/// <see cref="ReplaceAsync"/> forgets the counsellor's window.
/// </summary>
public sealed class BusyTimeStore(StorageAccount storage, TimeProvider? time = null)
{
    private const int MaxBatch = 100;

    /// <summary>Read past the asked end, so the window still covers a caller whose "now" (and so its end) moved on a little.</summary>
    private static readonly Duration RecentMargin = Duration.FromHours(1);

    private readonly RecentReads _recent = new(time ?? TimeProvider.System);

    private TableClient Table => storage.Table(StorageNames.BusyTimesTable);

    public static string PartitionFor(string schoolId, string counselorId) =>
        $"{GraphTableKeys.Check(schoolId, nameof(schoolId))}|{GraphTableKeys.Check(counselorId, nameof(counselorId))}";

    /// <summary>
    /// Replaces whatever was stored for [from, to) with <paramref name="intervals"/> (clipped to it); time
    /// outside the window keeps what an earlier read stored.
    /// </summary>
    public async Task ReplaceAsync(
        string schoolId,
        string counselorId,
        Instant from,
        Instant to,
        IReadOnlyList<BusyInterval> intervals,
        Instant fetchedAt,
        CancellationToken cancellationToken = default)
    {
        if (to <= from)
        {
            return;
        }

        var partition = PartitionFor(schoolId, counselorId);
        var actions = new List<TableTransactionAction>();
        for (var day = DayOf(from); DayStart(day) < to; day = day.PlusDays(1))
        {
            var dayStart = DayStart(day);
            var dayEnd = DayStart(day.PlusDays(1));
            var windowStart = from > dayStart ? from : dayStart;
            var windowEnd = to < dayEnd ? to : dayEnd;

            var pieces = new List<BusyInterval>();
            if (windowStart > dayStart || windowEnd < dayEnd)
            {
                foreach (var kept in await ReadDayAsync(partition, day, cancellationToken))
                {
                    AddClipped(pieces, kept, dayStart, windowStart);
                    AddClipped(pieces, kept, windowEnd, dayEnd);
                }
            }

            foreach (var interval in intervals)
            {
                AddClipped(pieces, interval, windowStart, windowEnd);
            }

            var entity = new TableEntity(partition, RowKeyFor(day))
            {
                ["Intervals"] = Serialize(pieces),
                ["FetchedAt"] = fetchedAt.ToDateTimeOffset(),
            };
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
        }

        try
        {
            foreach (var chunk in actions.Chunk(MaxBatch))
            {
                await Table.SubmitTransactionAsync(chunk, cancellationToken);
            }
        }
        finally
        {
            _recent.Forget(partition);
        }
    }

    /// <summary>
    /// As <see cref="GetAsync"/>, from the counsellor's window read within <see cref="RecentReads.For"/> when
    /// it covers [from, to); busy time is synced from Graph on a timer, so a few seconds more are harmless.
    /// </summary>
    public async Task<IReadOnlyList<BusyInterval>> GetRecentAsync(
        string schoolId,
        string counselorId,
        Instant from,
        Instant to,
        CancellationToken cancellationToken = default)
    {
        if (to <= from)
        {
            return [];
        }

        var key = PartitionFor(schoolId, counselorId);
        var window = await ReadWindowAsync(key, schoolId, counselorId, from, to, cancellationToken);
        if (window.From > from || window.To < to)
        {
            // Another range than the remembered one (a longer horizon): read it and remember it instead.
            _recent.Forget(key);
            window = await ReadWindowAsync(key, schoolId, counselorId, from, to, cancellationToken);
        }

        var clipped = new List<BusyInterval>();
        foreach (var interval in window.Intervals)
        {
            AddClipped(clipped, interval, from, to);
        }

        return clipped;
    }

    /// <summary>Stored busy intervals within [from, to), clipped to it and joined across day boundaries, in order.</summary>
    public async Task<IReadOnlyList<BusyInterval>> GetAsync(
        string schoolId,
        string counselorId,
        Instant from,
        Instant to,
        CancellationToken cancellationToken = default)
    {
        if (to <= from)
        {
            return [];
        }

        var partition = PartitionFor(schoolId, counselorId);
        var firstKey = RowKeyFor(DayOf(from));
        var lastKey = RowKeyFor(DayOf(to - Duration.Epsilon));
        var pieces = new List<BusyInterval>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {firstKey} and RowKey le {lastKey}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            pieces.AddRange(Deserialize(row.GetString("Intervals")));
        }

        var clipped = new List<BusyInterval>();
        foreach (var interval in Join(pieces))
        {
            AddClipped(clipped, interval, from, to);
        }

        return clipped;
    }

    private async Task<BusyWindow> ReadWindowAsync(string key, string schoolId, string counselorId, Instant from, Instant to, CancellationToken cancellationToken) =>
        (await _recent.GetAsync(
            key,
            async ct => new BusyWindow(from, to + RecentMargin, await GetAsync(schoolId, counselorId, from, to + RecentMargin, ct)),
            cancellationToken))!;

    private async Task<IReadOnlyList<BusyInterval>> ReadDayAsync(string partition, LocalDate day, CancellationToken cancellationToken)
    {
        try
        {
            var row = await Table.GetEntityAsync<TableEntity>(partition, RowKeyFor(day), cancellationToken: cancellationToken);
            return Deserialize(row.Value.GetString("Intervals"));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }

    private static void AddClipped(List<BusyInterval> into, BusyInterval interval, Instant start, Instant end)
    {
        var s = interval.Start > start ? interval.Start : start;
        var e = interval.End < end ? interval.End : end;
        if (s < e)
        {
            into.Add(interval with { Start = s, End = e });
        }
    }

    /// <summary>Pieces of the same status that touch or overlap become one interval.</summary>
    private static List<BusyInterval> Join(List<BusyInterval> pieces)
    {
        var joined = new List<BusyInterval>();
        foreach (var piece in pieces.OrderBy(p => p.Status).ThenBy(p => p.Start))
        {
            if (joined.Count > 0 && joined[^1].Status == piece.Status && piece.Start <= joined[^1].End)
            {
                var last = joined[^1];
                joined[^1] = last with { End = piece.End > last.End ? piece.End : last.End };
            }
            else
            {
                joined.Add(piece);
            }
        }

        return [.. joined.OrderBy(i => i.Start).ThenBy(i => i.End)];
    }

    private static LocalDate DayOf(Instant instant) => instant.InUtc().Date;

    private static Instant DayStart(LocalDate day) => day.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();

    private static string RowKeyFor(LocalDate day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Serialize(List<BusyInterval> pieces) =>
        JsonSerializer.Serialize(pieces.Select(p => new StoredInterval(p.Start.ToUnixTimeSeconds(), p.End.ToUnixTimeSeconds(), p.Status)).ToList());

    private static List<BusyInterval> Deserialize(string? json) =>
        string.IsNullOrEmpty(json)
            ? []
            : [.. (JsonSerializer.Deserialize<List<StoredInterval>>(json) ?? []).Select(s =>
                new BusyInterval(Instant.FromUnixTimeSeconds(s.S), Instant.FromUnixTimeSeconds(s.E), s.Status))];

    /// <summary>What <see cref="GetAsync"/> answered for [From, To).</summary>
    private sealed record BusyWindow(Instant From, Instant To, IReadOnlyList<BusyInterval> Intervals);

    private sealed record StoredInterval(long S, long E, BusyStatus Status);
}
