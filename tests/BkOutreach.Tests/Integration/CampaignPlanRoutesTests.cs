using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Integration;

/// <summary>The campaign-plan routes and the campaign listing through the local runner (CONTRACTS.md "Campaign plans").</summary>
public sealed class CampaignPlanRoutesTests : IAsyncLifetime
{
    // Monday 2027-01-11 09:00 WIB: day 8 of the Genap term.
    private static readonly DateTimeOffset SchoolMorning = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private static object ContractExample => WithEnabled(true);

    private static object Named(string name) => new
    {
        name,
        template = "outreach",
        waves = new object[] { new { kind = "outreach", termDay = 7 } },
        enabled = true,
    };

    [Fact]
    public async Task PutPlan_MakesTheTermsCampaign_ListedWithItsWaves_AndAPlainSchoolPutMakesNoPlan()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        Assert.Equal("[]", await _runner.Admin.GetStringAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans"));

        var created = await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/kenali", OutreachJourney.Json(ContractExample));
        var again = await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/kenali", OutreachJourney.Json(ContractExample));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["kenali-2026-2027-genap"], body.GetProperty("campaigns").EnumerateArray().Select(c => c.GetString()));

        var plans = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/campaign-plans");
        Assert.Equal(("kenali", 7), (plans[0].GetProperty("id").GetString(), plans[0].GetProperty("waves")[0].GetProperty("termDay").GetInt32()));

        // Made on day 8: the outreach wave's day (day 7) had passed, so it goes today, marked late.
        var campaigns = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/campaigns");
        var campaign = Assert.Single(campaigns.EnumerateArray());
        Assert.Equal(("kenali-2026-2027-genap", "2026/2027 Genap", "kenali"), (campaign.GetProperty("id").GetString(), campaign.GetProperty("term").GetString(), campaign.GetProperty("planId").GetString()));
        var waves = campaign.GetProperty("waves").EnumerateArray().ToList();
        Assert.Equal(["outreach", "follow_up", "survey_barrier"], waves.Select(w => w.GetProperty("kind").GetString()));
        Assert.Equal(["2027-01-11", "2027-01-18", "2027-05-29"], waves.Select(w => w.GetProperty("date").GetString()));
        Assert.All(waves, w => Assert.Equal(("pending", 0), (w.GetProperty("state").GetString(), w.GetProperty("sent").GetInt32())));
        Assert.True(waves[0].GetProperty("late").GetBoolean());

        // A hand-made campaign is listed too, without a plan.
        var manual = await journey.CreateCampaignAsync();
        var all = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/campaigns");
        Assert.Equal(JsonValueKind.Null, all.EnumerateArray().Single(c => c.GetProperty("id").GetString() == manual).GetProperty("planId").ValueKind);

        // A school put again (its settings only) still has exactly its one plan.
        await journey.CreateSchoolAsync();
        Assert.Single((await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/campaign-plans")).EnumerateArray());
    }

    [Fact]
    public async Task PutPlan_WithIfMatch_ReplacesOnlyThePlanAsRead_AndAStaleVersionIs409ChangingNothing()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        var path = $"api/admin/schools/{journey.SchoolId}/campaign-plans/kenali";
        var created = await _runner.Admin.PutAsync(path, OutreachJourney.Json(ContractExample));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var listed = (await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/campaign-plans"))[0].GetProperty("version").GetString()!;
        Assert.Equal(created.Headers.ETag!.ToString(), listed);

        // Two editors opened the same version; the first save wins, the second is told and changes nothing.
        var first = await PutIfMatchAsync(path, Named("Kenali guru BK (semester ini)"), listed);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var newVersion = first.Headers.ETag!.ToString();
        Assert.NotEqual(listed, newVersion);
        var second = await PutIfMatchAsync(path, Named("Versi lama"), listed);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("changed_meanwhile", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        var plan = (await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/campaign-plans"))[0];
        Assert.Equal(("Kenali guru BK (semester ini)", newVersion), (plan.GetProperty("name").GetString(), plan.GetProperty("version").GetString()));

        // A deleted plan is no longer the plan as read either: nothing is made again.
        Assert.True((await _runner.Admin.DeleteAsync(path)).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await PutIfMatchAsync(path, ContractExample, newVersion)).StatusCode);
        Assert.Equal("[]", await _runner.Admin.GetStringAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans"));
    }

    private Task<HttpResponseMessage> PutIfMatchAsync(string path, object plan, string version)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = OutreachJourney.Json(plan) };
        request.Headers.TryAddWithoutValidation("If-Match", version);
        return _runner.Admin.SendAsync(request);
    }

    [Fact]
    public async Task PutPlan_WithProblems_Is400NamingEachField_AndStoresNothing()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();

        var response = await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/Bad_Id", OutreachJourney.Json(new
        {
            name = "",
            template = "outreach",
            waves = new object[] { new { kind = "outreach", termDay = 200 }, new { kind = "shout", afterDays = 7 } },
            bookingWindow = new { fromTermDay = 0 },
        }));
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(problems, p => p.StartsWith("planId:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("name:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("waves[1].kind:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("bookingWindow.fromTermDay:", StringComparison.Ordinal));
        Assert.Equal("[]", await _runner.Admin.GetStringAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans"));

        var outside = await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/late", OutreachJourney.Json(new
        {
            name = "Terlalu akhir",
            waves = new object[] { new { kind = "outreach", termDay = 200 } },
        }));
        var why = (await outside.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains(why, p => p.StartsWith("waves[0]: falls on", StringComparison.Ordinal) && p.Contains("outside term '2026/2027 Genap'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APlanThatNoLongerFitsAShortTermAddedLater_CanStillBeSwitchedOff_AndATermThatIsOverDoesNotCount()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        var path = $"api/admin/schools/{journey.SchoolId}/campaign-plans/kenali";
        Assert.Equal(HttpStatusCode.Created, (await _runner.Admin.PutAsync(path, OutreachJourney.Json(ContractExample))).StatusCode);

        // A 20-day term after Genap: the plan's booking window (to day 49) no longer fits it.
        var school = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}");
        await PutTermsAsync(journey.SchoolId, school, new { name = "2026/2027 Genap", firstDay = "2027-01-04", lastDay = "2027-06-19" }, new { name = "Semester Antara", firstDay = "2027-07-01", lastDay = "2027-07-20" });
        var enabledAgain = await _runner.Admin.PutAsync(path, OutreachJourney.Json(ContractExample));
        var off = await _runner.Admin.PutAsync(path, OutreachJourney.Json(WithEnabled(false)));

        Assert.Equal(HttpStatusCode.BadRequest, enabledAgain.StatusCode);
        Assert.Contains("Semester Antara", await enabledAgain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(off.StatusCode == HttpStatusCode.OK, await off.Content.ReadAsStringAsync());

        // The same short term, already over (today is 2027-01-11): the plan is saved as it is.
        await PutTermsAsync(journey.SchoolId, school, new { name = "Antara 2026", firstDay = "2026-12-01", lastDay = "2026-12-20" }, new { name = "2026/2027 Genap", firstDay = "2027-01-04", lastDay = "2027-06-19" });
        Assert.Equal(HttpStatusCode.OK, (await _runner.Admin.PutAsync(path, OutreachJourney.Json(ContractExample))).StatusCode);
    }

    /// <summary>The plan of CONTRACTS.md, switched on or off.</summary>
    private static object WithEnabled(bool enabled) => new
    {
        name = "Kenali guru BK",
        template = "outreach",
        audience = new { classes = new[] { "X IPA 1" } },
        waves = new object[] { new { kind = "outreach", termDay = 7 }, new { kind = "follow_up", afterDays = 7 }, new { kind = "survey_barrier", daysBeforeTermEnd = 21 } },
        bookingWindow = new { fromTermDay = 7, toTermDay = 49 },
        smsReplyBooking = false,
        enabled,
    };

    private async Task PutTermsAsync(string schoolId, JsonElement read, params object[] terms)
    {
        var school = read.GetProperty("school");
        using var saved = await _runner.Admin.PutAsync($"api/admin/schools/{schoolId}", OutreachJourney.Json(new
        {
            name = school.GetProperty("name").GetString(),
            timeZone = school.GetProperty("timeZone").GetString(),
            latitude = school.GetProperty("latitude").GetDouble(),
            longitude = school.GetProperty("longitude").GetDouble(),
            terms,
        }));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
    }

    [Fact]
    public async Task RecommendedPlan_InOneStep_ThenKept_AndDeleteKeepsItsCampaign()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();

        var first = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/recommended", null);
        var second = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/recommended", null);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var plan = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("kenali-guru-bk", "Kenali guru BK"), (plan.GetProperty("id").GetString(), plan.GetProperty("name").GetString()));
        Assert.Equal([7, 7, 21], plan.GetProperty("waves").EnumerateArray().Select(w =>
            w.GetProperty("termDay").ValueKind == JsonValueKind.Number ? w.GetProperty("termDay").GetInt32()
            : w.GetProperty("afterDays").ValueKind == JsonValueKind.Number ? w.GetProperty("afterDays").GetInt32()
            : w.GetProperty("daysBeforeTermEnd").GetInt32()));

        var deleted = await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/kenali-guru-bk");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/kenali-guru-bk")).StatusCode);
        var campaign = Assert.Single((await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/campaigns")).EnumerateArray());
        Assert.Equal("kenali-guru-bk-2026-2027-genap", campaign.GetProperty("id").GetString());
        var waves = campaign.GetProperty("waves").EnumerateArray().ToList();
        Assert.Equal(["outreach", "follow_up", "survey_barrier"], waves.Select(w => w.GetProperty("kind").GetString()));
        Assert.All(waves, w => Assert.Equal("skipped", w.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task Demo_SeedsTheRecommendedPlan_AndItsCampaignIsTheDemosOneCampaignForTheTerm()
    {
        await using var demo = await TestRunner.StartAsync(settings: new RunnerSettings { Demo = true, Clock = SchoolMorning });
        const string school = "api/admin/schools/ma-aisyiyah-1-palembang";

        var plans = await demo.Admin.GetFromJsonAsync<JsonElement>($"{school}/campaign-plans");
        Assert.Equal(["kenali-guru-bk"], plans.EnumerateArray().Select(p => p.GetProperty("id").GetString()));

        // The dispatcher, run as the timer runs it, finds the term's campaign already there: no twin.
        Assert.True((await demo.Admin.PostAsync("admin/functions/DispatchCampaigns", null)).IsSuccessStatusCode);
        var campaigns = await demo.Admin.GetFromJsonAsync<JsonElement>($"{school}/campaigns");
        var campaign = Assert.Single(campaigns.EnumerateArray());
        Assert.Equal(("kenali-guru-bk-2026-2027-genap", "kenali-guru-bk"), (campaign.GetProperty("id").GetString(), campaign.GetProperty("planId").GetString()));
        Assert.Equal("2027-01-11", campaign.GetProperty("waves")[0].GetProperty("date").GetString());
    }

    [Fact]
    public async Task PlanRoutes_ForAnUnknownSchool_Are404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Admin.GetAsync("api/admin/schools/nope-school/campaign-plans")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Admin.GetAsync("api/admin/schools/nope-school/campaigns")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Admin.PutAsync("api/admin/schools/nope-school/campaign-plans/p", OutreachJourney.Json(ContractExample))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _runner.Http.GetAsync("api/admin/schools/nope-school/campaign-plans")).StatusCode);
    }
}
