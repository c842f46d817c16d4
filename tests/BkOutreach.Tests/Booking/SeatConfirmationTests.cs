using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using Microsoft.Extensions.Options;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// A refusal from the seat view is confirmed by querying the rows it rests on by key. The table service takes
/// at most 15 comparisons in one filter, so a view resting on more held slots than one query may name is
/// confirmed in several queries: a row changed among the later ones must still be seen.
/// </summary>
public sealed class SeatConfirmationTests : IAsyncLifetime
{
    private const string Partition = "s1|bk-1";
    private const string GuardianKey = "g|c1|gd-1";
    private static readonly DateTimeOffset From = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private readonly Filters _filters = new();
    private Azurite _azurite = null!;
    private StorageAccount _storage = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartOnFreePortsAsync(null, TextWriter.Null, CancellationToken.None);
        _storage = new StorageAccount(Options.Create(new StorageOptions { ConnectionString = _azurite.ConnectionString }), [new StoragePipelinePolicy(_filters, HttpPipelinePosition.PerCall)]);
        await _storage.EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    [Theory]
    [InlineData(-1, true)] // nothing changed
    [InlineData(0, false)] // a hold in the first query
    [InlineData(BookingStore.KeysPerQuery + 3, false)] // a hold only a later query names
    [InlineData(int.MaxValue, false)] // the guardian's pointer
    public async Task EveryRowTheViewRestsOn_IsCompared_HoweverManyQueriesItTakes(int changed, bool expected)
    {
        const int slots = BookingStore.KeysPerQuery * 2;
        var table = _storage.Table(StorageNames.BookingsTable);
        await table.AddEntityAsync(new TableEntity(Partition, GuardianKey) { ["BookingId"] = "b1" });
        for (var i = 0; i < slots; i++)
        {
            await table.AddEntityAsync(new TableEntity(Partition, "h|" + BookingStore.Bucket(From.AddMinutes(5 * i))) { ["Slot"] = SlotOf(i), ["Count"] = 1 });
        }

        var pointer = (await table.GetEntityAsync<TableEntity>(Partition, GuardianKey)).Value;
        var holds = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == Partition && r.RowKey.CompareTo("h|") > 0 && r.RowKey.CompareTo("h}") < 0))
        {
            holds[row.RowKey[2..]] = row;
        }

        Assert.Equal(slots, holds.Count);
        var to = From.AddMinutes(5 * slots);
        var seen = new SeatSnapshot(Partition, GuardianKey, pointer, null, null, From, to, holds, fromView: true);

        if (changed == int.MaxValue)
        {
            await table.UpdateEntityAsync(new TableEntity(Partition, GuardianKey) { ["BookingId"] = "b2" }, pointer.ETag, TableUpdateMode.Replace);
        }
        else if (changed >= 0)
        {
            var key = "h|" + BookingStore.Bucket(From.AddMinutes(5 * changed));
            await table.UpdateEntityAsync(new TableEntity(Partition, key) { ["Slot"] = SlotOf(changed), ["Count"] = 2 }, ETag.All, TableUpdateMode.Replace);
        }

        var store = new BookingStore(_storage, TimeProvider.System);
        _filters.Seen.Clear();
        Assert.Equal(expected, await store.StillAsSeenAsync(seen, From, to, ownBooking: false, CancellationToken.None));

        // Every row compared, none twice, and no filter over the service's 15 comparisons.
        var filters = _filters.Seen.ToList();
        Assert.Equal(3, filters.Count); // the pointer and 28 holds: 14 + 14 + 1
        Assert.All(filters, f => Assert.InRange(Comparisons(f), 2, 15));
        Assert.Equal(slots + 1, filters.Sum(f => Comparisons(f) - 1));
    }

    /// <summary>The i-th five-minute slot, as hold rows name it (its start and end in Unix seconds).</summary>
    private static string SlotOf(int i) => $"{From.AddMinutes(5 * i).ToUnixTimeSeconds()}-{From.AddMinutes(5 * (i + 1)).ToUnixTimeSeconds()}";

    private static int Comparisons(string filter) => filter.Split(" eq ").Length - 1;

    /// <summary>The $filter of every table query sent.</summary>
    private sealed class Filters : HttpPipelineSynchronousPolicy
    {
        public ConcurrentQueue<string> Seen { get; } = new();

        public override void OnSendingRequest(HttpMessage message)
        {
            var query = System.Web.HttpUtility.ParseQueryString(message.Request.Uri.Query);
            if (query["$filter"] is { } filter)
            {
                Seen.Enqueue(filter);
            }
        }
    }
}
