using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Access;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Integration;

/// <summary>
/// Two schools on the recommended plan have campaigns with the same id (<c>kenali-guru-bk-2026-2027-genap</c>):
/// each school's admin reaches her own through both dispatch routes, a platform admin on the id-only route is
/// told which schools hold the id, and each school's delivery reports count on its own funnel.
/// </summary>
public sealed class SharedCampaignIdTests
{
    private const string CampaignId = "kenali-guru-bk-2026-2027-genap";
    private const string PlatformAdmin = "root@platform.example.id";

    // Monday 2027-01-11 09:00 WIB: the plan's outreach day (term day 7, Sunday) has passed, so it is due.
    private static readonly DateTimeOffset SchoolMorning = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TwoSchoolsOnTheRecommendedPlan_EachDispatchAndCountTheirOwnCampaign()
    {
        await using var runner = await TestRunner.StartAsync(s => s["Auth:PlatformAdmins"] = PlatformAdmin, new RunnerSettings { Clock = SchoolMorning, RunTimers = false });
        var a = await SchoolAsync(runner, "0812711", families: 2);
        var b = await SchoolAsync(runner, "0813722", families: 3);
        using var adminA = await AccessWorld.SignedInAsync(runner, await AdminAsync(runner, a));
        using var adminB = await AccessWorld.SignedInAsync(runner, await AdminAsync(runner, b));
        using var root = await AccessWorld.SignedInAsync(runner, PlatformAdmin);

        // School A made the id first; B's admin still reaches B's campaign by the id alone.
        Assert.Equal(1, await DispatchedAsync(adminB, $"api/admin/campaigns/{CampaignId}/dispatch"));
        Assert.Equal(["dispatched", "pending"], new[] { await FirstWaveAsync(runner, b), await FirstWaveAsync(runner, a) });
        Assert.Equal(1, await DispatchedAsync(adminA, $"api/admin/schools/{a.SchoolId}/campaigns/{CampaignId}/dispatch"));
        Assert.Equal("dispatched", await FirstWaveAsync(runner, a));

        // Again by either route: each reaches its own, already dispatched, campaign; never the other school's.
        Assert.Equal(0, await DispatchedAsync(adminA, $"api/admin/campaigns/{CampaignId}/dispatch"));
        Assert.Equal(0, await DispatchedAsync(adminB, $"api/admin/schools/{b.SchoolId}/campaigns/{CampaignId}/dispatch"));
        Assert.Equal(HttpStatusCode.Forbidden, (await adminB.PostAsync($"api/admin/schools/{a.SchoolId}/campaigns/{CampaignId}/dispatch", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminB.PostAsync("api/admin/campaigns/no-such-campaign/dispatch", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminB.PostAsync($"api/admin/schools/{b.SchoolId}/campaigns/no-such-campaign/dispatch", null)).StatusCode);

        // A platform admin acts on every school: the id alone is ambiguous, the school route is not.
        foreach (var platform in new[] { root, runner.Admin })
        {
            var ambiguous = await platform.PostAsync($"api/admin/campaigns/{CampaignId}/dispatch", null);
            Assert.Equal(HttpStatusCode.Conflict, ambiguous.StatusCode);
            var body = await ambiguous.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("ambiguous_campaign", body.GetProperty("error").GetString());
            Assert.Equal(new[] { a.SchoolId, b.SchoolId }.Order(StringComparer.Ordinal), body.GetProperty("schools").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal));
            Assert.Equal(0, await DispatchedAsync(platform, $"api/admin/schools/{b.SchoolId}/campaigns/{CampaignId}/dispatch"));
        }

        // Every message's delivery report; one of B's with a tag from before tags named the school.
        var messages = await Poll.UntilAsync(() => a.OutboxAsync(CampaignId), m => m.Count >= 5);
        Assert.Equal(5, messages.Count);
        var tags = messages.Select(m => m.GetProperty("tag").GetString()!).ToList();
        Assert.Equal(2, tags.Count(t => t.EndsWith($":school:{a.SchoolId}", StringComparison.Ordinal)));
        Assert.Equal(3, tags.Count(t => t.EndsWith($":school:{b.SchoolId}", StringComparison.Ordinal)));
        var legacy = tags.First(t => t.EndsWith($":school:{b.SchoolId}", StringComparison.Ordinal));
        var legacyTag = legacy[..legacy.IndexOf(":school:", StringComparison.Ordinal)];
        tags[tags.IndexOf(legacy)] = legacyTag;
        await MoveToSharedPartitionAsync(runner, b.SchoolId, legacyTag);
        var reports = tags.Select((tag, i) => new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSDeliveryReportReceived", data = new { messageId = $"m{i}", from = "+18005550100", to = "6281200000000", deliveryStatus = "Delivered", tag } }).ToArray();
        var outcome = await (await runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(reports))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(5, outcome.GetProperty("processed").GetInt32());

        Assert.Equal((2, 2), await FunnelAsync(runner, a));
        Assert.Equal((3, 3), await FunnelAsync(runner, b));
        Assert.Equal((2, 3), (await SentAsync(runner, a), await SentAsync(runner, b)));
    }

    [Fact]
    public void SendKeys_NameTheSchool_AndKeysWithoutItStillParse()
    {
        var key = SendLog.KeyOf("ma-1", CampaignId, 2, "g1");
        Assert.True(SendLog.TryParseKey(key, out var school, out var campaign, out var wave, out var guardian));
        Assert.Equal(("ma-1", CampaignId, 2, "g1"), (school, campaign, wave, guardian));

        Assert.True(SendLog.TryParseKey($"campaign:{CampaignId}:wave:0:guardian:g2", out school, out campaign, out wave, out guardian));
        Assert.Equal((null, CampaignId, 0, "g2"), (school, campaign, wave, guardian));

        Assert.False(SendLog.TryParseKey($"campaign:{CampaignId}:wave:0:guardian:g2:school:", out _, out _, out _, out _));
        Assert.False(SendLog.TryParseKey($"{key}:slots", out _, out _, out _, out _));
        Assert.False(SendLog.TryParseKey($"campaign:{CampaignId}:wave:x:guardian:g2", out _, out _, out _, out _));
    }

    private static async Task<OutreachJourney> SchoolAsync(TestRunner runner, string phonePrefix, int families)
    {
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        for (var i = 0; i < families; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i},Siswa {i},X IPA 1,Wali {i},{phonePrefix}{i:00000},id,bk-1\n");
        }

        await journey.ImportAsync(csv.ToString());
        var plan = await runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/campaign-plans/recommended", null);
        Assert.Equal(HttpStatusCode.Created, plan.StatusCode);
        Assert.Equal([CampaignId], (await plan.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("campaigns").EnumerateArray().Select(c => c.GetString()));
        return journey;
    }

    private static async Task<string> AdminAsync(TestRunner runner, OutreachJourney school)
    {
        var email = $"admin@{school.SchoolId}.sch.id";
        var put = await runner.Admin.PutAsync($"api/admin/schools/{school.SchoolId}/staff/{Uri.EscapeDataString(email)}", OutreachJourney.Json(new { role = "school_admin" }));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return email;
    }

    /// <summary>Dispatches through <paramref name="route"/> (202 expected) and answers how many waves were queued.</summary>
    private static async Task<int> DispatchedAsync(HttpClient client, string route)
    {
        var response = await client.PostAsync(route, null);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("waves").GetArrayLength();
    }

    private static async Task<JsonElement> CampaignAsync(TestRunner runner, OutreachJourney school) =>
        Assert.Single((await runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{school.SchoolId}/campaigns")).EnumerateArray(), c => c.GetProperty("id").GetString() == CampaignId);

    private static async Task<string> FirstWaveAsync(TestRunner runner, OutreachJourney school) =>
        (await CampaignAsync(runner, school)).GetProperty("waves")[0].GetProperty("state").GetString()!;

    /// <summary>
    /// Makes one of the school's send rows look as a deployment from before school-keyed tags and partitions
    /// wrote it: in the partition every school with the campaign id shares, under a key without the school.
    /// </summary>
    private static async Task MoveToSharedPartitionAsync(TestRunner runner, string schoolId, string oldKey)
    {
        Assert.True(SendLog.TryParseKey(oldKey, out _, out var campaignId, out var wave, out var guardianId));
        var table = runner.Services.GetRequiredService<StorageAccount>().Table(StorageNames.SendsTable);
        var row = (await table.GetEntityAsync<TableEntity>(SendLog.PartitionOf(schoolId, campaignId, wave), guardianId)).Value;
        await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag);
        row.PartitionKey = SendLog.LegacyPartitionOf(campaignId, wave);
        row["Key"] = oldKey;
        await table.AddEntityAsync(row);
    }

    private static async Task<int> SentAsync(TestRunner runner, OutreachJourney school) =>
        (await CampaignAsync(runner, school)).GetProperty("waves")[0].GetProperty("sent").GetInt32();

    /// <summary>The school's funnel of the shared campaign as its dashboard counts it: guardians sent to, and delivered.</summary>
    private static async Task<(int Sent, int Delivered)> FunnelAsync(TestRunner runner, OutreachJourney school)
    {
        var entries = await runner.Services.GetRequiredService<ParticipationLog>().ListAsync(school.SchoolId, CancellationToken.None);
        var rows = ParticipationAnalysis.ByGuardianAndCampaign(entries).Where(r => r.CampaignId == CampaignId).ToList();
        return (rows.Count(r => r.Sent), rows.Count(r => r.Delivered));
    }
}
