using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using NodaTime;

namespace BkOutreach.Tests.Integration;

/// <summary>The no-JavaScript booking flow through the runner, and what follows a booking: reminders, attendance, feedback.</summary>
public sealed partial class BookingPagesFlowTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;
    private HttpClient _browser = null!;

    public async Task InitializeAsync()
    {
        _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });
        _browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_runner.App.BaseUrl + "/") };
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _runner.DisposeAsync();
    }

    private async Task<(string School, List<string> Tokens)> SetUpAsync(int families)
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        for (var i = 0; i < families; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i},Siswa <b>{i}</b>,X IPA 1,Wali {i},08131{i:0000000},id,bk-1\n");
        }

        await journey.ImportAsync(csv.ToString());
        var campaign = await journey.CreateCampaignAsync();
        var definition = (await _runner.Services.GetRequiredService<CampaignStore>().GetAsync(journey.SchoolId, campaign, CancellationToken.None))!.Definition;
        var expires = CampaignValidation.LinksExpireAt(definition, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]);
        var tokens = new List<string>();
        foreach (var g in await _runner.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(journey.SchoolId, CancellationToken.None))
        {
            tokens.Add(await _runner.Services.GetRequiredService<LinkTokens>().IssueAsync(journey.SchoolId, g.Id, campaign, expires, CancellationToken.None));
        }

        return (journey.SchoolId, tokens);
    }

    private Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        _browser.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    [Fact]
    public async Task FormFlow_Books_Confirms_Reschedules_AndCancels_WithoutJavaScript()
    {
        var (_, tokens) = await SetUpAsync(1);
        var page = await _browser.GetStringAsync($"api/b/{tokens[0]}");
        var slots = SlotValues().Matches(page).Select(m => m.Groups[1].Value).ToList();

        var post = await PostFormAsync($"api/b/{tokens[0]}", ("slot", slots[0]));
        var confirmation = await _browser.GetStringAsync(post.Headers.Location!.OriginalString.TrimStart('/'));
        var again = await PostFormAsync($"api/b/{tokens[0]}", ("slot", slots[0]));
        var moved = await PostFormAsync($"api/b/{tokens[0]}", ("slot", slots[2]));
        var withBooking = await _browser.GetStringAsync($"api/b/{tokens[0]}");
        var cancel = await PostFormAsync($"api/b/{tokens[0]}/cancel", ("counselor", "bk-1"));

        Assert.Contains("lang=\"id\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>0</b>", page, StringComparison.Ordinal);
        Assert.NotEmpty(slots);
        Assert.Equal(HttpStatusCode.SeeOther, post.StatusCode);
        Assert.Contains("invite.ics?token=", confirmation, StringComparison.Ordinal);
        Assert.Contains("webcal://", confirmation, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
        Assert.Contains("moved=1", moved.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Contains($"/api/b/{tokens[0]}/cancel", withBooking, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, cancel.StatusCode);
        Assert.Contains("notice=cancelled", cancel.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Null(await _runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingService>().OpenAsync(tokens[0], CancellationToken.None) is { } link
            ? (await _runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingService>().SlotsAsync(link, CancellationToken.None))[0].Current
            : null);
    }

    [Fact]
    public async Task EitherWaySlot_TheFormAsksHowToMeet_AndBooksTheParentsChoice()
    {
        var (school, tokens) = await SetUpAsync(2);
        async Task SetModeAsync(string mode)
        {
            var counselor = await _runner.Admin.PutAsync($"api/admin/schools/{school}/counselors/bk-1", JsonContent.Create(new
            {
                name = "Guru bk-1",
                email = "bk-1@example.sch.id",
                windows = new[] { new { days = new[] { "Sat", "Sun" }, from = "08:00", to = "12:00", mode } },
            }));
            Assert.Equal(HttpStatusCode.OK, counselor.StatusCode);
        }

        await SetModeAsync("in_person");
        var plain = await _browser.GetStringAsync($"api/b/{tokens[0]}");
        await SetModeAsync("either");

        // The page is read within the directory cache's lifetime; a write through this instance clears it.
        var page = await _browser.GetStringAsync($"api/b/{tokens[0]}");
        var slots = SlotValues().Matches(page).Select(m => m.Groups[1].Value).ToList();
        var online = await PostFormAsync($"api/b/{tokens[0]}", ("slot", slots[0]), ("mode", "online"));
        var inPerson = await PostFormAsync($"api/b/{tokens[1]}", ("slot", slots[1]));
        var booked = await _runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingStore>().ListAsync(school, "bk-1", CancellationToken.None);

        Assert.Matches(SlotValues(), plain);
        Assert.DoesNotContain("name=\"mode\"", plain, StringComparison.Ordinal);
        Assert.Contains("<input type=\"radio\" name=\"mode\" value=\"in_person\" checked>", page, StringComparison.Ordinal);
        Assert.Contains("<input type=\"radio\" name=\"mode\" value=\"online\">Daring (online)", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, online.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, inPerson.StatusCode);
        Assert.Equal("online", Assert.Single(booked, b => b.SlotId == slots[0]).Mode);
        Assert.Equal("in_person", Assert.Single(booked, b => b.SlotId == slots[1]).Mode);
    }

    [Fact]
    public async Task UnknownMode_Is422WithTheMessageAndNothingBooked()
    {
        var (school, tokens) = await SetUpAsync(1);
        var slot = SlotValues().Match(await _browser.GetStringAsync($"api/b/{tokens[0]}")).Groups[1].Value;

        var post = await PostFormAsync($"api/b/{tokens[0]}", ("slot", slot), ("mode", "zzz"));
        var html = await post.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, post.StatusCode);
        Assert.Contains("pilihan cara bertemu itu tidak dikenali", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{slot}\"", html, StringComparison.Ordinal);
        Assert.Empty(await _runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingStore>().ListAsync(school, "bk-1", CancellationToken.None));
    }

    [Fact]
    public async Task TakenSeat_Is409WithTheMessageAndTheRemainingSlots_AndBadTokensGet404()
    {
        var (_, tokens) = await SetUpAsync(2);
        var slot = SlotValues().Match(await _browser.GetStringAsync($"api/b/{tokens[0]}")).Groups[1].Value;
        await PostFormAsync($"api/b/{tokens[0]}", ("slot", slot));

        var taken = await PostFormAsync($"api/b/{tokens[1]}", ("slot", slot));
        var html = await taken.Content.ReadAsStringAsync();
        var missing = await _browser.GetAsync("api/b/AAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        var missingHtml = await missing.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Contains("baru saja dipesan", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"value=\"{slot}\"", html, StringComparison.Ordinal);
        Assert.Matches(SlotValues(), html);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.DoesNotContain("AAAAAAAAAAAAAAAAAAAAAAAAAAAA", missingHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Posts_AreThrottledPerToken_With429AndRetryAfter()
    {
        var (_, tokens) = await SetUpAsync(1);
        HttpResponseMessage last = null!;
        for (var i = 0; i < 25; i++)
        {
            last = await PostFormAsync($"api/b/{tokens[0]}", ("slot", "garbage"));
            if (last.StatusCode == HttpStatusCode.TooManyRequests)
            {
                break;
            }
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.NotNull(last.Headers.RetryAfter);
    }

    [Fact]
    public async Task Reminders_GoOutOncePerKind_MovedOutOfQuietHours_AndAttendanceSendsOneFeedback()
    {
        var (school, tokens) = await SetUpAsync(1);
        var saturday = (await _runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{tokens[0]}/slots")).EnumerateArray()
            .First(s => s.GetProperty("start").GetString()!.StartsWith("2027-01-16T08:00", StringComparison.Ordinal)).GetProperty("id").GetString();
        var booked = await (await _runner.Http.PostAsync($"api/links/{tokens[0]}/booking", OutreachJourney.Json(new { slotId = saturday }))).Content.ReadFromJsonAsync<JsonElement>();
        var bookingId = booked.GetProperty("bookingId").GetString()!;


        // The handler writes the reminder schedule before it sends the confirmation.
        await Poll.UntilAsync(async () => (await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray()
            .Count(m => m.GetProperty("idempotencyKey").GetString()!.StartsWith($"booking:{bookingId}:", StringComparison.Ordinal)), n => n > 0);

        async Task<List<string>> RemindersAt(DateTimeOffset clock)
        {
            await using var later = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = _runner.StorageConnectionString, new RunnerSettings { Clock = clock });
            var run = await later.Admin.PostAsync("admin/functions/SendReminders", null);
            Assert.True(run.StatusCode == HttpStatusCode.Accepted, await run.Content.ReadAsStringAsync());
            return [.. (await later.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray()
                .Select(m => m.GetProperty("idempotencyKey").GetString()!)
                .Where(k => k.StartsWith($"reminder:{bookingId}:", StringComparison.Ordinal))];
        }

        var friday1000 = await RemindersAt(new DateTimeOffset(2027, 1, 15, 3, 0, 0, TimeSpan.Zero));
        var friday1959 = await RemindersAt(new DateTimeOffset(2027, 1, 15, 12, 59, 30, TimeSpan.Zero));
        var saturday0630 = await RemindersAt(new DateTimeOffset(2027, 1, 15, 23, 30, 0, TimeSpan.Zero));

        Assert.Equal(["24h"], friday1000.Select(k => k.Split(':')[^1]));
        Assert.Equal(["24h", "2h"], friday1959.Select(k => k.Split(':')[^1]).Order());
        Assert.Equal(2, saturday0630.Count);

        // Attendance only once the meeting has begun (Saturday 08:00 WIB); the first "attended" asks for feedback once.
        var early = await _runner.Admin.PostAsync($"api/admin/bookings/{bookingId}/attendance", OutreachJourney.Json(new { status = "attended" }));
        await using var meetingDay = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = _runner.StorageConnectionString, new RunnerSettings { Clock = new DateTimeOffset(2027, 1, 16, 1, 40, 0, TimeSpan.Zero) });
        var attended = await meetingDay.Admin.PostAsync($"api/admin/bookings/{bookingId}/attendance", OutreachJourney.Json(new { status = "attended" }));
        var again = await meetingDay.Admin.PostAsync($"api/admin/bookings/{bookingId}/attendance", OutreachJourney.Json(new { status = "attended" }));
        var feedback = await Poll.UntilAsync(
            async () => (await meetingDay.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray().Count(m => m.GetProperty("idempotencyKey").GetString() == $"feedback:{bookingId}"),
            n => n > 0);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal(HttpStatusCode.OK, attended.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, feedback);
        Assert.Equal(HttpStatusCode.BadRequest, (await meetingDay.Admin.PostAsync($"api/admin/bookings/{bookingId}/attendance", OutreachJourney.Json(new { status = "maybe" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await meetingDay.Http.PostAsync($"api/admin/bookings/{bookingId}/attendance", OutreachJourney.Json(new { status = "attended" }))).StatusCode);
        _ = school;
    }

    [GeneratedRegex("name=\"slot\" value=\"([^\"]+)\"")]
    private static partial Regex SlotValues();
}
