using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using NodaTime;
using Calendar = Ical.Net.Calendar;

namespace BkOutreach.Tests.Integration;

/// <summary>Issue 5's JSON routes through the local runner: slots, booking, contention, reschedule, cancel, invite.</summary>
public sealed class BookingRoutesTests : IAsyncLifetime
{
    // Monday 2027-01-11 09:00 WIB.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Clock });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    /// <summary>A school with <paramref name="families"/> guardians of counsellor bk-1 and a campaign; one token each.</summary>
    private async Task<(OutreachJourney Journey, string Campaign, List<string> Tokens)> SetUpAsync(int families, int seats = 1)
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}/counselors/bk-1", OutreachJourney.Json(new { name = "Guru BK Satu", email = "bk1@example.sch.id", seats }));
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        for (var i = 0; i < families; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i},Siswa {i},X IPA 1,Wali {i},08121{i:0000000},id,bk-1\n");
        }

        await journey.ImportAsync(csv.ToString());
        var campaign = await journey.CreateCampaignAsync();
        var definition = (await _runner.Services.GetRequiredService<CampaignStore>().GetAsync(journey.SchoolId, campaign, CancellationToken.None))!.Definition;
        var expires = CampaignValidation.LinksExpireAt(definition, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]);
        var links = _runner.Services.GetRequiredService<LinkTokens>();
        var tokens = new List<string>();
        foreach (var g in await _runner.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(journey.SchoolId, CancellationToken.None))
        {
            tokens.Add(await links.IssueAsync(journey.SchoolId, g.Id, campaign, expires, CancellationToken.None));
        }

        return (journey, campaign, tokens);
    }

    private async Task<List<JsonElement>> SlotsAsync(string token) =>
        [.. (await _runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray()];

    private Task<HttpResponseMessage> BookAsync(string token, string slotId) =>
        _runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId }));

    [Fact]
    public async Task Slots_CarryTheSchoolOffset_AndLieInTheBookingWindow()
    {
        var (_, _, tokens) = await SetUpAsync(1);

        var slots = await SlotsAsync(tokens[0]);

        Assert.NotEmpty(slots);
        Assert.All(slots, s =>
        {
            Assert.EndsWith("+07:00", s.GetProperty("start").GetString(), StringComparison.Ordinal);
            var start = DateTimeOffset.Parse(s.GetProperty("start").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(start, new DateTimeOffset(2027, 1, 12, 2, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 2, 15, 0, 0, 0, TimeSpan.FromHours(7)));
            Assert.Equal("bk-1", s.GetProperty("counselorId").GetString());
        });
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.GetAsync("api/links/AAAAAAAAAAAAAAAAAAAAAAAAAAAA/slots")).StatusCode);
    }

    [Fact]
    public async Task HundredParentsForOneSeat_OneBooks_NinetyNineGetSlotTaken_NoServerErrors()
    {
        var (_, _, tokens) = await SetUpAsync(100);
        var slot = (await SlotsAsync(tokens[0]))[0].GetProperty("id").GetString()!;

        var responses = await Task.WhenAll(tokens.Select(t => BookAsync(t, slot)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(99, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict).Take(3))
        {
            Assert.Equal("slot_taken", (await conflict.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        var loser = tokens[Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.Conflict)];
        Assert.DoesNotContain(await SlotsAsync(loser), s => s.GetProperty("id").GetString() == slot);
    }

    [Fact]
    public async Task GroupSlotWithThreeSeats_ExactlyThreeBook()
    {
        var (_, _, tokens) = await SetUpAsync(12, seats: 3);
        var slot = (await SlotsAsync(tokens[0]))[0].GetProperty("id").GetString()!;

        var responses = await Task.WhenAll(tokens.Select(t => BookAsync(t, slot)));

        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Book_Twice_Reschedule_Cancel_AndTheInviteFollows()
    {
        var (journey, campaign, tokens) = await SetUpAsync(1);
        var slots = await SlotsAsync(tokens[0]);
        var first = slots[0].GetProperty("id").GetString()!;
        var later = slots[3].GetProperty("id").GetString()!;

        // Each change's text is awaited before the next change: a change made while an earlier one still waits
        // replaces that one's text (BookingOutboxTests), and this test counts one text per change.
        var booked = await BookAsync(tokens[0], first);
        var body = await booked.Content.ReadFromJsonAsync<JsonElement>();
        var bookingKey = $"booking:{body.GetProperty("bookingId").GetString()}";
        async Task<List<JsonElement>> TextsAsync(int atLeast) => await Reliability.ReliabilityKit.EventuallyAsync(
            async () => (await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray()
                .Where(m => m.GetProperty("idempotencyKey").GetString()!.StartsWith(bookingKey, StringComparison.Ordinal)).ToList(),
            m => m.Count >= atLeast,
            TimeSpan.FromSeconds(30));
        await TextsAsync(1);
        var again = await BookAsync(tokens[0], first);
        var moved = await BookAsync(tokens[0], later);
        await TextsAsync(2);
        var invite = await _runner.Http.GetStringAsync(new Uri(body.GetProperty("icsUrl").GetString()!).PathAndQuery.TrimStart('/'));
        var strangerInvite = await _runner.Http.GetAsync($"api/bookings/{body.GetProperty("bookingId").GetString()}/invite.ics?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        Assert.Equal(body.GetProperty("bookingId").GetString(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString());
        Assert.Equal(HttpStatusCode.Created, moved.StatusCode);
        Assert.Contains("METHOD:PUBLISH", invite, StringComparison.Ordinal);
        Assert.Contains("TZID:Asia/Jakarta", invite, StringComparison.Ordinal);
        var invited = Assert.Single(Calendar.Load(invite)!.Events);
        Assert.Equal($"booking-{body.GetProperty("bookingId").GetString()}@bkoutreach", invited.Uid);
        Assert.Equal(1, invited.Sequence);
        Assert.Equal(HttpStatusCode.NotFound, strangerInvite.StatusCode);

        var cancelled = await _runner.Http.DeleteAsync($"api/links/{tokens[0]}/booking");
        var cancelledAgain = await _runner.Http.DeleteAsync($"api/links/{tokens[0]}/booking");
        Assert.Equal(HttpStatusCode.NoContent, cancelled.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, cancelledAgain.StatusCode);
        Assert.Contains(await SlotsAsync(tokens[0]), s => s.GetProperty("id").GetString() == later);

        // The SMS follow from the booking's outbox, after the requests answered.
        await TextsAsync(3);
        await Reliability.ReliabilityKit.EventuallyAsync(
            () => _runner.Services.GetRequiredService<BookingStore>().ListPendingEventsAsync(body.GetProperty("bookingId").GetString()!, CancellationToken.None),
            p => p.Count == 0,
            TimeSpan.FromSeconds(30));
        Assert.Equal(3, (await TextsAsync(3)).Count); // booked, rescheduled, cancelled; the repeated submit sent nothing
        _ = journey;
        _ = campaign;
    }

    [Fact]
    public async Task GuardiansWhoOnlyUseTheJsonRoutes_CountAsOpenedInTheFunnel()
    {
        var (journey, campaign, tokens) = await SetUpAsync(2);
        foreach (var (token, i) in tokens.Select((t, i) => (t, i)))
        {
            var slot = (await SlotsAsync(token))[i].GetProperty("id").GetString()!;
            Assert.Equal(HttpStatusCode.Created, (await BookAsync(token, slot)).StatusCode);
        }

        var dashboards = _runner.Services.GetRequiredService<BkOutreach.Core.Participation.DashboardService>();
        var funnel = await Reliability.ReliabilityKit.EventuallyAsync(
            async () => (await dashboards.BuildAsync(journey.SchoolId, CancellationToken.None)).Value!.Campaigns.Single(c => c.CampaignId == campaign),
            f => f.Booked == 2,
            TimeSpan.FromSeconds(30));
        var opened = (await _runner.Services.GetRequiredService<BkOutreach.Core.Participation.ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None))
            .Where(e => e.Event.Kind == BkOutreach.Core.Participation.ParticipationKind.LinkOpened)
            .Select(e => e.Event.GuardianId)
            .Distinct()
            .Count();

        Assert.Equal(2, funnel.Booked);
        Assert.Equal(2, funnel.Opened);
        Assert.Equal(2, opened);
    }

    [Theory]
    [InlineData("bk-1.20270110T0800.30", "past")]
    [InlineData("bk-1.20270111T2000.30", "inside_notice")]
    [InlineData("bk-2.20270116T0800.30", "wrong_counselor")]
    [InlineData("bk-1.20270116T0805.30", "not_offered")]
    [InlineData("garbage", "malformed")]
    public async Task NotBookableSlots_Are422WithTheReason(string slotId, string reason)
    {
        var (_, _, tokens) = await SetUpAsync(1);

        var response = await BookAsync(tokens[0], slotId);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(reason, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("zzz")]
    [InlineData("<b>x</b>")]
    [InlineData("either")]
    public async Task UnknownMode_Is422InvalidMode_AndBooksNothing(string mode)
    {
        var (_, _, tokens) = await SetUpAsync(1);
        var slot = (await SlotsAsync(tokens[0]))[0].GetProperty("id").GetString()!;

        var response = await _runner.Http.PostAsync($"api/links/{tokens[0]}/booking", OutreachJourney.Json(new { slotId = slot, mode }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("slot_not_bookable", body.GetProperty("error").GetString());
        Assert.Equal("invalid_mode", body.GetProperty("reason").GetString());
        Assert.Contains(await SlotsAsync(tokens[0]), s => s.GetProperty("id").GetString() == slot);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.DeleteAsync($"api/links/{tokens[0]}/booking")).StatusCode);
    }

    [Fact]
    public async Task Booking_WithWrongContentType_Is415_AndUnknownTokenIs404()
    {
        var (_, _, tokens) = await SetUpAsync(1);

        var text = await _runner.Http.PostAsync($"api/links/{tokens[0]}/booking", new StringContent("slotId=x", Encoding.UTF8, "text/plain"));
        var unknown = await BookAsync("AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "bk-1.20270116T0800.30");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
