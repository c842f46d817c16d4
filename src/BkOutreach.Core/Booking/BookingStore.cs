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
/// campaign (and counsellor: siblings with the same counsellor share it). When a guardian is erased it is
/// sealed (<see cref="SealAsync"/>: <c>Erased</c>, no booking): a seat transaction that read the pointer
/// before adds or replaces it, so it fails on the seal, and the next attempt sees it and books nothing. That
/// is what lets a link's grant be used again for a few seconds (<see cref="Links.LinkTokens.LookupRecentAsync"/>)
/// without an erased guardian's link booking in that time;</item>
/// <item>the booking row (<c>b|id</c>) keeps the meeting, cancelled ones included;</item>
/// <item>every change of a booking adds its outbox row (<c>e|id|version</c>, <see cref="BookingEvent"/>) in
/// the same transaction, so what a change sets off can never be lost or happen without the change;
/// <see cref="BookingEventHandler"/> carries it out and removes the row.</item>
/// </list>
/// A booking id carries its partition (<c>{school}.{counsellor}.{random}</c>), so a booking is read by key
/// from its id alone. Every change of a booking row is a conditional write on the ETag it was read with; a
/// lost race reads again and decides again.
/// A lost race re-reads and decides again, so a retry either succeeds or sees the seat taken. A request reads
/// the guardian's rows and the holds once (<see cref="ReadSeatsAsync(string, string, string, string, DateTimeOffset, DateTimeOffset, CancellationToken)"/>)
/// for both the slot check and the first attempt — or, for a booking request, takes them from this
/// instance's view of the partition (<see cref="SeatViews"/>) — and the ETags and unique rows make that as
/// safe as reading them again.
/// </summary>
public sealed class BookingStore(StorageAccount storage, TimeProvider time, BookingEventQueue? events = null)
{
    private const int BucketMinutes = 5;
    private const int MaxAttempts = 12;
    private const string HoldPrefix = "h|";
    private const string BookingPrefix = "b|";
    private const string GuardianPrefix = "g|";
    private const string EventPrefix = "e|";
    private const string ErasedProperty = "Erased";
    private static readonly JsonSerializerOptions Json = StorageJson.Options;

    private readonly BookingHints _bookingHints = new();
    private readonly SeatViews _views = new(time);

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
            var fromView = snapshot?.FromView == true;
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
                if (pointer is not null && !IsSealed(pointer))
                {
                    currentRow = await GetIfExistsAsync(partition, BookingPrefix + pointer.GetString("BookingId"), cancellationToken);
                }
            }

            if (IsSealed(pointer))
            {
                return new SeatResult(SeatOutcome.GuardianErased, null);
            }

            var current = currentRow is null ? null : Read(currentRow);
            var now = time.GetUtcNow();
            if (current is { Status: BookingStatus.Confirmed } && current.Start == request.Start && current.End == request.End)
            {
                if (current.Mode == request.Mode)
                {
                    // Writing nothing, so nothing guards it: an answer from the view is confirmed by the booking row's ETag.
                    if (fromView && (await GetIfExistsAsync(partition, currentRow!.RowKey, cancellationToken))?.ETag != currentRow.ETag)
                    {
                        continue;
                    }

                    return new SeatResult(SeatOutcome.Unchanged, current);
                }

                // The same seat in the other mode: only the booking row changes (its holds stay as they are).
                var switched = current with { Mode = request.Mode, Sequence = current.Sequence + 1, Version = current.Version + 1, UpdatedAt = now, ChangedVia = request.Via };
                var modeBatch = new List<TableTransactionAction>
                {
                    new(TableTransactionActionType.UpdateReplace, ToEntity(partition, switched), currentRow!.ETag),
                    EventAction(partition, new BookingEvent(switched.Id, switched.Version, BookingEventKind.ModeChanged, now, switched)),
                };
                if (await SubmitSeatAsync(partition, guardianKey, modeBatch, attempt, cancellationToken))
                {
                    Notify(switched.Id);
                    return new SeatResult(SeatOutcome.ModeChanged, switched, current);
                }

                continue;
            }

            var holds = snapshot?.HoldsCovering(request.Start, request.End, current);

            var oldBuckets = current is { Status: BookingStatus.Confirmed } ? Buckets(current.Start, current.End).ToList() : [];
            var oldSlot = current is { Status: BookingStatus.Confirmed } ? SlotKey(current.Start, current.End) : null;
            var newSlot = SlotKey(request.Start, request.End);

            // A view that lacks one of the booking's own holds would leave it behind when the booking moves (its
            // row is not in the transaction to fail on): read afresh instead.
            if (fromView && (holds is null || oldBuckets.Any(b => !holds.TryGetValue(b, out var h) || h.GetString("Slot") != oldSlot)))
            {
                continue;
            }

            holds ??= await ReadHoldsAsync(partition, request.Start, request.End, current, cancellationToken);

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
                if (fromView)
                {
                    continue; // writes nothing: said only on a fresh read
                }

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

            Booking booking;
            SeatOutcome outcome;
            if (current is { Status: BookingStatus.Confirmed })
            {
                booking = current with { SlotId = request.SlotId, Start = request.Start, End = request.End, Mode = request.Mode, Sequence = current.Sequence + 1, Version = current.Version + 1, UpdatedAt = now, StudentIds = request.StudentIds, Classes = request.Classes ?? current.Classes, ChangedVia = request.Via };
                batch.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(partition, booking), currentRow!.ETag));
                var pointerRow = new TableEntity(partition, GuardianKey(request.CampaignId, request.GuardianId)) { ["BookingId"] = booking.Id };
                batch.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, pointerRow, pointer!.ETag));
                outcome = SeatOutcome.Rescheduled;
            }
            else
            {
                booking = new Booking
                {
                    Id = NewId(request.SchoolId, request.CounselorId),
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
                    Classes = request.Classes ?? [],
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

            batch.Add(EventAction(partition, new BookingEvent(booking.Id, booking.Version, outcome == SeatOutcome.Booked ? BookingEventKind.Booked : BookingEventKind.Rescheduled, now, booking)));
            if (await SubmitSeatAsync(partition, guardianKey, batch, attempt, cancellationToken))
            {
                Hint(partition, guardianKey, booking.Id);
                Notify(booking.Id);
                return new SeatResult(outcome, booking, current);
            }
        }
    }

    /// <summary>Cancels the guardian's active booking of this campaign with this counsellor; null when there is none.</summary>
    /// <param name="via">Where the cancellation came from (kept on the booking for the participation log).</param>
    /// <param name="erasure">Cancelled because the guardian is erased: the students leave the booking too, and no SMS follows.</param>
    public async Task<Booking?> CancelAsync(string schoolId, string counselorId, string campaignId, string guardianId, ParticipationChannel via, CancellationToken cancellationToken, bool erasure = false)
    {
        var partition = PartitionOf(schoolId, counselorId);
        for (var attempt = 1; ; attempt++)
        {
            var pointer = await GetIfExistsAsync(partition, GuardianKey(campaignId, guardianId), cancellationToken);
            if (pointer is null || IsSealed(pointer))
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

                var now = time.GetUtcNow();
                cancelled = booking with { Status = BookingStatus.Cancelled, Sequence = booking.Sequence + 1, Version = booking.Version + 1, UpdatedAt = now, ChangedVia = via };
                if (erasure)
                {
                    cancelled = cancelled with { StudentIds = [] };
                }

                batch.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(partition, cancelled), row!.ETag));
                batch.Add(EventAction(partition, new BookingEvent(cancelled.Id, cancelled.Version, erasure ? BookingEventKind.CancelledByErasure : BookingEventKind.Cancelled, now, cancelled)));
            }

            if (await TrySubmitAsync(batch, attempt, cancellationToken) is not null)
            {
                _views.Forget(partition);
                if (cancelled is not null)
                {
                    Notify(cancelled.Id);
                }

                return cancelled;
            }
        }
    }

    /// <summary>
    /// Changes one booking row: reads it, lets <paramref name="change"/> decide on the row as it is now (null:
    /// nothing to change, with the reason), and writes the change with its outbox row on the ETag it was read
    /// with; a row changed in between (412) is read again and decided again. A change of the meeting itself
    /// (time, seats) goes through <see cref="TakeSeatAsync(SeatRequest, CancellationToken)"/> and
    /// <see cref="CancelAsync"/>, never through here.
    /// </summary>
    public async Task<BookingUpdate> UpdateAsync(string bookingId, Func<Booking, BookingChange> change, CancellationToken cancellationToken)
    {
        if (!TryPartitionOf(bookingId, out var partition))
        {
            return new BookingUpdate(null, null, "unknown_booking");
        }

        for (var attempt = 1; ; attempt++)
        {
            var row = await GetIfExistsAsync(partition, BookingPrefix + bookingId, cancellationToken);
            if (row is null)
            {
                return new BookingUpdate(null, null, "unknown_booking");
            }

            var current = Read(row);
            var decided = change(current);
            if (decided.Kind is not { } kind || decided.Booking is null)
            {
                return new BookingUpdate(current, null, decided.Refusal);
            }

            var now = time.GetUtcNow();
            var updated = decided.Booking with { Version = current.Version + 1, UpdatedAt = now };
            var batch = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, ToEntity(partition, updated), row.ETag),
                EventAction(partition, new BookingEvent(updated.Id, updated.Version, kind, now, updated, decided.AskFeedback)),
            };
            if (await TrySubmitAsync(batch, attempt, cancellationToken) is not null)
            {
                _views.Forget(partition);
                Notify(updated.Id);
                return new BookingUpdate(updated, kind, null);
            }
        }
    }

    /// <summary>
    /// Seals an erased guardian's pointer row of this campaign with this counsellor, so nothing can be booked
    /// for them any more, whoever still holds their link: a confirmed meeting that has not ended is cancelled
    /// first (as erasure cancels, <see cref="CancelAsync"/>), a pointer to one that has is replaced, and where
    /// there is none the seal is added. Each write is conditional (add, or the ETag read), so a booking taken
    /// meanwhile is seen and cancelled on the next attempt.
    /// </summary>
    /// <returns>The meeting cancelled on the way, if any.</returns>
    public async Task<Booking?> SealAsync(string schoolId, string counselorId, string campaignId, string guardianId, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(schoolId, counselorId);
        var key = GuardianKey(campaignId, guardianId);
        Booking? cancelled = null;
        for (var attempt = 1; ; attempt++)
        {
            var pointer = await GetIfExistsAsync(partition, key, cancellationToken);
            if (IsSealed(pointer))
            {
                return cancelled;
            }

            if (pointer is not null
                && await GetIfExistsAsync(partition, BookingPrefix + pointer.GetString("BookingId"), cancellationToken) is { } row
                && Read(row) is { Status: BookingStatus.Confirmed } open && open.End > time.GetUtcNow())
            {
                cancelled = await CancelAsync(schoolId, counselorId, campaignId, guardianId, ParticipationChannel.Admin, cancellationToken, erasure: true) ?? cancelled;
                continue;
            }

            var seal = new TableEntity(partition, key) { [ErasedProperty] = true };
            var action = pointer is null
                ? new TableTransactionAction(TableTransactionActionType.Add, seal)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, seal, pointer.ETag);
            if (await TrySubmitAsync([action], attempt, cancellationToken) is not null)
            {
                _views.Forget(partition);
                return cancelled;
            }
        }
    }

    internal static bool IsSealed(TableEntity? pointer) => pointer?.GetBoolean(ErasedProperty) == true;

    /// <summary>The outbox rows of one counsellor still waiting for their consequences, oldest first.</summary>
    public async Task<IReadOnlyList<PendingBookingEvent>> ListPendingEventsAsync(string schoolId, string counselorId, CancellationToken cancellationToken) =>
        await ListPendingAsync(PartitionOf(schoolId, counselorId), EventPrefix, cancellationToken);

    /// <summary>The outbox rows of one booking still waiting, in version order.</summary>
    public async Task<IReadOnlyList<PendingBookingEvent>> ListPendingEventsAsync(string bookingId, CancellationToken cancellationToken) =>
        TryPartitionOf(bookingId, out var partition)
            ? await ListPendingAsync(partition, $"{EventPrefix}{bookingId}|", cancellationToken)
            : [];

    /// <summary>Claims an outbox row for <paramref name="lease"/>: null when another handler holds it or it is done.</summary>
    public async Task<PendingBookingEvent?> ClaimEventAsync(PendingBookingEvent pending, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (pending.LeaseUntil is { } held && held > now)
        {
            return null;
        }

        return await TryReplaceEventAsync(pending with { LeaseUntil = now + lease, Attempts = pending.Attempts + 1 }, cancellationToken);
    }

    /// <summary>Records progress on a claimed outbox row (the SMS went); null when the row moved on meanwhile.</summary>
    public Task<PendingBookingEvent?> SaveEventProgressAsync(PendingBookingEvent claimed, CancellationToken cancellationToken) =>
        TryReplaceEventAsync(claimed, cancellationToken);

    /// <summary>Removes a claimed outbox row once its consequences are done; false when it was already gone.</summary>
    public async Task<bool> CompleteEventAsync(PendingBookingEvent claimed, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(claimed.PartitionKey, claimed.RowKey, claimed.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    private async Task<PendingBookingEvent?> TryReplaceEventAsync(PendingBookingEvent pending, CancellationToken cancellationToken)
    {
        var entity = EventEntity(pending.PartitionKey, pending.Event);
        entity["LeaseUntil"] = pending.LeaseUntil;
        entity["Attempts"] = pending.Attempts;
        entity["SmsDone"] = pending.SmsDone;
        try
        {
            var response = await Table.UpdateEntityAsync(entity, pending.ETag, TableUpdateMode.Replace, cancellationToken);
            return pending with { ETag = response.Headers.ETag ?? pending.ETag };
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    private async Task<IReadOnlyList<PendingBookingEvent>> ListPendingAsync(string partition, string prefix, CancellationToken cancellationToken)
    {
        var high = prefix[..^1] + (char)(prefix[^1] + 1);
        var list = new List<PendingBookingEvent>();
        await foreach (var row in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo(prefix) >= 0 && e.RowKey.CompareTo(high) < 0, cancellationToken: cancellationToken))
        {
            list.Add(new PendingBookingEvent(
                row.PartitionKey,
                row.RowKey,
                JsonSerializer.Deserialize<BookingEvent>(row.GetString("Json")!, Json)!,
                row.GetDateTimeOffset("LeaseUntil"),
                row.GetInt32("Attempts") ?? 0,
                row.GetBoolean("SmsDone") ?? false,
                row.ETag));
        }

        return [.. list.OrderBy(e => e.Event.FirstAttemptAt).ThenBy(e => e.Event.Version)];
    }

    /// <summary>The transaction's answers in order, or null when it lost a race (after a short random pause).</summary>
    private async Task<IReadOnlyList<Response>?> TrySubmitAsync(List<TableTransactionAction> batch, int attempt, CancellationToken cancellationToken)
    {
        try
        {
            return (await Table.SubmitTransactionAsync(batch, cancellationToken)).Value;
        }
        catch (TableTransactionFailedException ex) when ((ex.Status is 404 or 409 or 412) && attempt < MaxAttempts)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(5, 20 * attempt)), cancellationToken);
            return null;
        }
    }

    /// <summary>A seat transaction: when it commits the partition's view takes its rows; when it loses, the view is dropped.</summary>
    private async Task<bool> SubmitSeatAsync(string partition, string guardianKey, List<TableTransactionAction> batch, int attempt, CancellationToken cancellationToken)
    {
        if (await TrySubmitAsync(batch, attempt, cancellationToken) is { } responses)
        {
            _views.Applied(partition, batch, responses, guardianKey);
            return true;
        }

        _views.Forget(partition);
        return false;
    }

    /// <summary>Hands the booking to the handler once committed, off the caller's request; the sweep covers a message lost here.</summary>
    private void Notify(string bookingId) => events?.NotifySoon(bookingId);

    private static TableTransactionAction EventAction(string partition, BookingEvent change) =>
        new(TableTransactionActionType.Add, EventEntity(partition, change));

    private static TableEntity EventEntity(string partition, BookingEvent change) =>
        new(partition, EventKey(change.BookingId, change.Version))
        {
            ["Json"] = JsonSerializer.Serialize(change, Json),
            ["Kind"] = change.Kind.ToString(),
            ["CreatedAt"] = change.FirstAttemptAt,
        };

    private static string EventKey(string bookingId, int version) =>
        $"{EventPrefix}{bookingId}|{version.ToString("D6", CultureInfo.InvariantCulture)}";

    /// <summary>The guardian's confirmed booking of this campaign with this counsellor, if any.</summary>
    public async Task<Booking?> GetActiveAsync(string schoolId, string counselorId, string campaignId, string guardianId, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(schoolId, counselorId);
        var pointer = await GetIfExistsAsync(partition, GuardianKey(campaignId, guardianId), cancellationToken);
        if (pointer is null || IsSealed(pointer))
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
    public Task<SeatSnapshot> ReadSeatsAsync(string schoolId, string counselorId, string campaignId, string guardianId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        ReadSeatsAsync(schoolId, counselorId, campaignId, guardianId, from, to, recent: false, cancellationToken);

    /// <summary>
    /// As <see cref="ReadSeatsAsync(string, string, string, string, DateTimeOffset, DateTimeOffset, CancellationToken)"/>;
    /// with <paramref name="recent"/>, from this instance's view of the partition when it read the holds within
    /// <see cref="SeatViews.For"/> (kept current with its own writes), reading only the guardian's rows by key
    /// if the view does not know them. Such a snapshot is <see cref="SeatSnapshot.FromView"/>: the seat
    /// transaction still decides, and an answer that writes nothing is confirmed (<see cref="StillAsSeenAsync"/>).
    /// </summary>
    public async Task<SeatSnapshot> ReadSeatsAsync(string schoolId, string counselorId, string campaignId, string guardianId, DateTimeOffset from, DateTimeOffset to, bool recent, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(schoolId, counselorId);
        var guardianKey = GuardianKey(campaignId, guardianId);
        var begun = _views.Begin();
        if (recent && _views.TryGet(partition, guardianKey, from) is { } seen)
        {
            var rows = seen.Guardian;
            if (rows is null)
            {
                var pointerRow = await GetIfExistsAsync(partition, guardianKey, cancellationToken);
                var bookingRow = pointerRow is null || IsSealed(pointerRow) ? null : await GetIfExistsAsync(partition, BookingPrefix + pointerRow.GetString("BookingId"), cancellationToken);
                rows = new SeatViews.GuardianRows(pointerRow, bookingRow);
                _views.Learn(partition, begun, guardianKey, rows);
            }

            var viewTo = to < seen.To ? to : seen.To;
            return new SeatSnapshot(partition, guardianKey, rows.Pointer, rows.Row, rows.Row is null ? null : Read(rows.Row), from, viewTo, seen.Holds, fromView: true);
        }

        var low = HoldPrefix + Bucket(from);
        var high = HoldPrefix + Bucket(to);
        var hinted = _bookingHints.Get(partition + "|" + guardianKey) is { } id ? BookingPrefix + id : null;
        var readAt = time.GetUtcNow();
        var filter = hinted is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition} and (RowKey eq {guardianKey} or (RowKey ge {low} and RowKey lt {high}))")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and (RowKey eq {guardianKey} or RowKey eq {hinted} or (RowKey ge {low} and RowKey lt {high}))");
        TableEntity? pointer = null;
        TableEntity? hintedRow = null;
        var holds = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.RowKey == guardianKey)
            {
                pointer = row;
            }
            else if (row.RowKey == hinted)
            {
                hintedRow = row;
            }
            else
            {
                KeepHold(holds, row, from, to);
            }
        }

        TableEntity? currentRow = null;
        if (pointer is not null && !IsSealed(pointer))
        {
            var key = BookingPrefix + pointer.GetString("BookingId");
            currentRow = key == hintedRow?.RowKey ? hintedRow : await GetIfExistsAsync(partition, key, cancellationToken);
        }

        Hint(partition, guardianKey, currentRow is null ? null : currentRow.RowKey[BookingPrefix.Length..]);
        _views.Merge(partition, begun, readAt, from, to, holds, guardianKey, new SeatViews.GuardianRows(pointer, currentRow));
        return new SeatSnapshot(partition, guardianKey, pointer, currentRow, currentRow is null ? null : Read(currentRow), from, to, holds);
    }

    /// <summary>
    /// Whether the rows an answer from the view rests on are still as the view had them — the guardian's pointer,
    /// one hold row of every slot held in [from, to) (a slot's holds change together) and, when the answer is
    /// about the guardian's own booking (<paramref name="ownBooking"/>: a repeated submit, a mode that can no
    /// longer change), its booking row — in one query. Always true for a snapshot read for
    /// the request. A "taken" answer needs no booking row: every change of the guardian's seat (booked, moved,
    /// cancelled, sealed) rewrites the pointer, and what changes only the booking row (mode, attendance,
    /// feedback) leaves the seat where it is.
    /// </summary>
    public async Task<bool> StillAsSeenAsync(SeatSnapshot seats, DateTimeOffset from, DateTimeOffset to, bool ownBooking, CancellationToken cancellationToken)
    {
        if (!seats.FromView)
        {
            return true;
        }

        var seen = new List<(string RowKey, ETag? ETag)> { (seats.GuardianKey, seats.Pointer?.ETag) };
        if (ownBooking && seats.CurrentRow is { } row)
        {
            seen.Add((row.RowKey, row.ETag));
        }

        seen.AddRange(seats.HoldsOfSlotsIn(from, to).Select(h => (h.RowKey, (ETag?)h.ETag)));

        // One query for them all (one round trip, where a point read each would take as many); the table
        // service takes at most 15 comparisons in a filter, so a wide buffer's many slots go in a few at once.
        var now = new Dictionary<string, ETag>(StringComparer.Ordinal);
        foreach (var found in (await Task.WhenAll(seen.Chunk(KeysPerQuery).Select(chunk => EtagsOfAsync(seats.Partition, chunk.Select(s => s.RowKey), cancellationToken)))).SelectMany(f => f))
        {
            now[found.RowKey] = found.ETag;
        }

        var same = seen.All(s => (now.TryGetValue(s.RowKey, out var etag) ? etag : (ETag?)null) == s.ETag);
        if (!same)
        {
            _views.Forget(seats.Partition);
        }

        return same;
    }

    /// <summary>Row keys named in one query besides its partition (the table service's limit is 15 comparisons).</summary>
    internal const int KeysPerQuery = 14;

    private async Task<List<(string RowKey, ETag ETag)>> EtagsOfAsync(string partition, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        var keys = string.Join(" or ", rowKeys.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}")));
        var found = new List<(string, ETag)>();
        await foreach (var row in Table.QueryAsync<TableEntity>(
            $"{TableClient.CreateQueryFilter($"PartitionKey eq {partition}")} and ({keys})", select: ["RowKey"], cancellationToken: cancellationToken))
        {
            found.Add((row.RowKey, row.ETag));
        }

        return found;
    }

    internal static bool IsHoldKey(string rowKey, out string bucket)
    {
        var isHold = rowKey.StartsWith(HoldPrefix, StringComparison.Ordinal);
        bucket = isHold ? rowKey[HoldPrefix.Length..] : "";
        return isHold;
    }

    internal static bool IsBookingKey(string rowKey) => rowKey.StartsWith(BookingPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Which booking a guardian's pointer named when this instance last read or wrote it, so the next seat read
    /// asks for that booking row in the same query instead of a second read. Only a hint: the pointer read with
    /// it decides, and a booking row it does not name is read by key as before.
    /// </summary>
    private void Hint(string partition, string guardianKey, string? bookingId) => _bookingHints.Set(partition + "|" + guardianKey, bookingId);

    /// <summary>A booking by id alone (admin routes, feedback replies): its partition is in the id, so one read by key.</summary>
    public async Task<Booking?> GetAsync(string bookingId, CancellationToken cancellationToken) =>
        TryPartitionOf(bookingId, out var partition) && await GetIfExistsAsync(partition, BookingPrefix + bookingId, cancellationToken) is { } row
            ? Read(row)
            : null;

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

    /// <summary>A counsellor's bookings (cancelled ones too) starting in [from, to), by start: a filter on the stored start, not the whole history.</summary>
    public async Task<IReadOnlyList<Booking>> ListStartingAsync(string schoolId, string counselorId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(schoolId, counselorId);
        var list = new List<Booking>();
        await foreach (var row in Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {BookingPrefix} and RowKey lt {"b}"} and Start ge {from} and Start lt {to}"), cancellationToken: cancellationToken))
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

    /// <summary>
    /// The partition a booking id names: ids are <c>{school}.{counsellor}.{20 hex}</c> (school and
    /// counsellor ids are lower-case letters, digits and '-', so '.' separates them). False for anything else.
    /// </summary>
    public static bool TryPartitionOf(string? bookingId, out string partition)
    {
        partition = "";
        var parts = bookingId?.Split('.') ?? [];
        if (parts is not [var school, var counselor, var random] || school.Length == 0 || counselor.Length == 0
            || !IsIdPart(school) || !IsIdPart(counselor) || random.Length != 20 || !random.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        partition = PartitionOf(school, counselor);
        return true;
    }

    private static bool IsIdPart(string part) => part.Length <= 63 && part.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

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

    internal static TableEntity ToEntity(string partition, Booking booking) => new(partition, BookingPrefix + booking.Id)
    {
        ["Json"] = JsonSerializer.Serialize(booking, Json),
        ["Start"] = booking.Start,
        ["Status"] = booking.Status.ToString(),
    };

    private static Booking Read(TableEntity row) => JsonSerializer.Deserialize<Booking>(row.GetString("Json")!, Json)!;

    private static string NewId(string schoolId, string counselorId) => $"{schoolId}.{counselorId}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10))}";
}

/// <summary>A bounded map of guardian pointer → booking id for <see cref="BookingStore.ReadSeatsAsync"/> (a hint, never a decision).</summary>
internal sealed class BookingHints
{
    private const int MaxEntries = 20_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _ids = new(StringComparer.Ordinal);

    public string? Get(string key) => _ids.TryGetValue(key, out var id) ? id : null;

    public void Set(string key, string? bookingId)
    {
        if (bookingId is null)
        {
            _ids.TryRemove(key, out _);
            return;
        }

        if (_ids.Count >= MaxEntries)
        {
            _ids.Clear();
        }

        _ids[key] = bookingId;
    }
}
