using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Booking;

/// <summary>
/// Bookings in Table Storage, one partition per counsellor, where a seat is taken in ONE entity-group
/// transaction guarded by unique rows and ETags:
/// <list type="bullet">
/// <item>every 5-minute bucket a meeting covers has a hold row (<c>h|yyyyMMddHHmm</c>, UTC) naming the slot
/// that holds it and how many seats are taken. Creating a hold row that exists fails the whole batch (409);
/// changing one that moved on fails it too (412, ETag). So two meetings of one counsellor can never overlap
/// in time, whatever slot lengths the rules had when each was booked, and a slot's seats are counted
/// exactly;</item>
/// <item>the guardian's pointer row (<c>g|campaign|guardian</c>) makes one active booking per guardian per
/// campaign (and counsellor: siblings with the same counsellor share it);</item>
/// <item>the booking row (<c>b|id</c>) keeps the meeting, cancelled ones included.</item>
/// </list>
/// A lost race re-reads and decides again, so a retry either succeeds or sees the seat taken. A request reads
/// the guardian's rows and the holds once (<see cref="ReadSeatsAsync"/>) for both the slot check and the
/// first attempt; the ETags and unique rows make that as safe as reading them again.
/// </summary>
public sealed class BookingStore(StorageAccount storage, TimeProvider time) : IAsyncDisposable
{
    private const int BucketMinutes = 5;
    private const int MaxAttempts = 12;
    private const string HoldPrefix = "h|";
    private const string BookingPrefix = "b|";
    private const string GuardianPrefix = "g|";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly BookingIndex _index = new(storage);

    private TableClient Table => storage.Table(StorageNames.BookingsTable);

    /// <summary>Books, reschedules (the guardian's booking moves, atomically) or confirms a repeated submit.</summary>
    public Task<SeatResult> TakeSeatAsync(SeatRequest request, CancellationToken cancellationToken) =>
        TakeSeatAsync(request, null, cancellationToken);

    /// <summary>
    /// As <see cref="TakeSeatAsync(SeatRequest, CancellationToken)"/>, deciding the first attempt on rows this
    /// request already read (<paramref name="known"/>, with their ETags) instead of reading them again. If they
    /// moved on since, the transaction fails on its ETags or unique rows and the next attempt reads afresh.
    /// </summary>
    public async Task<SeatResult> TakeSeatAsync(SeatRequest request, SeatSnapshot? known, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Seats, 1);
        if (request.End <= request.Start)
        {
            throw new ArgumentException("A slot ends after it starts.", nameof(request));
        }

        var partition = PartitionOf(request.SchoolId, request.CounselorId);
        var guardianKey = GuardianKey(request.CampaignId, request.GuardianId);
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = attempt == 1 && known is not null && known.Partition == partition && known.GuardianKey == guardianKey ? known : null;
            TableEntity? pointer;
            TableEntity? currentRow = null;
            if (snapshot is not null)
            {
                pointer = snapshot.Pointer;
                currentRow = snapshot.CurrentRow;
            }
            else
            {
                pointer = await GetIfExistsAsync(partition, guardianKey, cancellationToken);
                if (pointer is not null)
                {
                    currentRow = await GetIfExistsAsync(partition, BookingPrefix + pointer.GetString("BookingId"), cancellationToken);
                }
            }

            var current = currentRow is null ? null : Read(currentRow);
            if (current is { Status: BookingStatus.Confirmed } && current.Start == request.Start && current.End == request.End)
            {
                return new SeatResult(SeatOutcome.Unchanged, current);
            }

            var holds = snapshot?.HoldsCovering(request.Start, request.End, current)
                ?? await ReadHoldsAsync(partition, request.Start, request.End, current, cancellationToken);
            var oldBuckets = current is { Status: BookingStatus.Confirmed } ? Buckets(current.Start, current.End).ToList() : [];
            var oldSlot = current is { Status: BookingStatus.Confirmed } ? SlotKey(current.Start, current.End) : null;
            var newSlot = SlotKey(request.Start, request.End);

            // The state each touched bucket should end in: the old seat released first (its buckets may be
            // reused by the new slot), then the new seat taken.
            var final = new Dictionary<string, (string Slot, int Count)?>(StringComparer.Ordinal);
            foreach (var bucket in oldBuckets)
            {
                if (holds.TryGetValue(bucket, out var hold) && hold.GetString("Slot") == oldSlot)
                {
                    var left = (hold.GetInt32("Count") ?? 0) - 1;
                    final[bucket] = left > 0 ? (oldSlot!, left) : null;
                }
            }

            var taken = false;
            foreach (var bucket in Buckets(request.Start, request.End))
            {
                var state = final.TryGetValue(bucket, out var afterRelease)
                    ? afterRelease
                    : holds.TryGetValue(bucket, out var hold) ? (hold.GetString("Slot")!, hold.GetInt32("Count") ?? 0) : null;
                if (state is null)
                {
                    final[bucket] = (newSlot, 1);
                }
                else if (state.Value.Slot == newSlot && state.Value.Count < request.Seats)
                {
                    final[bucket] = (newSlot, state.Value.Count + 1);
                }
                else
                {
                    taken = true;
                    break;
                }
            }

            if (taken)
            {
                return new SeatResult(SeatOutcome.SlotTaken, null, current);
            }

            var batch = new List<TableTransactionAction>();
            foreach (var (bucket, state) in final)
            {
                holds.TryGetValue(bucket, out var existing);
                if (state is null)
                {
                    batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, existing!, existing!.ETag));
                    continue;
                }

                var row = new TableEntity(partition, HoldPrefix + bucket) { ["Slot"] = state.Value.Slot, ["Count"] = state.Value.Count };
                batch.Add(existing is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, row)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, existing.ETag));
            }

            var now = time.GetUtcNow();
            Booking booking;
            SeatOutcome outcome;
            if (current is { Status: BookingStatus.Confirmed })
            {
                booking = current with { SlotId = request.SlotId, Start = request.Start, End = request.End, Mode = request.Mode, Sequence = current.Sequence + 1, UpdatedAt = now, StudentIds = request.StudentIds, ChangedVia = request.Via };
                batch.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(partition, booking), currentRow!.ETag));
                var pointerRow = new TableEntity(partition, GuardianKey(request.CampaignId, request.GuardianId)) { ["BookingId"] = booking.Id };
                batch.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, pointerRow, pointer!.ETag));
                outcome = SeatOutcome.Rescheduled;
            }
            else
            {
                booking = new Booking
                {
                    Id = NewId(),
                    SchoolId = request.SchoolId,
                    CounselorId = request.CounselorId,
                    GuardianId = request.GuardianId,
                    CampaignId = request.CampaignId,
                    SlotId = request.SlotId,
                    Start = request.Start,
                    End = request.End,
                    Mode = request.Mode,
                    CreatedAt = now,
                    UpdatedAt = now,
                    StudentIds = request.StudentIds,
                    BookedVia = request.Via,
                    ChangedVia = request.Via,
                };
                batch.Add(new TableTransactionAction(TableTransactionActionType.Add, ToEntity(partition, booking)));
                var pointerRow = new TableEntity(partition, GuardianKey(request.CampaignId, request.GuardianId)) { ["BookingId"] = booking.Id };
                batch.Add(pointer is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, pointerRow)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, pointerRow, pointer.ETag));
                outcome = SeatOutcome.Booked;
            }

            try
            {
                await Table.SubmitTransactionAsync(batch, cancellationToken);
                if (outcome == SeatOutcome.Booked)
                {
                    _index.Add(booking.Id, partition);
                }

                return new SeatResult(outcome, booking, current);
            }
            catch (TableTransactionFailedException ex) when ((ex.Status is 404 or 409 or 412) && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(5, 20 * attempt)), cancellationToken);
            }
        }
    }

    /// <summary>Cancels the guardian's active booking of this campaign with this counsellor; null when there is none.</summary>
    /// <param name="via">Where the cancellation came from (kept on the booking for the participation log).</param>
    public async Task<Booking?> CancelAsync(string schoolId, string counselorId, string campaignId, string guardianId, ParticipationChannel via, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(schoolId, counselorId);
        for (var attempt = 1; ; attempt++)
        {
            var pointer = await GetIfExistsAsync(partition, GuardianKey(campaignId, guardianId), cancellationToken);
            if (pointer is null)
            {
                return null;
            }

            var row = await GetIfExistsAsync(partition, BookingPrefix + pointer.GetString("BookingId"), cancellationToken);
            var booking = row is null ? null : Read(row);
            var batch = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, pointer, pointer.ETag) };
            Booking? cancelled = null;
            if (booking is { Status: BookingStatus.Confirmed })
            {
                var holds = await ReadHoldsAsync(partition, booking.Start, booking.End, null, cancellationToken);
                var slot = SlotKey(booking.Start, booking.End);
                foreach (var hold in holds.Values.Where(h => h.GetString("Slot") == slot))
                {
                    var count = hold.GetInt32("Count") ?? 0;
                    if (count <= 1)
                    {
                        batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, hold, hold.ETag));
                    }
                    else
                    {
                        hold["Count"] = count - 1;
                        batch.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, hold, hold.ETag));
                    }
                }

                cancelled = booking with { Status = BookingStatus.Cancelled, Sequence = booking.Sequence + 1, UpdatedAt = time.GetUtcNow(), ChangedVia = via };
                batch.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(partition, cancelled), row!.ETag));
            }

            try
            {
                await Table.SubmitTransactionAsync(batch, cancellationToken);
                return cancelled;
            }
            catch (TableTransactionFailedException ex) when ((ex.Status is 404 or 409 or 412) && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(5, 20 * attempt)), cancellationToken);
            }
        }
    }

    /// <summary>The guardian's confirmed booking of this campaign with this counsellor, if any.</summary>
    public async Task<Booking?> GetActiveAsync(string schoolId, string counselorId, string campaignId, string guardianId, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(schoolId, counselorId);
        var pointer = await GetIfExistsAsync(partition, GuardianKey(campaignId, guardianId), cancellationToken);
        if (pointer is null)
        {
            return null;
        }

        var row = await GetIfExistsAsync(partition, BookingPrefix + pointer.GetString("BookingId"), cancellationToken);
        return row is null ? null : Read(row) is { Status: BookingStatus.Confirmed } b ? b : null;
    }

    /// <summary>
    /// In one partition query, the guardian's pointer row and the hold rows of [from, to) — plus the booking
    /// row when there is a pointer (a second read) — for the slot check and for
    /// <see cref="TakeSeatAsync(SeatRequest, SeatSnapshot?, CancellationToken)"/>.
    /// </summary>
    public async Task<SeatSnapshot> ReadSeatsAsync(string schoolId, string counselorId, string campaignId, string guardianId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(schoolId, counselorId);
        var guardianKey = GuardianKey(campaignId, guardianId);
        var low = HoldPrefix + Bucket(from);
        var high = HoldPrefix + Bucket(to);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and (RowKey eq {guardianKey} or (RowKey ge {low} and RowKey lt {high}))");
        TableEntity? pointer = null;
        var holds = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.RowKey == guardianKey)
            {
                pointer = row;
            }
            else
            {
                KeepHold(holds, row, from, to);
            }
        }

        var currentRow = pointer is null ? null : await GetIfExistsAsync(partition, BookingPrefix + pointer.GetString("BookingId"), cancellationToken);
        return new SeatSnapshot(partition, guardianKey, pointer, currentRow, currentRow is null ? null : Read(currentRow), from, to, holds);
    }

    /// <summary>A booking by id alone (admin routes, feedback replies), through the index.</summary>
    public async Task<Booking?> GetAsync(string bookingId, CancellationToken cancellationToken)
    {
        var row = await GetIndexedRowAsync(bookingId, cancellationToken);
        if (row is null && IsBookingId(bookingId))
        {
            // Not indexed: its index row was still waiting when the instance stopped. One search of the
            // table (rare: only an unknown id or such a booking comes here) and the row is written now.
            await foreach (var found in Table.QueryAsync<TableEntity>(e => e.RowKey == BookingPrefix + bookingId, cancellationToken: cancellationToken))
            {
                await _index.WriteAsync(bookingId, found.PartitionKey, cancellationToken);
                row = found;
                break;
            }
        }

        return row is null ? null : Read(row);
    }

    /// <summary>
    /// A booking by id through the index only, never searching the table: for anonymous routes, where anyone
    /// can send an id.
    /// </summary>
    public async Task<Booking?> GetIndexedAsync(string bookingId, CancellationToken cancellationToken) =>
        await GetIndexedRowAsync(bookingId, cancellationToken) is { } row ? Read(row) : null;

    /// <summary>A booking by id in the partitions of these counsellors (a parent's link knows them): no index needed.</summary>
    public async Task<Booking?> GetAsync(string schoolId, IEnumerable<string> counselorIds, string bookingId, CancellationToken cancellationToken)
    {
        foreach (var counselorId in counselorIds)
        {
            var row = await GetIfExistsAsync(PartitionOf(schoolId, counselorId), BookingPrefix + bookingId, cancellationToken);
            if (row is not null)
            {
                return Read(row);
            }
        }

        return null;
    }

    private async Task<TableEntity?> GetIndexedRowAsync(string bookingId, CancellationToken cancellationToken)
    {
        var partition = await _index.FindAsync(bookingId, cancellationToken);
        return partition is null ? null : await GetIfExistsAsync(partition, BookingPrefix + bookingId, cancellationToken);
    }

    /// <summary>Writes the index rows still waiting, so nothing is left to the fallback search when the host stops.</summary>
    public async ValueTask DisposeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _index.FlushAsync(limit.Token);
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException)
        {
            // Storage is gone or slow: GetAsync finds such bookings by searching.
        }
    }

    /// <summary>Replaces a booking's row as it is (attendance, sync state), guarded by nothing but the id.</summary>
    public async Task SaveAsync(Booking booking, CancellationToken cancellationToken) =>
        await Table.UpsertEntityAsync(ToEntity(PartitionOf(booking.SchoolId, booking.CounselorId), booking), TableUpdateMode.Replace, cancellationToken);

    /// <summary>Every booking of a counsellor (cancelled ones too), by start.</summary>
    public async Task<IReadOnlyList<Booking>> ListAsync(string schoolId, string counselorId, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(schoolId, counselorId);
        var list = new List<Booking>();
        await foreach (var row in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo("b|") >= 0 && e.RowKey.CompareTo("b}") < 0, cancellationToken: cancellationToken))
        {
            list.Add(Read(row));
        }

        return [.. list.OrderBy(b => b.Start).ThenBy(b => b.Id, StringComparer.Ordinal)];
    }

    /// <summary>Seats held per slot between two instants, from the hold rows.</summary>
    public async Task<IReadOnlyList<SeatUsage>> GetSeatUsageAsync(string schoolId, string counselorId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var holds = await ReadHoldsAsync(PartitionOf(schoolId, counselorId), from, to, null, cancellationToken);
        return Usage(holds.Values);
    }

    /// <summary>Seats held per slot, from hold rows.</summary>
    internal static IReadOnlyList<SeatUsage> Usage(IEnumerable<TableEntity> holds) =>
        [.. holds
            .GroupBy(h => h.GetString("Slot")!, StringComparer.Ordinal)
            .Select(g =>
            {
                var (start, end) = ParseSlotKey(g.Key);
                return new SeatUsage(start, end, g.Max(h => h.GetInt32("Count") ?? 0));
            })
            .OrderBy(u => u.Start)];

    internal static string PartitionOf(string schoolId, string counselorId) => $"{schoolId}|{counselorId}";

    /// <summary>Which holds <see cref="ReadHoldsAsync"/> would keep for [from, to) (widened to <paramref name="alsoCover"/>).</summary>
    internal static (DateTimeOffset From, DateTimeOffset To) HoldRange(DateTimeOffset from, DateTimeOffset to, Booking? alsoCover) =>
        alsoCover is null
            ? (from, to)
            : (from < alsoCover.Start ? from : alsoCover.Start, to > alsoCover.End ? to : alsoCover.End);

    /// <summary>Keeps a hold row whose slot overlaps [from, to), by its bucket.</summary>
    internal static void KeepHold(Dictionary<string, TableEntity> holds, TableEntity row, DateTimeOffset from, DateTimeOffset to)
    {
        var (start, end) = ParseSlotKey(row.GetString("Slot")!);
        if (end > from && start < to)
        {
            holds[row.RowKey[HoldPrefix.Length..]] = row;
        }
    }

    /// <summary>The hold bucket key of an instant (row key without its prefix).</summary>
    internal static string Bucket(DateTimeOffset t) => Floor(t).ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    private async Task<Dictionary<string, TableEntity>> ReadHoldsAsync(string partition, DateTimeOffset from, DateTimeOffset to, Booking? alsoCover, CancellationToken cancellationToken)
    {
        (from, to) = HoldRange(from, to, alsoCover);
        var low = HoldPrefix + Bucket(from);
        var high = HoldPrefix + Bucket(to);
        var holds = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo(low) >= 0 && e.RowKey.CompareTo(high) < 0, cancellationToken: cancellationToken))
        {
            KeepHold(holds, row, from, to);
        }

        return holds;
    }

    private async Task<TableEntity?> GetIfExistsAsync(string partition, string row, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private static IEnumerable<string> Buckets(DateTimeOffset start, DateTimeOffset end)
    {
        var first = Floor(start);
        for (var t = first; t < end; t = t.AddMinutes(BucketMinutes))
        {
            yield return Bucket(t);
        }
    }

    private static DateTimeOffset Floor(DateTimeOffset t)
    {
        var utc = t.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute / BucketMinutes * BucketMinutes, 0, TimeSpan.Zero);
    }


    private static string SlotKey(DateTimeOffset start, DateTimeOffset end) =>
        $"{start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}-{end.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";

    private static (DateTimeOffset Start, DateTimeOffset End) ParseSlotKey(string key)
    {
        var dash = key.IndexOf('-', StringComparison.Ordinal);
        return (DateTimeOffset.FromUnixTimeSeconds(long.Parse(key.AsSpan(0, dash), CultureInfo.InvariantCulture)),
                DateTimeOffset.FromUnixTimeSeconds(long.Parse(key.AsSpan(dash + 1), CultureInfo.InvariantCulture)));
    }

    private static string GuardianKey(string campaignId, string guardianId) => $"{GuardianPrefix}{campaignId}|{guardianId}";

    private static TableEntity ToEntity(string partition, Booking booking) => new(partition, BookingPrefix + booking.Id)
    {
        ["Json"] = JsonSerializer.Serialize(booking, Json),
        ["Start"] = booking.Start,
        ["Status"] = booking.Status.ToString(),
    };

    private static Booking Read(TableEntity row) => JsonSerializer.Deserialize<Booking>(row.GetString("Json")!, Json)!;

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));

    /// <summary>Whether an id could be one of <see cref="NewId"/>'s (only such ids are worth searching the table for).</summary>
    private static bool IsBookingId(string id) => id.Length == 20 && id.All(char.IsAsciiHexDigitLower);
}
