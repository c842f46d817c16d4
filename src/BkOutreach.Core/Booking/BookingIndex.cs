using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Booking;

/// <summary>
/// The booking id → partition index (table <c>bookingindex</c>, for routes that carry only a booking id),
/// written behind: a new booking's row waits here and is written with the others of the next
/// <see cref="Delay"/> in one entity-group transaction (one partition, up to 100 rows), off the parent's
/// request. It cannot join the seat transaction (another table). A row lost because the instance stopped
/// before writing it is harmless: <see cref="BookingStore.GetAsync"/> then searches the bookings table and
/// writes the row itself. Until written, the row is answered from memory.
/// </summary>
internal sealed class BookingIndex(StorageAccount storage)
{
    private const string Partition = "booking";
    private const int MaxBatch = 100;

    /// <summary>Long enough to gather the bookings of a busy moment into one write, short enough to lose little on a crash.</summary>
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);
    private readonly WriteBehind _writer = new(Delay);

    private TableClient Table => storage.Table(StorageNames.BookingIndexTable);

    /// <summary>Queues the row of a booking just created; it is written within <see cref="Delay"/>.</summary>
    public void Add(string bookingId, string partition)
    {
        lock (_writer.Gate)
        {
            _pending[bookingId] = partition;
            _writer.Schedule(WriteSoonAsync, HasWaiting);
        }
    }

    /// <summary>The booking's partition, from memory while its row waits, else from the table; null when not indexed.</summary>
    public async Task<string?> FindAsync(string bookingId, CancellationToken cancellationToken)
    {
        lock (_writer.Gate)
        {
            if (_pending.TryGetValue(bookingId, out var waiting))
            {
                return waiting;
            }
        }

        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, bookingId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("Partition") : null;
    }

    /// <summary>Writes one row now (a booking found without its row).</summary>
    public async Task WriteAsync(string bookingId, string partition, CancellationToken cancellationToken) =>
        await Table.UpsertEntityAsync(Row(bookingId, partition), TableUpdateMode.Replace, cancellationToken);

    /// <summary>Writes every waiting row now (shutdown, tests).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> rows;
        lock (_writer.Gate)
        {
            rows = [.. _pending];
        }

        foreach (var chunk in rows.Chunk(MaxBatch))
        {
            await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Row(r.Key, r.Value))), cancellationToken);
            lock (_writer.Gate)
            {
                foreach (var (id, partition) in chunk)
                {
                    if (_pending.TryGetValue(id, out var waiting) && waiting == partition)
                    {
                        _pending.Remove(id);
                    }
                }
            }
        }
    }

    private bool HasWaiting() => _pending.Count > 0;

    private async Task WriteSoonAsync()
    {
        try
        {
            await FlushAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The rows stay waiting and are tried again; a lookup meanwhile answers from memory.
        }
    }

    private static TableEntity Row(string bookingId, string partition) => new(Partition, bookingId) { ["Partition"] = partition };
}
