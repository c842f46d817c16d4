using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Reliability;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// What the booking-events queue function costs in storage round trips for one event, counted by method and
/// table while <see cref="BookingEventHandler.HandleAsync"/> runs, with the confirmation going to a (fake) ACS
/// as in production and Graph off (as in the load driver). The school, campaign and counsellors are read at
/// most once per event (and not at all after the parent opened their link on this instance); the guardian is
/// read fresh. The SMS's done mark needs no write of its own when no calendar step follows it.
/// </summary>
public sealed class BookingEventRoundTripTests
{
    // What a Booked event costs: its outbox row listed, claimed and removed; the fact inserted and counted into the
    // roll-ups (the guardian's ledger and the shard's counters read in one query, written in one transaction); the two
    // reminders; the guardian read fresh; the link renewed; the confirmation's sms_sent fact inserted (it is in no
    // roll-up cell, and the ledger just written has its counsellor: nothing to count).
    private const string Warm =
        "DELETE bookings 1, GET bookings 1, GET dashboardrollups 1, GET guardians 1, PATCH links 1, POST $batch 1, POST participation 2, PUT bookings 1, PUT reminderschedule 2";

    // A move to a slot of the same kind (day and mode) changes no counter: the same query, the ledger alone written.
    private const string Moved =
        "DELETE bookings 1, GET bookings 1, GET dashboardrollups 1, GET guardians 1, PATCH links 1, POST $batch 1, POST participation 2, PUT bookings 1, PUT reminderschedule 2";

    // Nothing read recently on this instance: the school, campaign and counsellor list once each.
    private const string Cold =
        "DELETE bookings 1, GET bookings 1, GET campaigns 1, GET counselors 1, GET dashboardrollups 1, GET guardians 1, GET schools 1, PATCH links 1, POST $batch 1, POST participation 2, PUT bookings 1, PUT reminderschedule 2";

    [Fact]
    public async Task OneBookedEvent_TakesElevenRoundTrips_FourteenWhenNothingWasReadRecently_AndARescheduleEleven()
    {
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
        var counter = new FlowRoundTrips();
        var clock = new ShiftableClock(SchoolMorning);
        await using var runner = await TestRunner.StartAsync(
            s => UseAcs(s, acs, maxPerMinute: 60_000),
            new RunnerSettings
            {
                ConfigureServices = s =>
                {
                    s.AddSingleton<TimeProvider>(clock);
                    s.AddSingleton(new StoragePipelinePolicy(counter, HttpPipelinePosition.PerRetry));
                },
            });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 2);
        var families = await TokensAsync(runner, journey.SchoolId, campaign);
        var directory = runner.Services.GetRequiredService<SchoolDirectory>();
        var handler = runner.Services.GetRequiredService<BookingEventHandler>();

        // Taken by a store that queues nothing, so only the handler called here carries the events out.
        var quiet = new BookingStore(runner.Services.GetRequiredService<StorageAccount>(), runner.Services.GetRequiredService<TimeProvider>());
        async Task<string> TakeAsync(string guardianId, JsonElement slot)
        {
            var guardian = (await directory.GetGuardianAsync(journey.SchoolId, guardianId, CancellationToken.None))!;
            var seat = await quiet.TakeSeatAsync(
                new SeatRequest(
                    journey.SchoolId, "bk-1", guardianId, campaign, slot.GetProperty("id").GetString()!,
                    slot.GetProperty("start").GetDateTimeOffset(), slot.GetProperty("end").GetDateTimeOffset(), 1, "in_person",
                    [.. guardian.Students.Select(s => s.Id)], ParticipationChannel.Web, [.. guardian.Students.Select(s => s.Class).Distinct()]),
                CancellationToken.None);
            return seat.Booking!.Id;
        }

        async Task<string> HandleCountedAsync(string bookingId)
        {
            counter.Counted.Clear();
            FlowRoundTrips.Counting.Value = true;
            HandleOutcome outcome;
            try
            {
                outcome = await handler.HandleAsync(bookingId, CancellationToken.None);
            }
            finally
            {
                FlowRoundTrips.Counting.Value = false;
            }

            Assert.Equal(HandleOutcome.Done, outcome);
            return string.Join(", ", counter.Counted.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
        }

        var slots = (await runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{families[0].Token}/slots")).EnumerateArray().ToList();

        // The first event on an instance that has read nothing of the school lately: what opening the link above
        // read is left behind by moving past RecentReads.For.
        var cold = await TakeAsync(families[0].GuardianId, slots[0]);
        clock.Advance(RecentReads.For + TimeSpan.FromSeconds(1));
        var coldTrips = await HandleCountedAsync(cold);

        // The second parent opens their link (as a parent does), books, then moves the meeting.
        using (await runner.Http.GetAsync($"api/links/{families[1].Token}/slots"))
        {
        }

        var booked = await TakeAsync(families[1].GuardianId, slots[1]);
        var bookedTrips = await HandleCountedAsync(booked);
        var moved = await TakeAsync(families[1].GuardianId, slots[2]);
        Assert.Equal(booked, moved);
        var rescheduledTrips = await HandleCountedAsync(moved);

        var expected = $"cold booked: {Cold}\nbooked: {Warm}\nrescheduled: {Moved}";
        var counted = $"cold booked: {coldTrips}\nbooked: {bookedTrips}\nrescheduled: {rescheduledTrips}";
        Assert.True(expected == counted, $"expected\n{expected}\ncounted\n{counted}");
        Assert.Equal(3, acs.Deliveries.Count); // two confirmations and the rescheduled one, each once
    }
}
