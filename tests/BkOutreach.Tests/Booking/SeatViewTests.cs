using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.Core.Booking;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// A booking request builds its seat transaction on what this instance saw of the counsellor's partition a
/// moment ago (<c>SeatViews</c>). Two instances share one storage here, on one clock that does not move, so
/// every view below is still fresh when it is used: what the other instance changed meanwhile must still
/// decide the answer — a seat taken there is refused here, a seat freed or a booking cancelled there is
/// booked here, never answered from the stale view.
/// </summary>
public sealed class SeatViewTests
{
    // Monday 2027-01-11 09:00 WIB.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ASeatTakenOnAnotherInstance_IsRefusedHere_ThoughThisInstanceSawItFree()
    {
        await using var pair = await PairAsync();
        var (tokens, slots) = await pair.FamiliesAsync(3);
        await OpenAsync(pair.Here, tokens[0]); // this instance sees slot 0 free

        Assert.Equal(HttpStatusCode.Created, (await BookAsync(pair.There, tokens[1], slots[0])).StatusCode);
        using var refused = await BookAsync(pair.Here, tokens[0], slots[0]);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("slot_taken", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        var booked = await pair.Store.ListAsync(pair.SchoolId, "bk-1", CancellationToken.None);
        Assert.Single(booked, b => b.Status == BookingStatus.Confirmed);
        Assert.Equal(HttpStatusCode.Created, (await BookAsync(pair.Here, tokens[0], slots[1])).StatusCode);
    }

    [Fact]
    public async Task ASeatFreedOnAnotherInstance_IsBookedHere_ThoughThisInstanceSawItTaken()
    {
        await using var pair = await PairAsync();
        var (tokens, slots) = await pair.FamiliesAsync(3);
        Assert.Equal(HttpStatusCode.Created, (await BookAsync(pair.Here, tokens[1], slots[0])).StatusCode);
        await OpenAsync(pair.Here, tokens[0]); // this instance sees slot 0 taken

        Assert.Equal(HttpStatusCode.NoContent, (await pair.There.Http.DeleteAsync($"api/links/{tokens[1]}/booking")).StatusCode);
        using var booked = await BookAsync(pair.Here, tokens[0], slots[0]);

        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var confirmed = Assert.Single(await pair.Store.ListAsync(pair.SchoolId, "bk-1", CancellationToken.None), b => b.Status == BookingStatus.Confirmed);
        Assert.Equal((await booked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString(), confirmed.Id);
    }

    [Fact]
    public async Task ABookingCancelledOnAnotherInstance_IsBookedAgainHere_NotAnsweredAsAlreadyBooked()
    {
        await using var pair = await PairAsync();
        var (tokens, slots) = await pair.FamiliesAsync(2);
        using var first = await BookAsync(pair.Here, tokens[0], slots[0]);
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await pair.There.Http.DeleteAsync($"api/links/{tokens[0]}/booking")).StatusCode);
        using var again = await BookAsync(pair.Here, tokens[0], slots[0]);

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var againId = (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString();
        Assert.NotEqual(firstId, againId);
        var guardian = (await pair.Store.ListAsync(pair.SchoolId, "bk-1", CancellationToken.None)).Single(b => b.Id == againId).GuardianId;
        Assert.Equal(againId, (await pair.Store.GetActiveAsync(pair.SchoolId, "bk-1", pair.CampaignId, guardian, CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task ABookingMovedOnAnotherInstance_MovesAgainFromWhereItIsNow_AndLeavesNoSeatHeldBehind()
    {
        await using var pair = await PairAsync();
        var (tokens, slots) = await pair.FamiliesAsync(2);
        Assert.Equal(HttpStatusCode.Created, (await BookAsync(pair.Here, tokens[0], slots[0])).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await BookAsync(pair.There, tokens[0], slots[1])).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await BookAsync(pair.Here, tokens[0], slots[2])).StatusCode);

        var booking = Assert.Single(await pair.Store.ListAsync(pair.SchoolId, "bk-1", CancellationToken.None));
        var usage = await pair.Store.GetSeatUsageAsync(pair.SchoolId, "bk-1", Clock, Clock.AddDays(60), CancellationToken.None);
        Assert.Equal((booking.Start, booking.End, 1), Assert.Single(usage) is var u ? (u.Start, u.End, u.Taken) : default);
        // The other parent can book both slots the booking passed through.
        Assert.Equal(HttpStatusCode.Created, (await BookAsync(pair.Here, tokens[1], slots[0])).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await BookAsync(pair.There, tokens[1], slots[1])).StatusCode);
    }

    private static Task<HttpResponseMessage> BookAsync(TestRunner runner, string token, string slotId) =>
        runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId }));

    private static async Task OpenAsync(TestRunner runner, string token)
    {
        using var opened = await runner.Http.GetAsync($"api/links/{token}/slots");
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
    }

    private static async Task<Pair> PairAsync()
    {
        var clock = new FakeTimeProvider(Clock);
        var here = await TestRunner.StartAsync(settings: new RunnerSettings { ConfigureServices = s => s.AddSingleton<TimeProvider>(clock) });
        var there = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = here.StorageConnectionString, new RunnerSettings { ConfigureServices = s => s.AddSingleton<TimeProvider>(clock) });
        return new Pair(here, there);
    }

    /// <summary>Two instances of the app on one storage and one clock; <see cref="FamiliesAsync"/> sets up the school.</summary>
    private sealed class Pair(TestRunner here, TestRunner there) : IAsyncDisposable
    {
        public TestRunner Here { get; } = here;

        public TestRunner There { get; } = there;

        public BookingStore Store => Here.Services.GetRequiredService<BookingStore>();

        public string SchoolId { get; private set; } = "";

        public string CampaignId { get; private set; } = "";

        /// <summary>A school with counsellor bk-1 and <paramref name="families"/> guardians with links; the first parent's open slots.</summary>
        public async Task<(List<string> Tokens, List<string> Slots)> FamiliesAsync(int families)
        {
            (SchoolId, CampaignId, var tokens) = await BookingRoundTripTests.SchoolWithLinksAsync(Here, families);
            var slots = (await Here.Http.GetFromJsonAsync<JsonElement>($"api/links/{tokens[0]}/slots")).EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
            return (tokens, slots);
        }

        public async ValueTask DisposeAsync()
        {
            await There.DisposeAsync();
            await Here.DisposeAsync();
        }
    }
}
