using Azure.Data.Tables;

namespace BkOutreach.Core.Booking;

/// <summary>
/// One request's read of a counsellor's booking partition for one guardian (<see cref="BookingStore.ReadSeatsAsync"/>):
/// the guardian's pointer and booking rows and the hold rows of [<see cref="From"/>, <see cref="To"/>), with
/// their ETags. The slot check counts seats from it and the seat transaction's first attempt is built on it,
/// so the request reads them once; the transaction, not this snapshot, decides whether the seat is free.
/// </summary>
public sealed class SeatSnapshot
{
    private readonly Dictionary<string, TableEntity> _holds;

    internal SeatSnapshot(string partition, string guardianKey, TableEntity? pointer, TableEntity? currentRow, Booking? current, DateTimeOffset from, DateTimeOffset to, Dictionary<string, TableEntity> holds, bool fromView = false)
    {
        FromView = fromView;
        Partition = partition;
        GuardianKey = guardianKey;
        Pointer = pointer;
        CurrentRow = currentRow;
        From = from;
        To = to;
        _holds = holds;
        Active = current is { Status: BookingStatus.Confirmed } ? current : null;
        Usage = BookingStore.Usage(holds.Values);
    }

    /// <summary>
    /// Built from what this instance saw of the partition (<see cref="SeatViews"/>) rather than read for this
    /// request: an answer resting on it that writes nothing is confirmed first (<see cref="BookingStore.StillAsSeenAsync"/>).
    /// </summary>
    public bool FromView { get; }

    /// <summary>The guardian was erased: the pointer row is sealed and nothing can be booked for them.</summary>
    public bool GuardianErased => BookingStore.IsSealed(Pointer);

    /// <summary>The guardian's confirmed booking of the campaign with this counsellor, if any.</summary>
    public Booking? Active { get; }

    /// <summary>Seats held per slot in [<see cref="From"/>, <see cref="To"/>).</summary>
    public IReadOnlyList<SeatUsage> Usage { get; }

    public DateTimeOffset From { get; }

    public DateTimeOffset To { get; }

    internal string Partition { get; }

    internal string GuardianKey { get; }

    internal TableEntity? Pointer { get; }

    internal TableEntity? CurrentRow { get; }

    /// <summary>
    /// The holds a fresh read of [from, to) (widened to <paramref name="alsoCover"/>) would give, or null when
    /// that range reaches outside what was read (the caller then reads it).
    /// </summary>
    /// <summary>The first hold row of each slot held in [from, to), as this snapshot has them.</summary>
    internal IEnumerable<TableEntity> HoldsOfSlotsIn(DateTimeOffset from, DateTimeOffset to)
    {
        var low = BookingStore.Bucket(from);
        var high = BookingStore.Bucket(to);
        return _holds
            .Where(h => string.CompareOrdinal(h.Key, low) >= 0 && string.CompareOrdinal(h.Key, high) <= 0)
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .GroupBy(h => h.Value.GetString("Slot"), StringComparer.Ordinal)
            .Select(g => g.First().Value);
    }

    internal Dictionary<string, TableEntity>? HoldsCovering(DateTimeOffset from, DateTimeOffset to, Booking? alsoCover)
    {
        (from, to) = BookingStore.HoldRange(from, to, alsoCover);
        if (from < From || to > To)
        {
            return null;
        }

        var low = BookingStore.Bucket(from);
        var high = BookingStore.Bucket(to);
        var holds = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        foreach (var (bucket, row) in _holds)
        {
            if (string.CompareOrdinal(bucket, low) >= 0 && string.CompareOrdinal(bucket, high) < 0)
            {
                BookingStore.KeepHold(holds, row, from, to);
            }
        }

        return holds;
    }
}
