using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BkOutreach.Core.Demo;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Runner;

/// <summary>One runner with the principal probe and a fake clock, shared by the tests of a class (they run one after another).</summary>
public sealed class DevAuthenticationRunner : IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero));

    public TestRunner Runner { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Runner = await TestRunner.StartAsync(settings: new RunnerSettings
        {
            ExtraFunctionAssemblies = [typeof(PrincipalProbeFunctions).Assembly],
            ConfigureServices = services => services.AddSingleton<TimeProvider>(Clock),
        });

    public async Task DisposeAsync() => await Runner.DisposeAsync();
}

/// <summary>The runner plays App Service Authentication: sign-in cookie, principal headers, /.auth/me, sign-out.</summary>
public sealed class DevAuthenticationTests(DevAuthenticationRunner fixture) : IClassFixture<DevAuthenticationRunner>
{
    private const string Email = "rahmawati.yusuf@ma-aisyiyah1plg.sch.id";
    private const string Probe = "/api/probe/principal";

    private readonly FakeTimeProvider _clock = fixture.Clock;
    private readonly TestRunner _runner = fixture.Runner;

    [Fact]
    public async Task DevSignIn_SetsAnHttpOnlyLaxSessionCookie_AndRedirectsToTheLocalPath()
    {
        using var client = Client(cookies: null);

        var response = await client.GetAsync($"/.auth/login/dev?user={Uri.EscapeDataString(Email)}&post_login_redirect_uri={Uri.EscapeDataString("/api/staff?x=1")}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/api/staff?x=1", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(DevAuthentication.CookieName + "=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Email, cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SignedIn_Request_ReachesTheAppWithThePlatformsPrincipalHeaders()
    {
        using var client = await SignedInAsync(Email);

        var seen = await client.GetFromJsonAsync<Dictionary<string, string>>(Probe);

        Assert.Equal(Email, seen!["X-MS-CLIENT-PRINCIPAL-NAME"]);
        Assert.Equal("dev", seen["X-MS-CLIENT-PRINCIPAL-IDP"]);
        Assert.Equal(DevAuthentication.UserId(Email), seen["X-MS-CLIENT-PRINCIPAL-ID"]);
        Assert.True(Guid.TryParse(seen["X-MS-CLIENT-PRINCIPAL-ID"], out _));
        using var principal = JsonDocument.Parse(Convert.FromBase64String(seen["X-MS-CLIENT-PRINCIPAL"]));
        var root = principal.RootElement;
        Assert.Equal("dev", root.GetProperty("auth_typ").GetString());
        Assert.Equal("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", root.GetProperty("name_typ").GetString());
        Assert.Equal("http://schemas.microsoft.com/ws/2008/06/identity/claims/role", root.GetProperty("role_typ").GetString());
        var claims = root.GetProperty("claims").EnumerateArray().ToDictionary(c => c.GetProperty("typ").GetString()!, c => c.GetProperty("val").GetString());
        Assert.Equal(Email, claims[root.GetProperty("name_typ").GetString()!]);
        Assert.Equal(Email, claims["preferred_username"]);
        Assert.Equal(Email, claims["name"]);
    }

    [Fact]
    public async Task UserId_IsStablePerEmail_AndDiffersBetweenEmails()
    {
        using var first = await SignedInAsync(Email);
        using var again = await SignedInAsync(Email);
        using var other = await SignedInAsync("ahmad.fauzi@ma-aisyiyah1plg.sch.id");

        var a = (await first.GetFromJsonAsync<Dictionary<string, string>>(Probe))!["X-MS-CLIENT-PRINCIPAL-ID"];
        var b = (await again.GetFromJsonAsync<Dictionary<string, string>>(Probe))!["X-MS-CLIENT-PRINCIPAL-ID"];
        var c = (await other.GetFromJsonAsync<Dictionary<string, string>>(Probe))!["X-MS-CLIENT-PRINCIPAL-ID"];

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task Me_AnswersThePrincipalAsAppServiceDoes_And401WhenNotSignedIn()
    {
        using var anonymous = Client(new CookieContainer());
        using var client = await SignedInAsync(Email);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/.auth/me")).StatusCode);
        var me = await client.GetFromJsonAsync<JsonElement>("/.auth/me");

        var entry = Assert.Single(me.EnumerateArray());
        Assert.Equal("dev", entry.GetProperty("provider_name").GetString());
        Assert.Equal(Email, entry.GetProperty("user_id").GetString());
        Assert.Contains(entry.GetProperty("user_claims").EnumerateArray(), c => c.GetProperty("typ").GetString() == "preferred_username" && c.GetProperty("val").GetString() == Email);
    }

    [Fact]
    public async Task Logout_EndsTheSession_EvenForACopyOfTheCookieKeptFromBefore()
    {
        var cookies = new CookieContainer();
        using var client = Client(cookies);
        await client.GetAsync($"/.auth/login/dev?user={Email}");
        var kept = cookies.GetCookies(client.BaseAddress!)[DevAuthentication.CookieName]!.Value;

        var logout = await client.GetAsync("/.auth/logout?post_logout_redirect_uri=/api/health");

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal("/api/health", logout.Headers.Location!.OriginalString);
        Assert.Contains(logout.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DevAuthentication.CookieName + "=;", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/.auth/me")).StatusCode);
        using var replay = Client(cookies: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, Probe);
        request.Headers.Add("Cookie", $"{DevAuthentication.CookieName}={kept}");
        Assert.Empty((await (await replay.SendAsync(request)).Content.ReadFromJsonAsync<Dictionary<string, string>>())!);
    }

    [Fact]
    public async Task Session_ExpiresAfterEightHoursOnTheAppsClock()
    {
        using var client = await SignedInAsync(Email);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/.auth/me")).StatusCode);

        _clock.Advance(DevAuthentication.SessionLifetime);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/.auth/me")).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<Dictionary<string, string>>(Probe))!);
    }

    [Theory]
    [InlineData("X-MS-CLIENT-PRINCIPAL")]
    [InlineData("x-ms-client-principal-name")]
    [InlineData("X-Ms-Client-Principal-Id")]
    [InlineData("X-MS-CLIENT-PRINCIPAL-IDP")]
    [InlineData("X-MS-CLIENT-PRINCIPAL-ANYTHING")]
    [InlineData("X-MS-TOKEN-AAD-ID-TOKEN")]
    public async Task ForgedPlatformHeader_FromAClient_NeverReachesTheApp(string header)
    {
        var forged = header.Equals("X-MS-CLIENT-PRINCIPAL", StringComparison.OrdinalIgnoreCase)
            ? Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"auth_typ":"aad","claims":[{"typ":"preferred_username","val":"platform@evil.example"}],"name_typ":"preferred_username","role_typ":"roles"}"""))
            : "platform@evil.example";
        using var anonymous = Client(cookies: null);
        using var signedIn = await SignedInAsync(Email);

        var withoutSession = await SendWithAsync(anonymous, header, forged);
        var withSession = await SendWithAsync(signedIn, header, forged);

        Assert.Empty(withoutSession);
        Assert.DoesNotContain(withSession.Values, v => v.Contains("evil.example", StringComparison.Ordinal) || v == forged);
        Assert.Equal(Email, withSession["X-MS-CLIENT-PRINCIPAL-NAME"]);
    }

    [Fact]
    public async Task TamperedCookie_SignsNobodyIn()
    {
        var cookies = new CookieContainer();
        using var client = Client(cookies);
        await client.GetAsync($"/.auth/login/dev?user={Email}");
        var value = cookies.GetCookies(client.BaseAddress!)[DevAuthentication.CookieName]!.Value;
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        var payload = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(value[..dot].Replace('-', '+').Replace('_', '/'))));
        var altered = Convert.ToBase64String(Encoding.UTF8.GetBytes(payload.Replace("rahmawati.yusuf", "ahmad.fauzi", StringComparison.Ordinal))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        foreach (var forged in new[] { altered + value[dot..], value[..dot] + ".AAAA", value[..dot], "garbage" })
        {
            using var anonymous = Client(cookies: null);
            using var request = new HttpRequestMessage(HttpMethod.Get, Probe);
            request.Headers.Add("Cookie", $"{DevAuthentication.CookieName}={forged}");

            Assert.Empty((await (await anonymous.SendAsync(request)).Content.ReadFromJsonAsync<Dictionary<string, string>>())!);
        }
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/api/staff")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("evil.example")]
    [InlineData("/api/staff\r\nSet-Cookie: x=1")]
    [InlineData("/api/st\u00e4ff")]
    [InlineData("")]
    public async Task RedirectOutsideThisHost_IsRefused_ForSignInAndSignOut(string target)
    {
        using var client = Client(cookies: null);

        var signIn = await client.GetAsync($"/.auth/login/dev?user={Email}&post_login_redirect_uri={Uri.EscapeDataString(target)}");
        var signOut = await client.GetAsync($"/.auth/logout?post_logout_redirect_uri={Uri.EscapeDataString(target)}");
        var page = await client.GetStringAsync($"/.auth/login/aad?post_login_redirect_uri={Uri.EscapeDataString(target)}");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/api/staff", signIn.Headers.Location!.OriginalString);
        Assert.Equal("/.auth/logout/complete", signOut.Headers.Location!.OriginalString);
        Assert.Contains("name=\"post_login_redirect_uri\" value=\"/api/staff\"", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-email")]
    [InlineData("Budi <budi@example.sch.id>")]
    [InlineData("a b@example.sch.id")]
    public async Task DevSignIn_WithoutAnEmail_Is400WithTheFormAndNoCookie(string user)
    {
        using var client = Client(cookies: null);

        var response = await client.GetAsync($"/.auth/login/dev?user={Uri.EscapeDataString(user)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Contains("action=\"/.auth/login/dev\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AadSignInPage_InTheRunner_IsAFormForTheDevSignIn_KeepingTheLocalTarget_Escaped()
    {
        using var browser = Client(new CookieContainer(), followRedirects: true);

        var response = await browser.GetAsync($"/.auth/login/aad?post_login_redirect_uri={Uri.EscapeDataString("/api/probe/principal?a=\"<b>")}");
        var html = await response.Content.ReadAsStringAsync();
        var submitted = await browser.GetFromJsonAsync<Dictionary<string, string>>(
            $"/.auth/login/dev?user={Uri.EscapeDataString(Email)}&post_login_redirect_uri={Uri.EscapeDataString("/api/probe/principal")}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<form method=\"get\" action=\"/.auth/login/dev\">", html, StringComparison.Ordinal);
        Assert.Contains("value=\"/api/probe/principal?a=&quot;&lt;b&gt;\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(Email, submitted!["X-MS-CLIENT-PRINCIPAL-NAME"]);
    }

    [Fact]
    public async Task DemoSignInLinks_NameTheSchoolAdminAndEachCounsellor_AndSignThemIn()
    {
        var demo = DemoSeeder.Load(Path.Combine(RepoPaths.Root, "data", "demo", "demo-school.json"));

        var links = RunnerApp.DemoSignInLinks(_runner.App.BaseUrl, demo);

        Assert.Equal(
            new (string, string)[]
            {
                ("school admin", $"{_runner.App.BaseUrl}/.auth/login/dev?user=admin@ma-aisyiyah1plg.sch.id&post_login_redirect_uri=/api/staff"),
                ("counsellor bk-1 (Rahmawati Yusuf, S.Pd.)", $"{_runner.App.BaseUrl}/.auth/login/dev?user=rahmawati.yusuf@ma-aisyiyah1plg.sch.id&post_login_redirect_uri=/api/staff"),
                ("counsellor bk-2 (Ahmad Fauzi, M.Pd.)", $"{_runner.App.BaseUrl}/.auth/login/dev?user=ahmad.fauzi@ma-aisyiyah1plg.sch.id&post_login_redirect_uri=/api/staff"),
            },
            links);
        foreach (var (_, link) in links)
        {
            using var client = Client(new CookieContainer());
            Assert.Equal("/api/staff", (await client.GetAsync(link)).Headers.Location!.OriginalString);
            var me = await client.GetFromJsonAsync<JsonElement>("/.auth/me");
            Assert.Equal(link.Split("user=")[1].Split('&')[0], me[0].GetProperty("user_id").GetString());
        }
    }

    private async Task<Dictionary<string, string>> SendWithAsync(HttpClient client, string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Probe);
        request.Headers.TryAddWithoutValidation(header, value);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
    }

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var client = Client(new CookieContainer());
        var response = await client.GetAsync($"/.auth/login/dev?user={Uri.EscapeDataString(email)}&post_login_redirect_uri=/api/health");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>A browser-like client: its own cookie jar (or none), redirects shown rather than followed unless asked.</summary>
    private HttpClient Client(CookieContainer? cookies, bool followRedirects = false) =>
        new(new HttpClientHandler { UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = followRedirects })
        {
            BaseAddress = new Uri(_runner.App.BaseUrl),
        };

    private static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
}

public sealed class DevAuthenticationCookieTests
{
    [Theory]
    [InlineData("https", true)]
    [InlineData("http", false)]
    public void SessionCookie_IsSecure_WhenTheRequestIsHttps(string scheme, bool secure)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Scheme = scheme;

        var options = DevAuthentication.CookieOptions(context.Request);

        Assert.Equal(secure, options.Secure);
        Assert.True(options.HttpOnly);
        Assert.Equal(Microsoft.AspNetCore.Http.SameSiteMode.Lax, options.SameSite);
    }
}
