using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Staff;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.Staff;

/// <summary>
/// The campaign pages through the runner as a signed-in school admin's browser would post them (session
/// cookie, form token, same origin): the composer writes what the JSON route writes, refuses bad input on
/// its fields without writing anything, plans are edited under their version, and only the school's own
/// admins get in.
/// </summary>
public sealed partial class CampaignPagesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;
    private OutreachJourney _school = null!;

    public async Task InitializeAsync()
    {
        _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });
        _school = new OutreachJourney(_runner);
        await _school.CreateSchoolAsync();
        await _school.ImportAsync(OutreachJourney.Roster);
    }

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task Create_FromTheForm_MakesTheSameCampaignAsTheJsonRoute()
    {
        using var admin = await StaffSession.SignInAsync(_runner, await GrantAsync(_school.SchoolId, "school_admin"), StaffPaths.NewCampaign(_school.SchoolId));
        var form = Form(("name", "Kenali guru BK"), ("term", "2026/2027 Genap"), ("template", "outreach"), ("classes", "X IPA 1"), ("classes", "XI IPA 2"), ("counselor", "bk-1"),
            ("wave-0-kind", "outreach"), ("wave-0-send-on", "2027-01-12"), ("wave-1-kind", "follow_up"), ("wave-1-after-days", "7"),
            ("wave-2-kind", "survey_barrier"), ("wave-2-send-on", "2027-02-01"), ("booking-from", "2027-01-12"), ("booking-to", "2027-02-14"), ("sms-reply-booking", "on"), ("action", "create"));

        var created = await admin.PostAsync(StaffPaths.NewCampaign(_school.SchoolId), form);
        var json = await _runner.Admin.PostAsync($"api/admin/schools/{_school.SchoolId}/campaigns", OutreachJourney.Json(new
        {
            name = "Kenali guru BK",
            term = "2026/2027 Genap",
            template = "outreach",
            audience = new { classes = new[] { "X IPA 1", "XI IPA 2" }, counselorId = "bk-1" },
            waves = new object[] { new { kind = "outreach", sendOn = "2027-01-12" }, new { kind = "follow_up", afterDays = 7 }, new { kind = "survey_barrier", sendOn = "2027-02-01" } },
            bookingWindow = new { from = "2027-01-12", to = "2027-02-14" },
            smsReplyBooking = true,
        }));
        var jsonId = (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
        var location = created.Headers.Location!.OriginalString;
        Assert.StartsWith(StaffPaths.Campaigns(_school.SchoolId) + "/", location, StringComparison.Ordinal);
        var formId = location[(StaffPaths.Campaigns(_school.SchoolId).Length + 1)..].Split('?')[0];
        var listed = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{_school.SchoolId}/campaigns");
        var byId = listed.EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        Assert.Equal(2, byId.Count);
        Assert.Equal(Without(byId[jsonId], "id"), Without(byId[formId], "id"));
        Assert.Equal(["2027-01-12", "2027-01-19", "2027-02-01"], byId[formId].GetProperty("waves").EnumerateArray().Select(w => w.GetProperty("date").GetString()));
        var store = _runner.Services.GetRequiredService<CampaignStore>();
        var fromForm = await store.GetAsync(_school.SchoolId, formId, CancellationToken.None);
        var fromJson = await store.GetAsync(_school.SchoolId, jsonId, CancellationToken.None);
        Assert.Equal(JsonSerializer.Serialize(fromJson!.Definition), JsonSerializer.Serialize(fromForm!.Definition));

        var page = await admin.GetStringAsync(location);
        Assert.Contains("Kampanye tersimpan.", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithInvalidInput_ShowsEachErrorOnItsField_KeepsTheValues_AndCreatesNothing()
    {
        using var admin = await StaffSession.SignInAsync(_runner, await GrantAsync(_school.SchoolId, "school_admin"), StaffPaths.NewCampaign(_school.SchoolId));
        var form = Form(("name", ""), ("term", "2026/2027 Genap"), ("template", "outreach"), ("classes", "X IPA 1"), ("counselor", "bk-9"),
            ("wave-0-kind", "outreach"), ("wave-0-send-on", "2027-13-40"), ("wave-1-kind", "follow_up"), ("wave-1-after-days", "seminggu"),
            ("booking-from", "2027-01-12"), ("booking-to", "2027-07-30"), ("action", "create"));

        var response = await admin.PostAsync(StaffPaths.NewCampaign(_school.SchoolId), form);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        foreach (var field in new[] { "name", "wave-0-send-on", "wave-1-after-days" })
        {
            Assert.Matches($"<p id=\"{field}-error\" class=\"error-message\">", html);
            Assert.Contains($"href=\"#{field}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("value=\"2027-13-40\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"seminggu\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"2027-07-30\"", html, StringComparison.Ordinal);
        Assert.Matches("<input type=\"checkbox\" id=\"[^\"]+\" name=\"classes\" value=\"X IPA 1\" checked>", html);

        // Well-formed but refused by the route's own validation: the problem lands on its field too.
        var refused = await admin.PostAsync(StaffPaths.NewCampaign(_school.SchoolId), Form(("name", "Uji"), ("term", "2026/2027 Genap"), ("template", "outreach"),
            ("wave-0-kind", "outreach"), ("wave-0-send-on", "2027-01-12"), ("booking-from", "2027-01-12"), ("booking-to", "2027-07-30"), ("action", "create")));
        var refusedHtml = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("<p id=\"booking-from-error\" class=\"error-message\">.*tidak berada di dalam semester", refusedHtml);
        Assert.DoesNotContain("bookingWindow", refusedHtml, StringComparison.Ordinal); // the JSON path is the API's, not the page's
        Assert.Contains("value=\"Uji\"", refusedHtml, StringComparison.Ordinal);

        var listed = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{_school.SchoolId}/campaigns");
        Assert.Equal(0, listed.GetArrayLength());
    }

    [Fact]
    public async Task CampaignPages_AreTheSchoolAdminsOnly()
    {
        await _runner.Admin.PostAsync($"api/admin/schools/{_school.SchoolId}/campaign-plans/recommended", null);
        var campaign = await _school.CreateCampaignAsync();
        var other = new OutreachJourney(_runner);
        await other.CreateSchoolAsync();
        using var counselor = await StaffSession.SignInAsync(_runner, await GrantAsync(_school.SchoolId, "counselor", "bk-1"), StaffPaths.Home);
        using var otherAdmin = await StaffSession.SignInAsync(_runner, await GrantAsync(other.SchoolId, "school_admin"), StaffPaths.NewCampaign(other.SchoolId));
        using var admin = await StaffSession.SignInAsync(_runner, await GrantAsync(_school.SchoolId, "school_admin"), StaffPaths.NewCampaign(_school.SchoolId));
        var paths = new[]
        {
            StaffPaths.Campaigns(_school.SchoolId),
            StaffPaths.NewCampaign(_school.SchoolId),
            StaffPaths.Campaign(_school.SchoolId, campaign),
            StaffPaths.CampaignPlan(_school.SchoolId, RecommendedPlan.Id),
        };

        foreach (var path in paths)
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await counselor.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await otherAdmin.GetAsync(path)).StatusCode);
        }

        // The other school's admin cannot reach this school's campaign under their own school either.
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.GetAsync(StaffPaths.Campaign(other.SchoolId, campaign))).StatusCode);
        var token = await otherAdmin.FormTokenAsync(StaffPaths.NewCampaign(other.SchoolId));
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.PostAsync(StaffPaths.Campaign(other.SchoolId, campaign) + "/dispatch", Form(("form_token", token)))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherAdmin.PostAsync(StaffPaths.Campaign(_school.SchoolId, campaign) + "/dispatch", Form(("form_token", token)))).StatusCode);
        Assert.Empty(await _school.OutboxAsync(campaign));
    }

    [Fact]
    public async Task RecommendedPlan_InOneStep_ThenAnEditUnderAStaleVersion_Answers409_KeepsTheForm_AndSavesNothing()
    {
        using var admin = await StaffSession.SignInAsync(_runner, await GrantAsync(_school.SchoolId, "school_admin"), StaffPaths.NewCampaign(_school.SchoolId));
        var list = StaffPaths.Campaigns(_school.SchoolId);
        Assert.Contains("id=\"add-recommended\"", await admin.GetStringAsync(list), StringComparison.Ordinal);

        var added = await admin.PostAsync(list, Form(("action", "add_recommended")));
        Assert.Equal(HttpStatusCode.SeeOther, added.StatusCode);
        var plans = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{_school.SchoolId}/campaign-plans");
        Assert.Equal(RecommendedPlan.Id, Assert.Single(plans.EnumerateArray()).GetProperty("id").GetString());
        var listed = await admin.GetStringAsync(added.Headers.Location!.OriginalString);
        Assert.Contains("Rencana yang disarankan sudah ditambahkan.", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"add-recommended\"", listed, StringComparison.Ordinal);

        var path = StaffPaths.CampaignPlan(_school.SchoolId, RecommendedPlan.Id);
        var edit = await admin.GetStringAsync(path);
        var version = WebUtility.HtmlDecode(Version().Match(edit).Groups[1].Value);
        Assert.NotEmpty(version);

        // Someone else changes the plan meanwhile (a script through the JSON route).
        var put = await _runner.Admin.PutAsync($"api/admin/schools/{_school.SchoolId}/campaign-plans/{RecommendedPlan.Id}", OutreachJourney.Json(new
        {
            name = "Kenali guru BK",
            template = "outreach",
            waves = new object[] { new { kind = "outreach", termDay = 10 } },
            enabled = true,
        }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var stale = await admin.PostAsync(path, Form(("version", version), ("wave-0-kind", "outreach"), ("wave-0-rule", "term_day"), ("wave-0-days", "8"),
            ("wave-1-kind", "follow_up"), ("wave-1-rule", "after_days"), ("wave-1-days", "5")));
        var staleHtml = await stale.Content.ReadAsStringAsync();

        Assert.True(stale.StatusCode == HttpStatusCode.Conflict, $"{stale.StatusCode}: {staleHtml[..Math.Min(300, staleHtml.Length)]}");
        Assert.Contains("id=\"enabled-error\"", staleHtml, StringComparison.Ordinal);
        Assert.Contains("id=\"wave-0-days\" name=\"wave-0-days\" value=\"8\"", staleHtml, StringComparison.Ordinal);
        Assert.Contains("id=\"wave-1-days\" name=\"wave-1-days\" value=\"5\"", staleHtml, StringComparison.Ordinal);
        Assert.DoesNotMatch("id=\"enabled\" name=\"enabled\" value=\"on\" checked", staleHtml);
        var stored = await _runner.Services.GetRequiredService<CampaignPlanStore>().GetAsync(_school.SchoolId, RecommendedPlan.Id, CancellationToken.None);
        Assert.True(stored!.Definition.Enabled);
        Assert.Equal(10, Assert.Single(stored.Definition.Waves).TermDay);

        // Saving again from the page that came back is a conscious overwrite under the version it now carries.
        var current = WebUtility.HtmlDecode(Version().Match(staleHtml).Groups[1].Value);
        Assert.NotEqual(version, current);
        var saved = await admin.PostAsync(path, Form(("version", current), ("wave-0-kind", "outreach"), ("wave-0-rule", "term_day"), ("wave-0-days", "8"),
            ("wave-1-kind", "follow_up"), ("wave-1-rule", "after_days"), ("wave-1-days", "5")));
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        stored = await _runner.Services.GetRequiredService<CampaignPlanStore>().GetAsync(_school.SchoolId, RecommendedPlan.Id, CancellationToken.None);
        Assert.False(stored!.Definition.Enabled);
        Assert.Equal(new (int, int?)[] { (8, null), (0, 5) }, stored.Definition.Waves.Select(w => (w.TermDay ?? 0, w.AfterDays)));
        Assert.Equal("Kenali guru BK", stored.Definition.Name);
    }

    [Fact]
    public void FieldOf_PutsEachValidationProblemOnTheFormFieldItNames()
    {
        int[] rowOf = [0, 2];
        Assert.Equal("name", CampaignComposer.FieldOf("name: is required.", rowOf));
        Assert.Equal("wave-2-after-days", CampaignComposer.FieldOf("waves[1].afterDays: must be between 1 and 90.", rowOf));
        Assert.Equal("wave-2-kind", CampaignComposer.FieldOf("waves[1]: goes out on 2027-07-01, outside the term", rowOf));
        Assert.Equal("wave-0-send-on", CampaignComposer.FieldOf("waves[0].sendOn: an outreach wave needs a date (yyyy-MM-dd).", rowOf));
        Assert.Equal("booking-to", CampaignComposer.FieldOf("bookingWindow.to: 2027-01-01 has already passed", rowOf));
        Assert.Equal("booking-from", CampaignComposer.FieldOf("bookingWindow: from must not be after to.", rowOf));
        Assert.Equal("counselor", CampaignComposer.FieldOf("audience.counselorId: 'bk-9' is not a counsellor of this school.", rowOf));
        Assert.Equal("classes", CampaignComposer.FieldOf("audience.classes[3]: a class name is required.", rowOf));
    }

    [Fact]
    public void GoesAt_FollowsTheSendingWindowAndFridayPrayer()
    {
        var school = new BkOutreach.Core.Schools.SchoolSettings { TimeZone = "Asia/Makassar", SendingWindow = new("09:00", "17:00") };
        var fridayNoon = NodaTime.Instant.FromUtc(2027, 1, 15, 4, 0);

        Assert.Equal(new NodaTime.LocalDateTime(2027, 1, 18, 9, 0), CampaignSchedule.GoesAt(school, new NodaTime.LocalDate(2027, 1, 18), fridayNoon).LocalDateTime);
        Assert.Equal(new NodaTime.LocalDateTime(2027, 1, 15, 13, 0), CampaignSchedule.GoesAt(school, new NodaTime.LocalDate(2027, 1, 15), fridayNoon).LocalDateTime);
        Assert.Equal(new NodaTime.LocalDateTime(2027, 1, 16, 9, 0), CampaignSchedule.GoesAt(school, new NodaTime.LocalDate(2027, 1, 15), NodaTime.Instant.FromUtc(2027, 1, 15, 10, 0)).LocalDateTime);
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private static string Without(JsonElement element, string property) =>
        JsonSerializer.Serialize(element.EnumerateObject().Where(p => p.Name != property).ToDictionary(p => p.Name, p => p.Value));

    private async Task<string> GrantAsync(string schoolId, string role, string? counselorId = null)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.sch.id";
        var put = await _runner.Admin.PutAsync($"api/admin/schools/{schoolId}/staff/{Uri.EscapeDataString(email)}", OutreachJourney.Json(new { role, counselorId }));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return email;
    }

    [GeneratedRegex("name=\"version\" value=\"([^\"]*)\"")]
    private static partial Regex Version();

    /// <summary>A signed-in staff member's browser without the browser: the runner's session cookie, and each post carrying a form token from a page.</summary>
    internal sealed partial class StaffSession : IDisposable
    {
        private readonly HttpClient _client;
        private readonly string _tokenPage;

        private StaffSession(HttpClient client, string tokenPage)
        {
            _client = client;
            _tokenPage = tokenPage;
        }

        /// <summary>Signs in as <paramref name="email"/>; posts take their form token from <paramref name="tokenPage"/> (a page of this person's with a form).</summary>
        public static async Task<StaffSession> SignInAsync(TestRunner runner, string email, string tokenPage)
        {
            var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(runner.App.BaseUrl) };
            var signIn = await client.GetAsync($"/.auth/login/dev?user={Uri.EscapeDataString(email)}");
            Assert.True((int)signIn.StatusCode is >= 200 and < 400, $"sign-in answered {signIn.StatusCode}");
            return new StaffSession(client, tokenPage);
        }

        public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(path);

        public async Task<string> GetStringAsync(string path)
        {
            var response = await _client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        public async Task<string> FormTokenAsync(string path) => FormToken().Match(await GetStringAsync(path)).Groups[1].Value;

        /// <summary>Posts the form with a form token from the page (unless it carries one) and this app as its Origin, as a browser does.</summary>
        public async Task<HttpResponseMessage> PostAsync(string path, FormUrlEncodedContent form)
        {
            var fields = (await form.ReadAsStringAsync()).Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(WebUtility.UrlDecode(p[0]), WebUtility.UrlDecode(p[1]))).ToList();
            if (!fields.Any(f => f.Key == "form_token"))
            {
                fields.Add(new("form_token", await FormTokenAsync(_tokenPage)));
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
            request.Headers.Add("Origin", _client.BaseAddress!.GetLeftPart(UriPartial.Authority));
            return await _client.SendAsync(request);
        }

        public void Dispose() => _client.Dispose();

        [GeneratedRegex("name=\"form_token\" value=\"([^\"]+)\"")]
        private static partial Regex FormToken();
    }
}
