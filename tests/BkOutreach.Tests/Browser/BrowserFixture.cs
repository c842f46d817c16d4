using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace BkOutreach.Tests.Browser;

/// <summary>
/// One headless Debian Chromium (/usr/bin/chromium; the first run installs it, see <see cref="SystemPrograms"/>) for every browser test;
/// each test opens its own contexts, so cookies and downloads never leak between tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Generous, because two cores are shared with the runner, Azurite and other test hosts.</summary>
    public const float TimeoutMs = 30_000;

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ScreenshotFolder { get; } = Path.Combine(RepoPaths.Root, "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        await SystemPrograms.EnsureInstalledAsync();
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run .ci/install-system (apt-get install chromium).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 60_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        Assertions.SetDefaultExpectTimeout(TimeoutMs);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>
    /// A cheap Android phone: 360×640 CSS pixels, touch, Indonesian locale and WIB clock. <paramref name="bypassCsp"/>
    /// only for injecting axe-core: the pages forbid every script by Content-Security-Policy.
    /// </summary>
    public Task<IBrowserContext> NewPhoneAsync(bool javaScript = true, bool bypassCsp = false) => NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = new ViewportSize { Width = 360, Height = 640 },
        DeviceScaleFactor = 2,
        IsMobile = true,
        HasTouch = true,
        JavaScriptEnabled = javaScript,
        BypassCSP = bypassCsp,
        Locale = "id-ID",
        TimezoneId = "Asia/Jakarta",
        AcceptDownloads = true,
    });

    /// <summary>A counsellor's laptop.</summary>
    public Task<IBrowserContext> NewDesktopAsync(bool bypassCsp = false, bool javaScript = true) => NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        JavaScriptEnabled = javaScript,
        BypassCSP = bypassCsp,
        Locale = "id-ID",
        TimezoneId = "Asia/Jakarta",
    });

    /// <summary>Saves a full-page screenshot under TestResults/screenshots and prints its path to the test output.</summary>
    public static async Task ScreenshotAsync(IPage page, string name, ITestOutputHelper output)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }

    /// <summary>
    /// Saves a full-page screenshot like <see cref="ScreenshotAsync"/>, and when <c>BK_UPDATE_SCREENSHOTS=1</c>
    /// also copies it to docs/screenshots for the README's tour, so an ordinary test run leaves the
    /// repository unchanged.
    /// </summary>
    public static async Task ScreenshotForReadmeAsync(IPage page, string name, ITestOutputHelper output)
    {
        await ScreenshotAsync(page, name, output);
        if (Environment.GetEnvironmentVariable("BK_UPDATE_SCREENSHOTS") == "1")
        {
            var docs = Path.Combine(RepoPaths.Root, "docs", "screenshots");
            Directory.CreateDirectory(docs);
            File.Copy(Path.Combine(ScreenshotFolder, name + ".png"), Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }

    private async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(TimeoutMs);
        context.SetDefaultNavigationTimeout(TimeoutMs);
        return context;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    /// <summary>Browser tests run one after another: each drives Chromium, a runner and Azurite on two cores.</summary>
    public const string Name = "Browser";
}
