using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace BkOutreach.Core.Booking;

/// <summary>
/// What this instance last saw of a counsellor's booking partition — the hold rows of the booking horizon and
/// the pointer and booking rows of the guardians it served, each with its ETag — so that a booking request
/// can build its seat transaction without reading first (<see cref="BookingStore.ReadSeatsAsync"/> with
/// <c>recent</c>). A view is only ever a guess, never a decision:
/// <list type="bullet">
/// <item>a seat is taken only by the transaction, whose every row is conditional on what the view said (add
/// where it saw none, replace or delete on the ETag it saw), so a view that missed another instance's write
/// fails the transaction, and the next attempt reads afresh;</item>
/// <item>an answer that writes nothing (taken, already booked) is confirmed by point reads of the rows it
/// rests on before it is given (<see cref="BookingStore.StillAsSeenAsync"/>), and read afresh when they moved;</item>
/// <item>a transaction that failed forgets the partition's view.</item>
/// </list>
/// The view's holds come from one read of the whole horizon at most <see cref="For"/> ago, brought up to date
/// with this instance's own committed writes; only the slot check's buffer between meetings (which no row
/// guards, here or in a fresh read) can see another instance's booking that late.
/// </summary>
internal sealed class SeatViews(TimeProvider time)
{
    /// <summary>How long a read of a partition's holds is used again; every write of this instance keeps it current.</summary>
    public static readonly TimeSpan For = TimeSpan.FromSeconds(5);

    /// <summary>Past this many partitions the views older than <see cref="For"/> are dropped (they only serve a few seconds).</summary>
    private const int MaxPartitions = 1_000;
    private const int MaxGuardiansPerPartition = 20_000;

    private readonly ConcurrentDictionary<string, View> _views = new(StringComparer.Ordinal);

    // Moves on every change applied to a view: a read merged later keeps what was applied after it began.
    private long _stamp;

    /// <summary>What a guardian's rows were: the pointer (null: none) and the booking row it names (null: none or not read).</summary>
    internal sealed record GuardianRows(TableEntity? Pointer, TableEntity? Row);

    /// <summary>A copy of a fresh view covering [from, ...): its holds and range, and the guardian's rows when known.</summary>
    internal sealed record Seen(DateTimeOffset From, DateTimeOffset To, Dictionary<string, TableEntity> Holds, GuardianRows? Guardian);

    /// <summary>A stamp to take before a read whose result is merged with <see cref="Merge"/>.</summary>
    public long Begin() => Interlocked.Increment(ref _stamp);

    public Seen? TryGet(string partition, string guardianKey, DateTimeOffset from)
    {
        if (!_views.TryGetValue(partition, out var view))
        {
            return null;
        }

        lock (view.Gate)
        {
            if (view.ReadAt + For <= time.GetUtcNow() || from < view.From)
            {
                return null;
            }

            var holds = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
            foreach (var (bucket, entry) in view.Holds)
            {
                if (entry.Row is not null)
                {
                    holds[bucket] = entry.Row;
                }
            }

            return new Seen(view.From, view.To, holds, view.Guardians.TryGetValue(guardianKey, out var g) ? g.Value : null);
        }
    }

    /// <summary>
    /// Merges a read of the holds of [from, to) begun at <paramref name="begun"/> (and of one guardian's rows):
    /// what this instance applied after the read began is kept, everything else is taken from the read.
    /// </summary>
    public void Merge(string partition, long begun, DateTimeOffset readAt, DateTimeOffset from, DateTimeOffset to, IReadOnlyDictionary<string, TableEntity> holds, string guardianKey, GuardianRows guardian)
    {
        if (_views.Count >= MaxPartitions && !_views.ContainsKey(partition))
        {
            Prune(readAt);
        }

        var view = _views.GetOrAdd(partition, _ => new View());
        lock (view.Gate)
        {
            foreach (var bucket in view.Holds.Keys.ToList())
            {
                if (view.Holds[bucket].Stamp < begun && !holds.ContainsKey(bucket))
                {
                    view.Holds.Remove(bucket);
                }
            }

            foreach (var (bucket, row) in holds)
            {
                if (!view.Holds.TryGetValue(bucket, out var kept) || kept.Stamp < begun)
                {
                    view.Holds[bucket] = (row, begun);
                }
            }

            (view.ReadAt, view.From, view.To) = (readAt, from, to);
            LearnLocked(view, guardianKey, guardian, begun);
        }
    }

    /// <summary>Keeps a guardian's rows read by key (begun at <paramref name="begun"/>) in an existing view.</summary>
    public void Learn(string partition, long begun, string guardianKey, GuardianRows guardian)
    {
        if (_views.TryGetValue(partition, out var view))
        {
            lock (view.Gate)
            {
                LearnLocked(view, guardianKey, guardian, begun);
            }
        }
    }

    /// <summary>Brings the view up to date with a committed transaction: each row as written (with the ETag it got), or gone.</summary>
    public void Applied(string partition, IReadOnlyList<TableTransactionAction> batch, IReadOnlyList<Response> responses, string guardianKey)
    {
        if (!_views.TryGetValue(partition, out var view) || responses.Count != batch.Count)
        {
            Forget(partition);
            return;
        }

        var stamp = Interlocked.Increment(ref _stamp);
        lock (view.Gate)
        {
            view.Guardians.TryGetValue(guardianKey, out var guardian);
            var (pointer, row) = guardian.Value is { } g ? (g.Pointer, g.Row) : (null, null);
            var knowsGuardian = guardian.Value is not null;
            for (var i = 0; i < batch.Count; i++)
            {
                var entity = (TableEntity)batch[i].Entity;
                var deleted = batch[i].ActionType == TableTransactionActionType.Delete;
                if (!deleted)
                {
                    entity.ETag = responses[i].Headers.ETag ?? default;
                }

                if (BookingStore.IsHoldKey(entity.RowKey, out var bucket))
                {
                    view.Holds[bucket] = (deleted ? null : entity, stamp);
                }
                else if (entity.RowKey == guardianKey)
                {
                    (pointer, knowsGuardian) = (deleted ? null : entity, true);
                }
                else if (BookingStore.IsBookingKey(entity.RowKey))
                {
                    row = deleted ? null : entity;
                }
            }

            if (knowsGuardian)
            {
                view.Guardians[guardianKey] = (new GuardianRows(pointer, row), stamp);
            }
        }
    }

    /// <summary>Drops what this instance saw of a partition (after a write it did not follow row by row, or a lost race).</summary>
    public void Forget(string partition) => _views.TryRemove(partition, out _);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (partition, view) in _views)
        {
            lock (view.Gate)
            {
                if (view.ReadAt + For <= now)
                {
                    _views.TryRemove(partition, out _);
                }
            }
        }

        if (_views.Count >= MaxPartitions)
        {
            _views.Clear();
        }
    }

    private static void LearnLocked(View view, string guardianKey, GuardianRows guardian, long begun)
    {
        if (view.Guardians.TryGetValue(guardianKey, out var kept) && kept.Stamp >= begun)
        {
            return;
        }

        if (view.Guardians.Count >= MaxGuardiansPerPartition)
        {
            view.Guardians.Clear();
        }

        view.Guardians[guardianKey] = (guardian, begun);
    }

    private sealed class View
    {
        public readonly Lock Gate = new();
        public readonly Dictionary<string, (TableEntity? Row, long Stamp)> Holds = new(StringComparer.Ordinal);
        public readonly Dictionary<string, (GuardianRows Value, long Stamp)> Guardians = new(StringComparer.Ordinal);
        public DateTimeOffset ReadAt = DateTimeOffset.MinValue;
        public DateTimeOffset From;
        public DateTimeOffset To;
    }
}
