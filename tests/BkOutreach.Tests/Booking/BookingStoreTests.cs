using BkOutreach.Core.Booking;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Booking;

public sealed class BookingStoreTests
{
    private static readonly DateTimeOffset Saturday0800 = new(2027, 1, 16, 1, 0, 0, TimeSpan.Zero); // 08:00 WIB

    private readonly string _school = "school-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<BookingStore> StoreAsync() =>
        new(await TestStorage.CreateAsync(), new FakeTimeProvider(Saturday0800.AddDays(-5)));

    private SeatRequest Request(string guardian, DateTimeOffset start, int minutes = 30, int seats = 1, string campaign = "c1", string counselor = "bk-1") =>
        new(_school, counselor, guardian, campaign, $"{counselor}.{start:yyyyMMddTHHmm}.{minutes}", start, start.AddMinutes(minutes), seats, "in_person", ["s-" + guardian]);

    [Fact]
    public async Task Seal_CancelsTheOpenMeeting_AndNothingCanBeBookedOrCancelledAfter_WithOrWithoutAnEarlierRead()
    {
        var store = await StoreAsync();
        var booked = (await store.TakeSeatAsync(Request("a", Saturday0800), CancellationToken.None)).Booking!;
        // A booking request that read the guardian's seats before the erasure (a reschedule) ...
        var staleMove = await store.ReadSeatsAsync(_school, "bk-1", "c1", "a", Saturday0800.AddDays(-1), Saturday0800.AddDays(2), CancellationToken.None);
        // ... and one for a campaign where the guardian had no booking yet.
        var staleNew = await store.ReadSeatsAsync(_school, "bk-1", "c2", "a", Saturday0800.AddDays(-1), Saturday0800.AddDays(2), CancellationToken.None);

        var cancelled = await store.SealAsync(_school, "bk-1", "c1", "a", CancellationToken.None);
        Assert.Null(await store.SealAsync(_school, "bk-1", "c2", "a", CancellationToken.None));
        Assert.Null(await store.SealAsync(_school, "bk-1", "c2", "a", CancellationToken.None));

        Assert.Equal((booked.Id, BookingStatus.Cancelled), (cancelled!.Id, cancelled.Status));
        Assert.Empty(await store.GetSeatUsageAsync(_school, "bk-1", Saturday0800, Saturday0800.AddHours(1), CancellationToken.None));
        Assert.Equal(SeatOutcome.GuardianErased, (await store.TakeSeatAsync(Request("a", Saturday0800.AddHours(1)), staleMove, CancellationToken.None)).Outcome);
        Assert.Equal(SeatOutcome.GuardianErased, (await store.TakeSeatAsync(Request("a", Saturday0800.AddHours(2), campaign: "c2"), staleNew, CancellationToken.None)).Outcome);
        Assert.Null(await store.CancelAsync(_school, "bk-1", "c1", "a", BkOutreach.Core.Participation.ParticipationChannel.Web, CancellationToken.None));
        Assert.Null(await store.GetActiveAsync(_school, "bk-1", "c1", "a", CancellationToken.None));
        Assert.True((await store.ReadSeatsAsync(_school, "bk-1", "c1", "a", Saturday0800, Saturday0800.AddDays(1), CancellationToken.None)).GuardianErased);
        Assert.Empty(await store.GetSeatUsageAsync(_school, "bk-1", Saturday0800, Saturday0800.AddHours(3), CancellationToken.None));
        // Another guardian books as before.
        Assert.Equal(SeatOutcome.Booked, (await store.TakeSeatAsync(Request("b", Saturday0800), CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Booking_HundredParentsForOneSeat_ExactlyOneGetsIt()
    {
        var store = await StoreAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => store.TakeSeatAsync(Request($"g{i}", Saturday0800), CancellationToken.None))));

        Assert.Equal(1, results.Count(r => r.Outcome == SeatOutcome.Booked));
        Assert.Equal(99, results.Count(r => r.Outcome == SeatOutcome.SlotTaken));
        var usage = await store.GetSeatUsageAsync(_school, "bk-1", Saturday0800, Saturday0800.AddHours(1), CancellationToken.None);
        Assert.Equal(1, Assert.Single(usage).Taken);
    }

    [Fact]
    public async Task Booking_GroupSlotWithThreeSeats_ExactlyThreeGetIt()
    {
        var store = await StoreAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => store.TakeSeatAsync(Request($"g{i}", Saturday0800, seats: 3), CancellationToken.None))));

        Assert.Equal(3, results.Count(r => r.Outcome == SeatOutcome.Booked));
        Assert.Equal(37, results.Count(r => r.Outcome == SeatOutcome.SlotTaken));
        Assert.Equal(3, (await store.GetSeatUsageAsync(_school, "bk-1", Saturday0800, Saturday0800.AddHours(1), CancellationToken.None)).Single().Taken);
    }

    [Fact]
    public async Task Booking_OverlappingSlotOfAnotherLength_IsTaken()
    {
        var store = await StoreAsync();
        await store.TakeSeatAsync(Request("a", Saturday0800, 30), CancellationToken.None);

        // The rules changed to 45-minute slots: 08:15-09:00 overlaps 08:00-08:30.
        var overlapping = await store.TakeSeatAsync(Request("b", Saturday0800.AddMinutes(15), 45), CancellationToken.None);
        var adjacent = await store.TakeSeatAsync(Request("c", Saturday0800.AddMinutes(30), 45), CancellationToken.None);

        Assert.Equal(SeatOutcome.SlotTaken, overlapping.Outcome);
        Assert.Equal(SeatOutcome.Booked, adjacent.Outcome);
    }

    [Fact]
    public async Task Booking_SameSubmitTwice_BooksOnce()
    {
        var store = await StoreAsync();

        var first = await store.TakeSeatAsync(Request("a", Saturday0800), CancellationToken.None);
        var second = await store.TakeSeatAsync(Request("a", Saturday0800), CancellationToken.None);

        Assert.Equal(SeatOutcome.Booked, first.Outcome);
        Assert.Equal(SeatOutcome.Unchanged, second.Outcome);
        Assert.Equal(first.Booking!.Id, second.Booking!.Id);
        Assert.Single(await store.ListAsync(_school, "bk-1", CancellationToken.None));
    }

    [Fact]
    public async Task Reschedule_MovesTheBooking_FreesTheOldSeat_AndKeepsTheId()
    {
        var store = await StoreAsync();
        var booked = (await store.TakeSeatAsync(Request("a", Saturday0800), CancellationToken.None)).Booking!;

        var moved = await store.TakeSeatAsync(Request("a", Saturday0800.AddMinutes(15)), CancellationToken.None);
        var oldSlotForOther = await store.TakeSeatAsync(Request("b", Saturday0800.AddMinutes(-30)), CancellationToken.None);

        Assert.Equal(SeatOutcome.Rescheduled, moved.Outcome);
        Assert.Equal(booked.Id, moved.Booking!.Id);
        Assert.Equal(booked.Sequence + 1, moved.Booking.Sequence);
        Assert.Equal(SeatOutcome.Booked, oldSlotForOther.Outcome);
        var active = await store.GetActiveAsync(_school, "bk-1", "c1", "a", CancellationToken.None);
        Assert.Equal(Saturday0800.AddMinutes(15), active!.Start);
        var usage = await store.GetSeatUsageAsync(_school, "bk-1", Saturday0800.AddHours(-1), Saturday0800.AddHours(2), CancellationToken.None);
        Assert.Equal([Saturday0800.AddMinutes(-30), Saturday0800.AddMinutes(15)], usage.Select(u => u.Start));
    }

    [Fact]
    public async Task Reschedule_ConcurrentMovesOfOneBooking_LeaveExactlyOneBooking()
    {
        var store = await StoreAsync();
        await store.TakeSeatAsync(Request("a", Saturday0800), CancellationToken.None);
        var targets = Enumerable.Range(1, 8).Select(i => Saturday0800.AddHours(i)).ToList();

        var results = await Task.WhenAll(targets.Select(t => Task.Run(() => store.TakeSeatAsync(Request("a", t), CancellationToken.None))));

        Assert.All(results, r => Assert.Equal(SeatOutcome.Rescheduled, r.Outcome));
        var bookings = await store.ListAsync(_school, "bk-1", CancellationToken.None);
        var active = Assert.Single(bookings, b => b.Status == BookingStatus.Confirmed);
        var usage = await store.GetSeatUsageAsync(_school, "bk-1", Saturday0800.AddHours(-1), Saturday0800.AddHours(12), CancellationToken.None);
        Assert.Equal(active.Start, Assert.Single(usage).Start);
    }

    [Fact]
    public async Task Reschedule_ToATakenSlot_KeepsTheOldBooking()
    {
        var store = await StoreAsync();
        var mine = (await store.TakeSeatAsync(Request("a", Saturday0800), CancellationToken.None)).Booking!;
        await store.TakeSeatAsync(Request("b", Saturday0800.AddHours(1)), CancellationToken.None);

        var result = await store.TakeSeatAsync(Request("a", Saturday0800.AddHours(1)), CancellationToken.None);

        Assert.Equal(SeatOutcome.SlotTaken, result.Outcome);
        Assert.Equal(mine.Start, (await store.GetActiveAsync(_school, "bk-1", "c1", "a", CancellationToken.None))!.Start);
    }

    [Fact]
    public async Task Cancel_FreesTheSeat_AndKeepsTheBookingAsCancelled()
    {
        var store = await StoreAsync();
        var booked = (await store.TakeSeatAsync(Request("a", Saturday0800), CancellationToken.None)).Booking!;

        var cancelled = await store.CancelAsync(_school, "bk-1", "c1", "a", BkOutreach.Core.Participation.ParticipationChannel.Web, CancellationToken.None);
        var again = await store.CancelAsync(_school, "bk-1", "c1", "a", BkOutreach.Core.Participation.ParticipationChannel.Web, CancellationToken.None);
        var other = await store.TakeSeatAsync(Request("b", Saturday0800), CancellationToken.None);

        Assert.Equal(BookingStatus.Cancelled, cancelled!.Status);
        Assert.Null(again);
        Assert.Equal(SeatOutcome.Booked, other.Outcome);
        Assert.Equal(BookingStatus.Cancelled, (await store.GetAsync(booked.Id, CancellationToken.None))!.Status);
        Assert.Null(await store.GetActiveAsync(_school, "bk-1", "c1", "a", CancellationToken.None));
    }

    [Fact]
    public async Task Booking_OnePerGuardianPerCampaign_ButAnotherCampaignIsSeparate()
    {
        var store = await StoreAsync();
        await store.TakeSeatAsync(Request("a", Saturday0800, campaign: "c1"), CancellationToken.None);

        var second = await store.TakeSeatAsync(Request("a", Saturday0800.AddHours(2), campaign: "c2"), CancellationToken.None);

        Assert.Equal(SeatOutcome.Booked, second.Outcome);
        Assert.Equal(2, (await store.ListAsync(_school, "bk-1", CancellationToken.None)).Count(b => b.Status == BookingStatus.Confirmed));
    }

    [Fact]
    public async Task Booking_OnAStaleSnapshot_TheTransactionRefusesIt_AndTheRetrySeesTheSeatTaken()
    {
        var store = await StoreAsync();
        var snapshot = await store.ReadSeatsAsync(_school, "bk-1", "c1", "a", Saturday0800.AddDays(-1), Saturday0800.AddDays(1), CancellationToken.None);
        Assert.Empty(snapshot.Usage);

        var other = await store.TakeSeatAsync(Request("b", Saturday0800), CancellationToken.None);
        var late = await store.TakeSeatAsync(Request("a", Saturday0800), snapshot, CancellationToken.None);

        Assert.Equal(SeatOutcome.Booked, other.Outcome);
        Assert.Equal(SeatOutcome.SlotTaken, late.Outcome);
        Assert.Equal(1, Assert.Single(await store.GetSeatUsageAsync(_school, "bk-1", Saturday0800, Saturday0800.AddHours(1), CancellationToken.None)).Taken);
    }

    [Fact]
    public async Task Booking_OnAFreshSnapshot_TakesTheSeat_AndTheSnapshotShowsTheGuardiansBookingNextTime()
    {
        var store = await StoreAsync();
        var before = await store.ReadSeatsAsync(_school, "bk-1", "c1", "a", Saturday0800.AddDays(-1), Saturday0800.AddDays(1), CancellationToken.None);

        var booked = await store.TakeSeatAsync(Request("a", Saturday0800), before, CancellationToken.None);
        var after = await store.ReadSeatsAsync(_school, "bk-1", "c1", "a", Saturday0800.AddDays(-1), Saturday0800.AddDays(1), CancellationToken.None);

        Assert.Equal(SeatOutcome.Booked, booked.Outcome);
        Assert.Null(before.Active);
        Assert.Equal(booked.Booking!.Id, after.Active?.Id);
        Assert.Equal(1, Assert.Single(after.Usage).Taken);
    }

    [Fact]
    public async Task GetById_ReadsTheBookingByTheKeyItsIdCarries_WithNoIndexAndNoSearch()
    {
        var storage = await TestStorage.CreateAsync();
        var time = new FakeTimeProvider(Saturday0800.AddDays(-5));
        var id = (await new BookingStore(storage, time).TakeSeatAsync(Request("a", Saturday0800), CancellationToken.None)).Booking!.Id;

        // A second store (another instance, after a restart) has nothing in memory: the id is enough.
        var found = await new BookingStore(storage, time).GetAsync(id, CancellationToken.None);

        Assert.StartsWith($"{_school}.bk-1.", id, StringComparison.Ordinal);
        Assert.Equal(id, found?.Id);
        Assert.True(BookingStore.TryPartitionOf(id, out var partition));
        Assert.Equal($"{_school}|bk-1", partition);
        Assert.Null(await new BookingStore(storage, time).GetAsync($"{_school}.bk-1.00000000000000000000", CancellationToken.None));
        Assert.Null(await new BookingStore(storage, time).GetAsync("00000000000000000000", CancellationToken.None));
        Assert.False(BookingStore.TryPartitionOf("a|b.c.00000000000000000000", out _));
    }
}
