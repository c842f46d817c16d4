using System.Net;
using System.Text.Json;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Staff;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BkOutreach.Tests.Browser;

/// <summary>
/// A school admin composes a campaign for one class in Chromium: the composer shows how many guardians it
/// reaches and the message for the longest name in that class with its segment count, both equal to what
/// this test works out from the roster itself and to what the sender then sends; after "dispatch now" and
/// the provider's delivery reports, the campaign page shows the wave sent and delivered. Every campaign page
/// passes the staff pages' checks (phone and laptop, JavaScript on and off, size, axe).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CampaignPagesBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private const string Class = "XI IPA 1";

    private const string Roster =
        "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n" +
        "S1,Nurul Hidayah,XI IPA 1,Siti Aminah,081271234501,id,bk-1\n" +
        "S2,Muhammad Rizky Ramadhan Saputra,XI IPA 1,Abdul Rahman,081373450217,id,bk-1\n" +
        "S3,Aisyah Putri,XI IPA 1,Yuliana Sari,085267780034,id,bk-2\n" +
        "S4,Raden Ajeng Kartika Dewi Sekarningrum Wulandari,X IPS 2,Hendra Wijaya,082177905512,id,bk-2\n" +
        "S5,Dimas Anggara,X IPS 2,Bambang S,081367142209,id,bk-2\n";

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task Composer_ForOneClass_ShowsItsAudienceAndSegments_AndThePreviewIsWhatTheSenderSends_ThenTheWaveShowsDelivered()
    {
        var school = new OutreachJourney(_runner);
        await school.CreateSchoolAsync();
        await school.ImportAsync(Roster);
        var email = await GrantAdminAsync(school.SchoolId);

        // Worked out from the roster alone: the class's guardians, and the one whose child has the longest name.
        var rows = Roster.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).Where(r => r[2] == Class).ToList();
        var expectedAudience = rows.Select(r => r[4]).Distinct().Count();
        var longest = rows.MaxBy(r => r[1].Length)!;
        var longestPhone = "+62" + longest[4].TrimStart('0');

        await using var context = await StaffBrowser.SignedInAsync(browser, _runner, email, phone: false);
        var page = await context.NewPageAsync();
        await page.GotoAsync(_runner.App.BaseUrl + StaffPaths.NewCampaign(school.SchoolId));
        await page.Locator("#name").FillAsync("Kenali guru BK kelas XI IPA 1");
        await page.Locator($"input[name=classes][value='{Class}']").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Periksa" }).First.ClickAsync();

        await Expect(page.Locator("#audience-reaches")).ToHaveTextAsync(expectedAudience.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#preview-for")).ToContainTextAsync(longest[1]);
        var preview = await page.Locator("#preview-1").InputValueAsync();
        var segments = int.Parse(await page.Locator("#preview-1-cost [data-segments]").First.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await Expect(page.Locator($"input[name=classes][value='{Class}']")).ToBeCheckedAsync();
        await Expect(page.Locator("#schedule li").First).ToContainTextAsync("2027-01-11");
        await BrowserFixture.ScreenshotForReadmeAsync(page, "campaign-composer", output);

        await page.GetByRole(AriaRole.Button, new() { Name = "Buat kampanye" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Kenali guru BK kelas XI IPA 1");
        await Expect(page.Locator(".notice")).ToContainTextAsync("Kampanye tersimpan.");
        var campaignId = new Uri(page.Url).AbsolutePath.Split('/')[^1];
        await page.GetByRole(AriaRole.Button, new() { Name = "Kirim sekarang" }).ClickAsync();
        await Expect(page.Locator(".notice")).ToContainTextAsync("Gelombang masuk antrean pengiriman.");

        var sent = await Poll.UntilAsync(() => school.OutboxAsync(campaignId), m => m.Count >= expectedAudience);
        Assert.Equal(expectedAudience, sent.Count);
        var toLongest = Assert.Single(sent, m => m.GetProperty("to").GetString() == longestPhone);
        var body = toLongest.GetProperty("body").GetString()!;
        var token = body[(body.IndexOf("/api/b/", StringComparison.Ordinal) + "/api/b/".Length)..][..LinkTokens.TokenLength];
        Assert.Equal(body.Replace(token, new string('x', LinkTokens.TokenLength), StringComparison.Ordinal), preview);
        Assert.Equal(SmsSegments.Count(body), segments);
        Assert.Contains("Muhammad Rizky Ramadhan Saputra", body, StringComparison.Ordinal);

        // The provider's delivery reports: two delivered, one failed.
        var reports = sent.OrderBy(m => m.GetProperty("to").GetString(), StringComparer.Ordinal).Select((m, i) => new
        {
            id = Guid.NewGuid().ToString(),
            eventType = "Microsoft.Communication.SMSDeliveryReportReceived",
            data = new { messageId = m.GetProperty("messageId").GetString(), from = "+18005550100", to = m.GetProperty("to").GetString()!.TrimStart('+'), deliveryStatus = i == 0 ? "Failed" : "Delivered", tag = m.GetProperty("idempotencyKey").GetString() },
        }).ToArray();
        var posted = await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(reports));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        await page.GotoAsync(_runner.App.BaseUrl + StaffPaths.Campaign(school.SchoolId, campaignId));
        var wave = page.Locator("#wave-0");
        await Expect(wave).ToHaveAttributeAsync("data-state", "dispatched");
        await Expect(wave.Locator("[data-count=recipients]")).ToHaveTextAsync("3");
        await Expect(wave.Locator("[data-count=queued]")).ToHaveTextAsync("0");
        await Expect(wave.Locator("[data-count=sent]")).ToHaveTextAsync("3");
        await Expect(wave.Locator("[data-count=delivered]")).ToHaveTextAsync("2");
        await Expect(wave.Locator("[data-count=failed]")).ToHaveTextAsync("1");
        await Expect(page.Locator("#wave-1")).ToHaveAttributeAsync("data-state", "pending");
        await Expect(page.Locator("#wave-1")).ToContainTextAsync("2027-01-18");

        await page.GotoAsync(_runner.App.BaseUrl + StaffPaths.Campaigns(school.SchoolId));
        await Expect(page.Locator("main")).ToContainTextAsync("Terkirim 3 · Diterima 2 · Gagal 1");
    }

    [Fact]
    public async Task EveryCampaignPage_PassesTheStaffPageChecks()
    {
        var school = new OutreachJourney(_runner);
        await school.CreateSchoolAsync();
        await school.ImportAsync(Roster);
        var email = await GrantAdminAsync(school.SchoolId);
        var campaign = await school.CreateCampaignAsync();
        Assert.True((await _runner.Admin.PostAsync($"api/admin/schools/{school.SchoolId}/campaign-plans/recommended", null)).IsSuccessStatusCode);

        var list = await StaffBrowser.CheckPageAsync(browser, _runner, email, StaffPaths.Campaigns(school.SchoolId), output);
        var composer = await StaffBrowser.CheckPageAsync(browser, _runner, email, StaffPaths.NewCampaign(school.SchoolId), output);
        var detail = await StaffBrowser.CheckPageAsync(browser, _runner, email, StaffPaths.Campaign(school.SchoolId, campaign), output);
        var plan = await StaffBrowser.CheckPageAsync(browser, _runner, email, StaffPaths.CampaignPlan(school.SchoolId, RecommendedPlan.Id), output);

        Assert.Contains(CampaignPlanResolver.CampaignId(RecommendedPlan.Id, "2026/2027 Genap"), list, StringComparison.Ordinal);
        Assert.Contains("name=\"form_token\"", composer, StringComparison.Ordinal);
        Assert.Contains("id=\"wave-0\"", detail, StringComparison.Ordinal);
        Assert.Contains("name=\"version\"", plan, StringComparison.Ordinal);
    }

    private async Task<string> GrantAdminAsync(string schoolId)
    {
        var email = $"tu{Guid.NewGuid().ToString("N")[..6]}@sma.id";
        var put = await _runner.Admin.PutAsync($"api/admin/schools/{schoolId}/staff/{Uri.EscapeDataString(email)}", OutreachJourney.Json(new { role = "school_admin" }));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return email;
    }
}
