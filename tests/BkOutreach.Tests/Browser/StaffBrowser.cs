using System.Text;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BkOutreach.Tests.Browser;

/// <summary>
/// Staff pages in Chromium: signing in through the runner's development sign-in (the same cookie App Service
/// Authentication's emulation sets), and the checks every staff page must pass on a counsellor's phone and a
/// school laptop, with JavaScript on and off.
/// </summary>
public static class StaffBrowser
{
    /// <summary>Largest staff page we accept, in bytes of HTML (the issue's budget: phones on slow data).</summary>
    public const int MaxPageBytes = 60 * 1024;

    /// <summary>The four ways a staff page is opened: phone and laptop, each with and without JavaScript.</summary>
    public static IReadOnlyList<(string Name, bool Phone, bool JavaScript)> Devices { get; } =
    [
        ("360x640-js", true, true),
        ("360x640-nojs", true, false),
        ("1280x800-js", false, true),
        ("1280x800-nojs", false, false),
    ];

    /// <summary>A new browser context signed in as <paramref name="email"/> (axe needs <paramref name="bypassCsp"/>: the pages allow no script).</summary>
    public static async Task<IBrowserContext> SignedInAsync(
        BrowserFixture browser, TestRunner runner, string email, bool phone = true, bool javaScript = true, bool bypassCsp = false)
    {
        var context = phone ? await browser.NewPhoneAsync(javaScript, bypassCsp) : await browser.NewDesktopAsync(bypassCsp, javaScript);
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync($"{runner.App.BaseUrl}/.auth/login/dev?user={Uri.EscapeDataString(email)}&post_login_redirect_uri=%2Fapi%2Fstaff");
        if (response is null || !response.Ok)
        {
            throw new InvalidOperationException($"development sign-in as {email} answered {response?.Status}");
        }

        await page.CloseAsync();
        return context;
    }

    /// <summary>
    /// Opens <paramref name="path"/> as <paramref name="email"/> in each of <see cref="Devices"/> and asserts what
    /// every staff page owes its users: 200, at most <see cref="MaxPageBytes"/>, no request to any other
    /// origin (no web fonts, no CDNs), nothing wider than a 360 px phone, and, with JavaScript on, no serious
    /// or critical axe-core violation. Returns the HTML as served.
    /// </summary>
    public static async Task<string> CheckPageAsync(BrowserFixture browser, TestRunner runner, string email, string path, ITestOutputHelper output)
    {
        var html = "";
        foreach (var (name, phone, javaScript) in Devices)
        {
            await using var context = await SignedInAsync(browser, runner, email, phone, javaScript, bypassCsp: javaScript);
            var page = await context.NewPageAsync();
            var origin = new Uri(runner.App.BaseUrl).GetLeftPart(UriPartial.Authority);
            var foreign = new List<string>();
            page.Request += (_, request) =>
            {
                if (!request.Url.StartsWith(origin, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
                {
                    foreign.Add(request.Url);
                }
            };
            var response = await page.GotoAsync(runner.App.BaseUrl + path);
            Assert.NotNull(response);
            Assert.True(response.Status == 200, $"{path} on {name} answered {response.Status}");
            var body = await response.BodyAsync();
            Assert.True(body.Length <= MaxPageBytes, $"{path} is {body.Length} bytes, over {MaxPageBytes}");
            html = Encoding.UTF8.GetString(body);
            Assert.Empty(foreign);
            if (javaScript)
            {
                var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
                var viewport = phone ? 360 : 1280;
                Assert.True(width <= viewport, $"{path} is {width} px wide on a {viewport} px screen");
                var violations = await Axe.RunAsync(page);
                output.WriteLine($"axe {path} {name}: {violations.Count} violation(s){string.Concat(violations.Select(v => "\n  " + v))}");
                Assert.Empty(Axe.Blocking(violations));
            }
        }

        return html;
    }
}
