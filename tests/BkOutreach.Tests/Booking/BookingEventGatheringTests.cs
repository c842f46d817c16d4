using System.Text.Json;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// The bookings an instance commits at about the same time go to the handler as one queue message
/// (<see cref="BookingEventQueue.Gather"/>), each named once; a message never names more than
/// <see cref="BookingEventQueue.MaxPerMessage"/>, and one booking alone keeps the one-booking shape.
/// Against a queue of its own (an Azurite of this test's own), so no other test's messages mix in.
/// </summary>
public sealed class BookingEventGatheringTests : IAsyncLifetime
{
    private Azurite _azurite = null!;
    private StorageAccount _storage = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartOnFreePortsAsync(null, TextWriter.Null, CancellationToken.None);
        _storage = new StorageAccount(Options.Create(new StorageOptions { ConnectionString = _azurite.ConnectionString }), []);
        await _storage.EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    [Fact]
    public async Task CommitsWithinTheGatheringTime_GoOutAsOneMessage_EachBookingNamedOnce_ThenTheNextGatheringStartsAfresh()
    {
        var held = new TaskCompletionSource();
        var queue = new BookingEventQueue(_storage, NullLogger<BookingEventQueue>.Instance) { GatherWait = () => held.Task };

        queue.NotifySoon("s.c.00000000000000000001");
        queue.NotifySoon("s.c.00000000000000000002");
        queue.NotifySoon("s.c.00000000000000000001"); // changed again before the message went
        held.SetResult();
        var first = await MessagesAsync(1);

        var later = new TaskCompletionSource();
        queue.GatherWait = () => later.Task;
        queue.NotifySoon("s.c.00000000000000000003");
        later.SetResult();
        var both = await MessagesAsync(2);

        Assert.Equal(["s.c.00000000000000000001", "s.c.00000000000000000002"], Assert.Single(first).All());
        Assert.Equal(["s.c.00000000000000000003"], both[1].All());
        Assert.Null(both[1].BookingIds); // one booking: the one-booking shape
    }

    [Fact]
    public async Task MoreBookingsThanOneMessageHolds_GoOutInSeveral_NoneLost()
    {
        var held = new TaskCompletionSource();
        var queue = new BookingEventQueue(_storage, NullLogger<BookingEventQueue>.Instance) { GatherWait = () => held.Task };
        var ids = Enumerable.Range(0, BookingEventQueue.MaxPerMessage * 2 + 7).Select(i => $"s.c.{i:D20}").ToList();

        foreach (var id in ids)
        {
            queue.NotifySoon(id);
        }

        held.SetResult();
        var messages = await MessagesAsync(3);

        Assert.Equal([BookingEventQueue.MaxPerMessage, BookingEventQueue.MaxPerMessage, 7], messages.Select(m => m.All().Count));
        Assert.Equal(ids, messages.SelectMany(m => m.All()));
    }

    [Fact]
    public void AMessageOfTheOneBookingShape_AndOneOfSeveral_NameTheirBookings()
    {
        var one = JsonSerializer.Deserialize<BookingEventMessage>("""{"bookingId":"s.c.00000000000000000001"}""", StorageJson.Options)!;
        var several = JsonSerializer.Deserialize<BookingEventMessage>("""{"bookingIds":["s.c.00000000000000000002","s.c.00000000000000000002","s.c.00000000000000000003"]}""", StorageJson.Options)!;
        var neither = JsonSerializer.Deserialize<BookingEventMessage>("{}", StorageJson.Options)!;

        Assert.Equal(["s.c.00000000000000000001"], one.All());
        Assert.Equal(["s.c.00000000000000000002", "s.c.00000000000000000003"], several.All());
        Assert.Empty(neither.All());
    }

    private async Task<List<BookingEventMessage>> MessagesAsync(int count)
    {
        var queue = _storage.Queue(BookingQueues.EventsQueue);
        var peeked = await Poll.UntilAsync(async () => (await queue.PeekMessagesAsync(32)).Value, m => m.Length >= count);
        Assert.Equal(count, peeked.Length);
        return [.. peeked.Select(m => JsonSerializer.Deserialize<BookingEventMessage>(m.Body.ToString(), StorageJson.Options)!)];
    }
}
