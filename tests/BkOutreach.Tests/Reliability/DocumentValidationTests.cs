using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Reliability;

/// <summary>
/// Issue 18's bodies that were accepted and then failed later (500 on every campaign, a poisoned send, a
/// dispatcher error on every tick): each is now a 400 naming its field, and nothing of it is stored.
/// </summary>
public sealed class DocumentValidationTests : IAsyncLifetime
{
    private TestRunner _runner = null!;

    public static TheoryData<string, string, string> PreviouslyAcceptedBodies() => new()
    {
        { "school", """{ "terms": null }""", "terms:" },
        { "school", """{ "terms": [null] }""", "terms[0]:" },
        { "school", """{ "blackouts": null }""", "blackouts:" },
        { "school", """{ "name": null }""", "name:" },
        { "school", """{ "sendingWindow": null }""", "sendingWindow:" },
        { "school", """{ "terms": [{ "name": "2026/2027 Genap", "firstDay": "2027-01-04", "lastDay": "9999-12-31" }] }""", "terms[0].lastDay:" },
        { "school", """{ "blackouts": [{ "from": "2027-03-19", "to": "9999-12-31" }] }""", "blackouts[0].to:" },
        { "school", "{ \"blackouts\": " + ManyBlackouts(3000) + " }", "blackouts:" },
        { "school", "{ \"name\": \"" + new string('S', 40_000) + "\" }", "name:" },
        { "counselor", "{ \"name\": \"" + new string('N', 40_000) + "\" }", "name:" },
        { "counselor", """{ "windows": null }""", "windows:" },
        { "counselor", """{ "windows": [null] }""", "windows[0]:" },
        { "campaign", """{ "waves": null }""", "waves:" },
        { "campaign", """{ "waves": [null] }""", "waves[0]:" },
        { "campaign", """{ "bookingWindow": { "from": "2027-01-11", "to": "9999-12-31" } }""", "bookingWindow.to:" },
        { "campaign", """{ "waves": [{ "kind": "outreach", "sendOn": "9999-12-31" }] }""", "waves[0].sendOn:" },
        { "campaign", """{ "waves": [{ "kind": "outreach", "sendOn": "2027-03-01" }] }""", "waves[0]:" },
        { "campaign", """{ "bookingWindow": { "from": "2027-01-04", "to": "2027-01-08" } }""", "bookingWindow.to:" },
        { "campaign", """{ "bookingWindow": { "from": "2027-06-01", "to": "2027-07-30" } }""", "bookingWindow:" },
        { "campaign", """{ "bookingWindow": { "from": "2027-02-14", "to": "2027-01-11" } }""", "bookingWindow:" },
        { "campaign", """{ "template": "opt_out_confirmation" }""", "template:" },
        { "campaign", """{ "template": "reminder" }""", "template:" },
        { "campaign", """{ "template": "booking_confirmation" }""", "template:" },
        { "campaign", """{ "waves": [{ "kind": "outreach", "sendOn": "2027-01-11" }, { "kind": "follow_up", "afterDays": 2147483647 }] }""", "waves[1].afterDays:" },
        { "campaign", """{ "audience": { "classes": [null] } }""", "audience.classes[0]:" },
        { "campaign", "{ \"name\": \"" + new string('K', 40_000) + "\" }", "name:" },
    };

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning, RunTimers = false });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Theory]
    [MemberData(nameof(PreviouslyAcceptedBodies))]
    public async Task PreviouslyAcceptedBody_Gets400NamingTheField_AndTheStoredDocumentsStayUsable(string document, string overrides, string field)
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        var (route, valid) = document switch
        {
            "school" => ($"api/admin/schools/{journey.SchoolId}", ValidSchool()),
            "counselor" => ($"api/admin/schools/{journey.SchoolId}/counselors/bk-1", """{ "name": "Guru BK", "email": "bk1@example.sch.id" }"""),
            _ => ($"api/admin/schools/{journey.SchoolId}/campaigns", ValidCampaign()),
        };
        var body = Merge(valid, overrides);

        using var response = document == "campaign"
            ? await _runner.Admin.PostAsync(route, new StringContent(body, Encoding.UTF8, "application/json"))
            : await _runner.Admin.PutAsync(route, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith(field, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.True(p.Length < 1000, "a problem echoes at most a short part of the value"));

        // Nothing of the refused body was stored: the school's campaigns still work.
        var campaign = await journey.CreateCampaignAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await _runner.Admin.PostAsync($"api/admin/campaigns/{campaign}/dispatch", null)).StatusCode);
    }

    [Fact]
    public async Task ValidBodies_StillAccepted_WithEveryCampaignKindAsTemplate()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        Assert.Equal(HttpStatusCode.OK, (await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}", new StringContent(ValidSchool(), Encoding.UTF8, "application/json"))).StatusCode);

        foreach (var template in new[] { "outreach", "follow_up", "survey_barrier", "survey_channel" })
        {
            var body = Merge(ValidCampaign(), $$"""{ "template": "{{template}}" }""");
            var response = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/campaigns", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{template}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task SchoolNameTooLongForTheSmsBudget_Gets400_ARealisticLongNameDoesNot()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();

        var tooLong = await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}", new StringContent(Merge(ValidSchool(), $$"""{ "name": "{{new string('S', 99)}}" }"""), Encoding.UTF8, "application/json"));
        var realistic = await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}", new StringContent(Merge(ValidSchool(), """{ "name": "Madrasah Aliyah Muhammadiyah 1 Kota Palembang" }"""), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("SMS", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, realistic.StatusCode);
    }

    private static string ValidSchool() => JsonSerializer.Serialize(new
    {
        name = "MA Uji Coba",
        timeZone = "Asia/Jakarta",
        latitude = -2.9761,
        longitude = 104.7754,
        language = "id",
        sendingWindow = new { from = "08:00", to = "20:00" },
        terms = new[] { new { name = "2026/2027 Genap", firstDay = "2027-01-04", lastDay = "2027-06-19" } },
        blackouts = Array.Empty<object>(),
    });

    private static string ValidCampaign() => JsonSerializer.Serialize(new
    {
        name = "Kenali guru BK",
        term = "2026/2027 Genap",
        template = "outreach",
        waves = new object[] { new { kind = "outreach", sendOn = "2027-01-11" }, new { kind = "follow_up", afterDays = 7 } },
        bookingWindow = new { from = "2027-01-11", to = "2027-02-14" },
    });

    private static string ManyBlackouts(int count) =>
        JsonSerializer.Serialize(Enumerable.Range(0, count).Select(i => new { from = "2027-03-19", to = "2027-03-24", reason = "Idul Fitri " + i }));

    /// <summary>The valid document with the top-level properties of <paramref name="overrides"/> put over it.</summary>
    private static string Merge(string valid, string overrides)
    {
        var target = JsonNode.Parse(valid)!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(overrides)!.AsObject())
        {
            target[key] = value?.DeepClone();
        }

        return target.ToJsonString();
    }
}
