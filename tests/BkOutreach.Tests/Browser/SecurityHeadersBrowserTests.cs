using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BkOutreach.Tests.Browser;

/// <summary>
/// Every page a parent or a counsellor opens carries the security headers, and Chromium, enforcing that
/// policy (no CSP bypass here), still styles the page and reports no violation: nothing on the pages relies
/// on inline script or style attributes.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SecurityHeadersBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task ParentPagesAndDashboard_CarryTheSecurityHeaders_AndRenderStyledWithoutAViolation()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Families(1));
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        var link = (await journey.BookingLinksAsync(campaign, 1))[0];

        await using (var phone = await browser.NewPhoneAsync())
        {
            var page = await phone.NewPageAsync();
            var violations = CspViolations(page);

            AssertSecurityHeaders(await page.GotoAsync(link), "booking page");
            Assert.Equal("rgb(10, 79, 150)", await page.Locator("form:has(input[name=slot]) button").EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor"));
            await page.Locator("input[name=slot]").First.CheckAsync();
            var confirmation = await page.RunAndWaitForResponseAsync(
                () => page.Locator("form:has(input[name=slot])").GetByRole(AriaRole.Button).ClickAsync(),
                r => r.Url.Contains("/done", StringComparison.Ordinal));
            await Expect(page.Locator("h1")).ToHaveTextAsync("Jadwal Anda sudah tercatat");
            AssertSecurityHeaders(confirmation, "confirmation page");
            AssertSecurityHeaders(await page.GotoAsync($"{_runner.App.BaseUrl}/api/about-bk"), "about BK page");
            AssertSecurityHeaders(await page.GotoAsync($"{_runner.App.BaseUrl}/api/b/AAAAAAAAAAAAAAAAAAAAAAAAAAAA"), "not-found page");

            Assert.Empty(violations);
        }

        await using (var laptop = await browser.NewDesktopAsync())
        {
            // The platform key as a header (as a deployment script sends it), so no key sits in the URL.
            await laptop.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["x-functions-key"] = TestRunner.AdminKey });
            var page = await laptop.NewPageAsync();
            var violations = CspViolations(page);

            AssertSecurityHeaders(await page.GotoAsync($"{_runner.App.BaseUrl}/api/admin/schools/{journey.SchoolId}/dashboard"), "dashboard");
            await Expect(page.Locator("h1")).ToContainTextAsync("Dashboard BK");
            Assert.Equal("960px", await page.Locator("body").EvaluateAsync<string>("b => getComputedStyle(b).maxWidth"));
            await BrowserFixture.ScreenshotAsync(page, "dashboard-under-csp", output);

            Assert.Empty(violations);
        }
    }

    private static void AssertSecurityHeaders(IResponse? response, string what)
    {
        Assert.True(response is not null, $"{what}: no response");
        var headers = response!.Headers;
        var csp = headers.GetValueOrDefault("content-security-policy") ?? "";
        Assert.True(csp.Contains("default-src 'none'", StringComparison.Ordinal), $"{what}: CSP '{csp}'");
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", headers.GetValueOrDefault("x-content-type-options"));
        Assert.Equal("no-referrer", headers.GetValueOrDefault("referrer-policy"));
        Assert.Equal("no-store", headers.GetValueOrDefault("cache-control"));
    }

    /// <summary>What Chromium logs when the policy blocks something on the page.</summary>
    private static List<string> CspViolations(IPage page)
    {
        var found = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                found.Add(message.Text);
            }
        };
        return found;
    }
}
