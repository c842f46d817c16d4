using System.Net;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BkOutreach.Tests.Browser;

/// <summary>
/// The counsellor's participation dashboard (<c>GET /api/admin/schools/{id}/dashboard</c>) in Chromium: the
/// funnel chart renders as SVG and the page passes axe-core. The route and the funnel come with the
/// participation work: this test needs the dashboard route, and the sends and bookings of the journey
/// below recorded in the participation log, or the funnel section says "no messages sent yet" and draws nothing.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task Dashboard_RendersTheFunnelChart_WithNoSeriousOrCriticalAxeViolations()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Families(3));
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        var links = await journey.BookingLinksAsync(campaign, 3);
        await using (var phone = await browser.NewPhoneAsync())
        {
            var parent = await phone.NewPageAsync();
            await parent.GotoAsync(links[0]);
            await parent.Locator("input[name=slot]").First.CheckAsync();
            await parent.Locator("form:has(input[name=slot])").GetByRole(AriaRole.Button).ClickAsync();
            await Expect(parent.Locator("h1")).ToHaveTextAsync("Jadwal Anda sudah tercatat");
        }

        var route = $"api/admin/schools/{journey.SchoolId}/dashboard";
        Assert.Equal(HttpStatusCode.OK, (await _runner.Admin.GetAsync(route)).StatusCode);

        await using var laptop = await browser.NewDesktopAsync(bypassCsp: true);
        var page = await laptop.NewPageAsync();
        var response = await page.GotoAsync($"{_runner.App.BaseUrl}/{route}?code={Uri.EscapeDataString(TestRunner.AdminKey)}");

        await BrowserFixture.ScreenshotAsync(page, "dashboard", output);

        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        await Expect(page.Locator("h1")).ToContainTextAsync("Dashboard BK");
        var chart = page.Locator("svg").First;
        await Expect(chart).ToBeVisibleAsync();
        var box = await chart.BoundingBoxAsync();
        Assert.True(box is { Width: > 50, Height: > 20 }, $"the chart has a size: {box?.Width}×{box?.Height}");
        Assert.True(await page.Locator("svg rect").CountAsync() > 0, "the funnel has bars");

        var violations = await Axe.RunAsync(page);
        output.WriteLine($"axe dashboard: {violations.Count} violation(s){string.Concat(violations.Select(v => "\n  " + v))}");
        Assert.Empty(Axe.Blocking(violations));
    }
}
