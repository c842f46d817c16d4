using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BkOutreach.Tests.Browser;

/// <summary>
/// The counsellor's "Jadwal saya" page in Chromium, against the local runner: she changes her Saturday
/// hours and a parent (another browser context, the SMS link) sees exactly the new slots; a change that
/// would drop a booked meeting keeps it and says so; a stale form is refused with 409; days off remove a
/// day; and nobody opens another counsellor's or another school's schedule.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SchedulePageBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Monday 11 January 2027, 09:00 WIB: the campaign's booking window is open.</summary>
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private const string Counselor = "rahma.bk1@example.sch.id";
    private const string Saturday = "20270116";

    private TestRunner _runner = null!;
    private OutreachJourney _journey = null!;
    private List<string> _links = [];

    public async Task InitializeAsync()
    {
        _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });
        _journey = new OutreachJourney(_runner);
        await _journey.CreateSchoolAsync();
        await _journey.ImportAsync(OutreachJourney.Families(2));
        var campaign = await _journey.CreateCampaignAsync();
        await _journey.DispatchAsync(campaign);
        _links = await _journey.BookingLinksAsync(campaign, 2);
        var granted = await _runner.Admin.PutAsync($"api/admin/schools/{_journey.SchoolId}/staff/{Counselor}", OutreachJourney.Json(new { role = "counselor", counselorId = "bk-1" }));
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
    }

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private string SchedulePath => $"/api/staff/schools/{_journey.SchoolId}/counselors/bk-1/schedule";

    [Fact]
    public async Task Counselor_ChangesHerSaturdayHours_AndTheParentsPageShowsExactlyTheNewSaturdaySlots()
    {
        await using var parent = await browser.NewPhoneAsync();
        var parentPage = await parent.NewPageAsync();
        await parentPage.GotoAsync(_links[0]);
        var before = await SaturdaySlotsAsync(parentPage);
        Assert.Equal(["0800", "0840", "0920", "1000", "1040", "1120"], before);

        await using var staff = await StaffBrowser.SignedInAsync(browser, _runner, Counselor);
        var page = await staff.NewPageAsync();
        await page.GotoAsync(_runner.App.BaseUrl + SchedulePath);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Jadwal saya");
        await page.Locator("#policy-own").CheckAsync();
        await page.Locator("#w0-day-Sat").UncheckAsync();
        await page.Locator("#w2-day-Sat").CheckAsync();
        await page.Locator("#w2-from").FillAsync("13:00");
        await page.Locator("#w2-to").FillAsync("15:00");
        await page.Locator("#w2-mode").SelectOptionAsync("in_person");
        await page.GetByRole(AriaRole.Button, new() { Name = "Simpan jadwal" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Jadwal tersimpan.");
        var saturday = page.Locator("h3:has-text('Sabtu, 16 Januari 2027') + ul");
        await Expect(saturday.Locator("li")).ToHaveTextAsync(["13:00–13:30 WIB · tatap muka", "13:40–14:10 WIB · tatap muka", "14:20–14:50 WIB · tatap muka"]);
        await Expect(page.Locator("#w0-day-Sat")).Not.ToBeCheckedAsync();
        await Expect(page.Locator("#w0-day-Sun")).ToBeCheckedAsync();

        await parentPage.ReloadAsync();
        Assert.Equal(["1300", "1340", "1420"], await SaturdaySlotsAsync(parentPage));
        var sunday = await parentPage.Locator("input[name=slot][value^='bk-1.20270117T']").CountAsync();
        Assert.Equal(6, sunday);
        await BrowserFixture.ScreenshotAsync(parentPage, "schedule-parent-after-saturday-change", output);

        var json = await _runner.Http.GetFromJsonAsync<JsonElement>(new Uri(_links[0]).AbsolutePath.Replace("/api/b/", "/api/links/", StringComparison.Ordinal) + "/slots");
        var saturdayModes = json.EnumerateArray().Where(s => s.GetProperty("id").GetString()!.StartsWith($"bk-1.{Saturday}T", StringComparison.Ordinal)).Select(s => s.GetProperty("mode").GetString()).ToList();
        Assert.Equal(["in_person", "in_person", "in_person"], saturdayModes);
    }

    [Fact]
    public async Task Change_ThatWouldDropABookedMeeting_KeepsTheMeeting_AndSaysSo()
    {
        var token = new Uri(_links[1]).AbsolutePath.Split('/')[^1];
        var booked = await _runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = $"bk-1.{Saturday}T0920.30" }));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);

        await using var staff = await StaffBrowser.SignedInAsync(browser, _runner, Counselor);
        var page = await staff.NewPageAsync();
        await page.GotoAsync(_runner.App.BaseUrl + SchedulePath);
        await Expect(page.Locator("#kept")).ToHaveCountAsync(0);
        await Expect(page.Locator("#meetings ~ .card").First).ToContainTextAsync("09:20–09:50");
        // The booked family is whichever the second link belongs to (the outbox's order): its student, class and guardian are shown together.
        var card = await page.Locator("#meetings ~ .card").First.InnerTextAsync();
        var family = System.Text.RegularExpressions.Regex.Match(card, @"Siswa (\d+) \(X IPA 1\)");
        Assert.True(family.Success, card);
        Assert.Contains("Wali " + family.Groups[1].Value, card, StringComparison.Ordinal);

        await page.Locator("#policy-own").CheckAsync();
        await page.Locator("#w0-day-Sat").UncheckAsync();
        await page.Locator("#w2-day-Sat").CheckAsync();
        await page.Locator("#w2-from").FillAsync("13:00");
        await page.Locator("#w2-to").FillAsync("15:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Simpan jadwal" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Jadwal tersimpan.");
        await Expect(page.Locator("#kept")).ToContainTextAsync("1 pertemuan yang sudah dipesan tetap berlaku di luar jadwal baru:");
        await Expect(page.Locator("#kept")).ToContainTextAsync("Sabtu, 16 Januari 2027 09:20–09:50");
        await Expect(page.Locator("#meetings ~ .card").First.Locator(".tag.warn")).ToHaveTextAsync("di luar jadwal");
        await BrowserFixture.ScreenshotAsync(page, "schedule-kept-meeting", output);

        await using var parent = await browser.NewPhoneAsync();
        var parentPage = await parent.NewPageAsync();
        await parentPage.GotoAsync(_links[1]);
        await Expect(parentPage.Locator(".box.ok")).ToContainTextAsync("09:20");
        Assert.Equal(["1300", "1340", "1420"], await SaturdaySlotsAsync(parentPage));
    }

    [Fact]
    public async Task StaleForm_IsRefusedWith409_FilledIn_AndSavingAgainReplacesTheNewerSave()
    {
        await using var staff = await StaffBrowser.SignedInAsync(browser, _runner, Counselor);
        var first = await staff.NewPageAsync();
        var second = await staff.NewPageAsync();
        await first.GotoAsync(_runner.App.BaseUrl + SchedulePath);
        await second.GotoAsync(_runner.App.BaseUrl + SchedulePath);

        await first.Locator("#slot-minutes").FillAsync("45");
        await first.GetByRole(AriaRole.Button, new() { Name = "Simpan jadwal" }).ClickAsync();
        await Expect(first.GetByRole(AriaRole.Status)).ToContainTextAsync("Jadwal tersimpan.");

        await second.Locator("#seats").FillAsync("3");
        var response = await second.RunAndWaitForResponseAsync(
            () => second.GetByRole(AriaRole.Button, new() { Name = "Simpan jadwal" }).ClickAsync(),
            r => r.Request.Method == "POST");
        Assert.Equal(409, response.Status);
        await Expect(second.Locator(".error-summary")).ToContainTextAsync("baru saja disimpan dari tempat lain");
        await Expect(second.Locator("#seats")).ToHaveValueAsync("3");
        await Expect(second.Locator("#slot-minutes")).ToHaveValueAsync("30");
        var stored = await CounselorJsonAsync();
        Assert.Equal(45, stored.GetProperty("settings").GetProperty("slotMinutes").GetInt32());
        Assert.Equal(1, stored.GetProperty("settings").GetProperty("seats").GetInt32());

        await second.GetByRole(AriaRole.Button, new() { Name = "Simpan jadwal" }).ClickAsync();
        await Expect(second.GetByRole(AriaRole.Status)).ToContainTextAsync("Jadwal tersimpan.");
        stored = await CounselorJsonAsync();
        Assert.Equal((30, 3), (stored.GetProperty("settings").GetProperty("slotMinutes").GetInt32(), stored.GetProperty("settings").GetProperty("seats").GetInt32()));
    }

    [Fact]
    public async Task BadForm_ComesBackFilledIn_WithEachErrorOnItsField()
    {
        await using var staff = await StaffBrowser.SignedInAsync(browser, _runner, Counselor, bypassCsp: true);
        var page = await staff.NewPageAsync();
        await page.GotoAsync(_runner.App.BaseUrl + SchedulePath);
        await page.Locator("#policy-own").CheckAsync();
        await page.Locator("#w2-day-Sat").CheckAsync();
        await page.Locator("#w2-from").FillAsync("14:00");
        await page.Locator("#w2-to").FillAsync("13:00");
        await page.Locator("#slot-minutes").FillAsync("tiga");
        await page.Locator("#meeting-url").FillAsync("http://meet.google.com/abc-defg-hij");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Simpan jadwal" }).ClickAsync(),
            r => r.Request.Method == "POST");

        Assert.Equal(400, response.Status);
        await Expect(page.Locator(".error-summary a[href='#w2-to']")).ToHaveTextAsync("Jam selesai harus setelah jam mulai.");
        await Expect(page.Locator(".error-summary a[href='#slot-minutes']")).ToBeVisibleAsync();
        await Expect(page.Locator(".error-summary a[href='#meeting-url']")).ToBeVisibleAsync();
        await Expect(page.Locator("#w2-to-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#w2-from")).ToHaveValueAsync("14:00");
        await Expect(page.Locator("#slot-minutes")).ToHaveValueAsync("tiga");
        await Expect(page.Locator("#meeting-url")).ToHaveValueAsync("http://meet.google.com/abc-defg-hij");
        await Expect(page.Locator("#w2-day-Sat")).ToBeCheckedAsync();
        var violations = await Axe.RunAsync(page);
        Assert.Empty(Axe.Blocking(violations));
        Assert.Equal(30, (await CounselorJsonAsync()).GetProperty("settings").GetProperty("slotMinutes").GetInt32());
    }

    [Fact]
    public async Task DayOff_RemovesThatDaysSlots_ForParents_AndThePreviewExplainsIt()
    {
        await using var staff = await StaffBrowser.SignedInAsync(browser, _runner, Counselor);
        var page = await staff.NewPageAsync();
        await page.GotoAsync(_runner.App.BaseUrl + SchedulePath);
        await page.Locator("#off-from").FillAsync("2027-01-16");
        await page.Locator("#off-reason").FillAsync("Pelatihan guru BK");
        await page.GetByRole(AriaRole.Button, new() { Name = "Tambah hari libur" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Hari libur ditambahkan.");
        await Expect(page.Locator("h3:has-text('Sabtu, 16 Januari 2027') + p")).ToContainTextAsync("Hari libur pribadi: Pelatihan guru BK");
        var stored = await CounselorJsonAsync();
        Assert.Equal("2027-01-16", stored.GetProperty("settings").GetProperty("daysOff")[0].GetProperty("from").GetString());

        await using var parent = await browser.NewPhoneAsync();
        var parentPage = await parent.NewPageAsync();
        await parentPage.GotoAsync(_links[0]);
        Assert.Empty(await SaturdaySlotsAsync(parentPage));
        Assert.Equal(6, await parentPage.Locator("input[name=slot][value^='bk-1.20270117T']").CountAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Hapus 2027-01-16" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Hari libur dihapus.");
        await parentPage.ReloadAsync();
        Assert.Equal(6, (await SaturdaySlotsAsync(parentPage)).Count);
    }

    [Fact]
    public async Task SchedulePage_PassesTheStaffPageChecks_AndIsScreenshotFilledIn()
    {
        var token = new Uri(_links[1]).AbsolutePath.Split('/')[^1];
        Assert.Equal(HttpStatusCode.Created, (await _runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = $"bk-1.{Saturday}T0920.30" }))).StatusCode);
        var put = await _runner.Admin.PutAsync($"api/admin/schools/{_journey.SchoolId}/counselors/bk-1", OutreachJourney.Json(new
        {
            name = "Guru bk-1",
            email = "bk-1@example.sch.id",
            windows = new object[]
            {
                new { days = new[] { "Sat" }, from = "08:00", to = "12:00", mode = "either" },
                new { days = new[] { "Mon", "Wed" }, from = "16:00", to = "20:30", mode = "online" },
            },
            daysOff = new[] { new { from = "2027-01-23", to = "2027-01-24", reason = "Pelatihan" } },
            meetingUrl = "https://meet.google.com/abc-defg-hij",
        }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var html = await StaffBrowser.CheckPageAsync(browser, _runner, Counselor, SchedulePath, output);
        Assert.Contains("Maghrib–Isya", html, StringComparison.Ordinal);
        Assert.Contains("Pelatihan", html, StringComparison.Ordinal);
        Assert.Contains("bookings.ics?key=", html, StringComparison.Ordinal);
        Assert.Contains("Tidak tersambung", html, StringComparison.Ordinal);
        await StaffBrowser.CheckPageAsync(browser, _runner, Counselor, SchedulePath + "?lang=en&done=saved", output);

        await using var staff = await StaffBrowser.SignedInAsync(browser, _runner, Counselor);
        var page = await staff.NewPageAsync();
        await page.GotoAsync(_runner.App.BaseUrl + SchedulePath);
        await BrowserFixture.ScreenshotForReadmeAsync(page, "staff-schedule", output);
    }

    [Fact]
    public async Task FeedLink_NeedsConfirmation_ThenANewLinkReplacesTheOld()
    {
        await using var staff = await StaffBrowser.SignedInAsync(browser, _runner, Counselor, javaScript: false);
        var page = await staff.NewPageAsync();
        await page.GotoAsync(_runner.App.BaseUrl + SchedulePath);
        var old = await page.Locator("#feed-url").InputValueAsync();
        Assert.Equal(HttpStatusCode.OK, (await _runner.Http.GetAsync(old)).StatusCode);

        await page.Locator("#feed-confirm").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Buat alamat baru" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Alamat kalender baru sudah dibuat.");
        var renewed = await page.Locator("#feed-url").InputValueAsync();
        Assert.NotEqual(old, renewed);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.GetAsync(old)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _runner.Http.GetAsync(renewed)).StatusCode);
    }

    [Fact]
    public async Task Counselor_CannotOpenAnotherCounselorsSchedule_NorAnotherSchools_NorMarkTheirMeetings()
    {
        var other = new OutreachJourney(_runner);
        await other.CreateSchoolAsync();
        var token = new Uri(_links[0]).AbsolutePath.Split('/')[^1];
        var booked = await (await _runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = $"bk-1.{Saturday}T0800.30" }))).Content.ReadFromJsonAsync<JsonElement>();
        var bookingId = booked.GetProperty("bookingId").GetString()!;

        await using var staff = await StaffBrowser.SignedInAsync(browser, _runner, Counselor);
        var page = await staff.NewPageAsync();
        Assert.Equal(200, (await page.GotoAsync(_runner.App.BaseUrl + SchedulePath))!.Status);
        var formToken = await page.Locator("input[name=form_token]").First.InputValueAsync();

        Assert.Equal(404, (await page.GotoAsync($"{_runner.App.BaseUrl}/api/staff/schools/{_journey.SchoolId}/counselors/bk-2/schedule"))!.Status);
        Assert.Equal(403, (await page.GotoAsync($"{_runner.App.BaseUrl}/api/staff/schools/{other.SchoolId}/counselors/bk-1/schedule"))!.Status);

        var api = staff.APIRequest;
                Assert.Equal(404, (await api.PostAsync($"{_runner.App.BaseUrl}/api/staff/schools/{_journey.SchoolId}/counselors/bk-2/schedule/feed", new() { Form = FormData(staff, formToken).Set("confirm", "yes") })).Status);
        Assert.Equal(403, (await api.PostAsync($"{_runner.App.BaseUrl}/api/staff/schools/{other.SchoolId}/counselors/bk-1/schedule/days-off", new() { Form = FormData(staff, formToken).Set("from", "2027-01-16") })).Status);

        // Her own meeting through another counsellor's path is unknown; through hers it has not started yet.
        var otherCounselorAttendance = await staff.APIRequest.PostAsync(
            $"{_runner.App.BaseUrl}/api/staff/schools/{_journey.SchoolId}/counselors/bk-2/meetings/{Uri.EscapeDataString(bookingId)}/attendance",
            new() { Form = FormData(staff, formToken).Set("status", "attended") });
        Assert.Equal(404, otherCounselorAttendance.Status);
        var notStarted = await staff.APIRequest.PostAsync(
            $"{_runner.App.BaseUrl}{SchedulePath.Replace("/schedule", "", StringComparison.Ordinal)}/meetings/{Uri.EscapeDataString(bookingId)}/attendance",
            new() { Form = FormData(staff, formToken).Set("status", "attended"), MaxRedirects = 0 });
        Assert.Equal(409, notStarted.Status);
        Assert.Contains("setelah pertemuan dimulai", await notStarted.TextAsync(), StringComparison.Ordinal);
    }

    private static IFormData FormData(IBrowserContext context, string formToken) => context.APIRequest.CreateFormData().Set("form_token", formToken);

    private async Task<JsonElement> CounselorJsonAsync() =>
        await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{_journey.SchoolId}/counselors/bk-1");

    /// <summary>The Saturday (16 January) slots of counsellor bk-1 on a parent's page, as HHmm starts.</summary>
    private static async Task<List<string>> SaturdaySlotsAsync(IPage parentPage)
    {
        var values = await parentPage.Locator($"input[name=slot][value^='bk-1.{Saturday}T']").EvaluateAllAsync<string[]>("els => els.map(e => e.value)");
        return [.. values.Select(v => v.Split('.')[1][9..13])];
    }
}
