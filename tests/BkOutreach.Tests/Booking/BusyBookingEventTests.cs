using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.Functions.Booking;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// A booking-events message that finds the booking's next event held by another handler must not be lost:
/// that handler works only through the events it listed when it began, so the booking is queued again for
/// a few seconds later instead of waiting for the sweep.
/// </summary>
public sealed class BusyBookingEventTests
{
    [Fact]
    public async Task AMessageForABookingAnotherHandlerHolds_QueuesTheBookingAgainForLater()
    {
        // Monday 2027-01-11 09:00 WIB: the campaign's booking window is open.
        await using var runner = await TestRunner.StartAsync(settings: new BkOutreach.LocalRunner.RunnerSettings { Clock = new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero) });
        var (schoolId, campaignId, tokens) = await BookingRoundTripTests.SchoolWithLinksAsync(runner, 1);
        var slot = (await runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{tokens[0]}/slots")).EnumerateArray().First();
        var guardian = (await runner.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(schoolId, CancellationToken.None)).Single();

        // Booked through a store that queues nothing, and its event claimed as another handler would.
        var quiet = new BookingStore(runner.Services.GetRequiredService<StorageAccount>(), runner.Services.GetRequiredService<TimeProvider>());
        var booking = (await quiet.TakeSeatAsync(
            new SeatRequest(schoolId, "bk-1", guardian.Id, campaignId, slot.GetProperty("id").GetString()!, slot.GetProperty("start").GetDateTimeOffset(), slot.GetProperty("end").GetDateTimeOffset(), 1, "in_person", [.. guardian.Students.Select(s => s.Id)], ParticipationChannel.Web),
            CancellationToken.None)).Booking!;
        var pending = Assert.Single(await quiet.ListPendingEventsAsync(booking.Id, CancellationToken.None));
        Assert.NotNull(await quiet.ClaimEventAsync(pending, BookingEventHandler.Lease, CancellationToken.None));
        var queue = runner.Services.GetRequiredService<StorageAccount>().Queue(BookingQueues.EventsQueue);
        await queue.CreateIfNotExistsAsync();
        var before = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

        var function = new HandleBookingEvents(runner.Services.GetRequiredService<BookingEventHandler>(), runner.Services.GetRequiredService<BookingEventQueue>());
        await function.Run(new BookingEventMessage(booking.Id), 1, CancellationToken.None);

        Assert.Equal(before + 1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.DoesNotContain((await queue.PeekMessagesAsync(32)).Value, m => m.Body.ToString().Contains(booking.Id, StringComparison.Ordinal)); // not before BusyRetry
        Assert.Single(await quiet.ListPendingEventsAsync(booking.Id, CancellationToken.None)); // still there for the holder
    }

    [Fact]
    public async Task AMessageNamingSeveralBookings_CarriesOutEach_AndQueuesAgainOnlyTheOneAnotherHandlerHolds()
    {
        await using var runner = await TestRunner.StartAsync(settings: new BkOutreach.LocalRunner.RunnerSettings { Clock = new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero) });
        var (schoolId, campaignId, tokens) = await BookingRoundTripTests.SchoolWithLinksAsync(runner, 3);
        var slots = (await runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{tokens[0]}/slots")).EnumerateArray().Take(3).ToList();
        var guardians = (await runner.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(schoolId, CancellationToken.None)).OrderBy(g => g.Name, StringComparer.Ordinal).ToList();
        var quiet = new BookingStore(runner.Services.GetRequiredService<StorageAccount>(), runner.Services.GetRequiredService<TimeProvider>());
        var booked = new List<BkOutreach.Core.Booking.Booking>();
        for (var i = 0; i < 3; i++)
        {
            var slot = slots[i];
            booked.Add((await quiet.TakeSeatAsync(
                new SeatRequest(schoolId, "bk-1", guardians[i].Id, campaignId, slot.GetProperty("id").GetString()!, slot.GetProperty("start").GetDateTimeOffset(), slot.GetProperty("end").GetDateTimeOffset(), 1, "in_person", [.. guardians[i].Students.Select(s => s.Id)], ParticipationChannel.Web),
                CancellationToken.None)).Booking!);
        }

        var held = Assert.Single(await quiet.ListPendingEventsAsync(booked[1].Id, CancellationToken.None));
        Assert.NotNull(await quiet.ClaimEventAsync(held, BookingEventHandler.Lease, CancellationToken.None));
        var queue = runner.Services.GetRequiredService<StorageAccount>().Queue(BookingQueues.EventsQueue);
        await queue.CreateIfNotExistsAsync();
        var before = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

        var function = new HandleBookingEvents(runner.Services.GetRequiredService<BookingEventHandler>(), runner.Services.GetRequiredService<BookingEventQueue>());
        await function.Run(new BookingEventMessage(BookingIds: [.. booked.Select(b => b.Id)]), 1, CancellationToken.None);

        Assert.Empty(await quiet.ListPendingEventsAsync(booked[0].Id, CancellationToken.None));
        Assert.Empty(await quiet.ListPendingEventsAsync(booked[2].Id, CancellationToken.None));
        Assert.Single(await quiet.ListPendingEventsAsync(booked[1].Id, CancellationToken.None)); // still there for the holder
        Assert.Equal(before + 1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount); // that one, for later
        var facts = await runner.Services.GetRequiredService<ParticipationLog>().ListAsync(schoolId, CancellationToken.None);
        Assert.Contains(facts, f => f.Event.FactKey == FactKeys.Booked(booked[0].Id));
        Assert.Contains(facts, f => f.Event.FactKey == FactKeys.Booked(booked[2].Id));
        Assert.DoesNotContain(facts, f => f.Event.FactKey == FactKeys.Booked(booked[1].Id));
    }
}
