using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using NodaTime;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// What one uncontended new booking costs in storage round trips after the parent opened the link: the seat
/// transaction alone (it carries the booking's outbox row), built on what opening the page read of the
/// counsellor's partition (<c>SeatViews</c>; the transaction's conditions decide, <see cref="SeatViewTests"/>);
/// the link's grant read when the page opened is used again (an erased guardian's sealed pointer is what the
/// seat transaction fails on, <see cref="BkOutreach.Core.Booking.BookingStore.SealAsync"/>). Counted are the requests made while the booking request runs; the queue message that starts the
/// handler is sent once the transaction committed, off the request, and everything that follows (SMS,
/// calendar, evidence, reminders) is the handler's work. SMS go to a (fake) ACS, as in production.
/// </summary>
public sealed class BookingRoundTripTests
{
    // Monday 2027-01-11 09:00 WIB.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task OneUncontendedNewBooking_AfterItsLinkWasOpened_TakesOneStorageRoundTrip_ARescheduleOne_ARepeatedSubmitOneRead_ARefusalOneQuery()
    {
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(Clock));
        var counter = new FlowRoundTrips();
        await using var runner = await TestRunner.StartAsync(
            s => UseAcs(s, acs, maxPerMinute: 60_000),
            new RunnerSettings
            {
                Clock = Clock,
                ConfigureServices = s =>
                {
                    s.AddSingleton(new StoragePipelinePolicy(counter, HttpPipelinePosition.PerRetry));
                    s.AddSingleton<IStartupFilter>(new CountBookingPosts());
                },
            });
        var tokens = await FamiliesWithLinksAsync(runner, 2);
        var slots = (await runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{tokens[0]}/slots")).EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();

        // Warm-up: a first booking fills this instance's short-lived caches (school, campaign, counsellors,
        // busy time); the second parent opens their link first, as a parent does, which reads their guardian.
        using (var warmUp = await BookAsync(runner, tokens[0], slots[0]))
        {
            Assert.Equal(HttpStatusCode.Created, warmUp.StatusCode);
        }

        using (await runner.Http.GetAsync($"api/links/{tokens[1]}/slots"))
        {
        }

        counter.Counted.Clear();
        using var booked = await BookAsync(runner, tokens[1], slots[1]);

        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var trips = counter.Counted.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var described = string.Join(", ", trips.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
        Assert.True(trips.Values.Sum() == 1, $"one new booking took {trips.Values.Sum()} storage round trips: {described}");
        Assert.Equal(1, trips.GetValueOrDefault("POST $batch"));

        // The admin route finds the booking by its id alone (the id names its partition); the meeting has not
        // started, so attendance is refused as such (not as an unknown booking). The confirmation follows.
        var bookingId = (await booked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString()!;
        using var attended = await runner.Admin.PostAsync($"api/admin/bookings/{bookingId}/attendance", OutreachJourney.Json(new { status = "attended" }));
        Assert.Equal(HttpStatusCode.Conflict, attended.StatusCode);
        Assert.Equal("meeting_not_started", (await attended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // The parent moves the booking: this instance knows the rows it just wrote (with their ETags), so the
        // move is one transaction too. (Its confirmation first: a move while it still waited would replace it.)
        await EventuallyAsync(() => Task.FromResult(acs.Deliveries.Count), n => n >= 2, TimeSpan.FromSeconds(30));
        counter.Counted.Clear();
        using var moved = await BookAsync(runner, tokens[1], slots[2]);
        Assert.Equal(HttpStatusCode.Created, moved.StatusCode);
        Assert.Equal(bookingId, (await moved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString());
        var moveTrips = counter.Counted.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        Assert.True(moveTrips.Values.Sum() == 1, $"one reschedule took {moveTrips.Values.Sum()} storage round trips: {string.Join(", ", moveTrips.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.Equal(1, moveTrips.GetValueOrDefault("POST $batch"));
        var usage = await runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingStore>().GetSeatUsageAsync(
            (await runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingStore>().GetAsync(bookingId, CancellationToken.None))!.SchoolId, "bk-1", Clock, Clock.AddDays(60), CancellationToken.None);
        Assert.Equal(2, usage.Count); // the first parent's seat and the moved one: the seat moved from is free

        // The same submit again writes nothing, so nothing guards it: the booking row is read by key to confirm it.
        counter.Counted.Clear();
        using var again = await BookAsync(runner, tokens[1], slots[2]);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(bookingId, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString());
        Assert.Equal("GET bookings 1", string.Join(", ", counter.Counted.Select(kv => $"{kv.Key} {kv.Value}")));

        // A seat the first parent holds, asked for by the second (who has a booking elsewhere): "taken" writes
        // nothing, so it is confirmed by reading the guardian's pointer and the taken slot's hold row, both in
        // one query of their keys. Not the booking row: a change of the guardian's seat always rewrites the pointer.
        using (await runner.Http.GetAsync($"api/links/{tokens[1]}/slots"))
        {
        }

        counter.Counted.Clear();
        using var taken = await BookAsync(runner, tokens[1], slots[0]);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal("GET bookings 1", string.Join(", ", counter.Counted.Select(kv => $"{kv.Key} {kv.Value}")));

        var confirmations = await EventuallyAsync(() => Task.FromResult(acs.Deliveries.Count), n => n >= 3, TimeSpan.FromSeconds(30));
        Assert.Equal(3, confirmations); // one confirmation per booking and one for the move, nothing else was sent
    }

    private static Task<HttpResponseMessage> BookAsync(TestRunner runner, string token, string slotId) =>
        runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId }));

    /// <summary>A school with counsellor bk-1, <paramref name="families"/> guardians, a campaign and one link each.</summary>
    private static async Task<List<string>> FamiliesWithLinksAsync(TestRunner runner, int families) =>
        (await SchoolWithLinksAsync(runner, families)).Tokens;

    /// <summary>As <see cref="FamiliesWithLinksAsync"/>, with the school's and the campaign's ids.</summary>
    internal static async Task<(string SchoolId, string CampaignId, List<string> Tokens)> SchoolWithLinksAsync(TestRunner runner, int families)
    {
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}/counselors/bk-1", OutreachJourney.Json(new { name = "Guru BK Satu", email = "bk1@example.sch.id" }));
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        for (var i = 0; i < families; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i},Siswa {i},X IPA 1,Wali {i},08121{i:0000000},id,bk-1\n");
        }

        await journey.ImportAsync(csv.ToString());
        var campaign = await journey.CreateCampaignAsync();
        var definition = (await runner.Services.GetRequiredService<CampaignStore>().GetAsync(journey.SchoolId, campaign, CancellationToken.None))!.Definition;
        var expires = CampaignValidation.LinksExpireAt(definition, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]);
        var links = runner.Services.GetRequiredService<LinkTokens>();
        var tokens = new List<string>();
        foreach (var g in (await runner.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(journey.SchoolId, CancellationToken.None)).OrderBy(g => g.Name, StringComparer.Ordinal))
        {
            tokens.Add(await links.IssueAsync(journey.SchoolId, g.Id, campaign, expires, CancellationToken.None));
        }

        return (journey.SchoolId, campaign, tokens);
    }

    /// <summary>Marks the flow of every booking POST, so <see cref="FlowRoundTrips"/> counts what that request does.</summary>
    private sealed class CountBookingPosts : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                FlowRoundTrips.Counting.Value = HttpMethods.IsPost(context.Request.Method)
                    && context.Request.Path.Value?.EndsWith("/booking", StringComparison.Ordinal) == true;
                await following();
            });
            next(app);
        };
    }
}
