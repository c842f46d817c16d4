using System.Collections.Concurrent;
using System.Net;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BkOutreach.Functions.Http;

namespace BkOutreach.LocalRunner;

/// <summary>
/// The runner's stand-in for App Service Authentication, so the app reads a signed-in user from the same
/// headers in both hosts. Every request first loses every client-sent <c>X-MS-CLIENT-PRINCIPAL*</c> (and
/// <c>X-MS-TOKEN-*</c>) header; a request with a valid session cookie then gets the principal headers as the
/// platform sets them. <c>/.auth/login/dev?user=…</c> is a development sign-in (no password: the runner is a
/// development tool); <c>/.auth/login/aad</c>, which the app sends pages to, shows a form for it;
/// <c>/.auth/me</c> and <c>/.auth/logout</c> answer as the platform's do.
/// </summary>
/// <remarks>
/// The session cookie holds the email, a random session id and the expiry, MAC'd with HMAC-SHA256 under a
/// secret drawn for this runner process: it cannot be guessed or altered, and dies with the process (sign
/// in again after a restart). Signing out also remembers the session id until it would have expired, so a
/// copy of the cookie kept from before is refused too.
/// </remarks>
public sealed class DevAuthentication(TimeProvider time)
{
    /// <summary>The platform's cookie name.</summary>
    public const string CookieName = "AppServiceAuthSession";

    /// <summary><c>auth_typ</c> and <c>X-MS-CLIENT-PRINCIPAL-IDP</c> of a development sign-in (Entra ID's is <c>aad</c>).</summary>
    public const string Provider = "dev";

    /// <summary>Where a sign-in goes when it names no local path: the staff home.</summary>
    public const string DefaultRedirect = "/api/staff";

    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";
    public const string NameType = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    public const string RoleType = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    public const string ObjectIdType = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    /// <summary>The platform's default session length (<c>login.cookieExpiration</c>, 8 hours).</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _signedOut = new(StringComparer.Ordinal);

    /// <summary>Puts the platform's part in front of every endpoint and maps the <c>/.auth</c> routes.</summary>
    public static void Map(WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.RequestServices.GetRequiredService<DevAuthentication>().Authenticate(context);
            return next(context);
        });
        app.MapGet("/.auth/login/dev", (HttpContext context, DevAuthentication auth) => auth.SignIn(context));
        app.MapGet("/.auth/login/aad", (HttpContext context) => SignInPage(context, RedirectTarget(context.Request, "post_login_redirect_uri", DefaultRedirect), null, StatusCodes.Status200OK));
        app.MapGet("/.auth/me", (HttpContext context, DevAuthentication auth) => auth.Me(context));
        app.MapGet("/.auth/logout", (HttpContext context, DevAuthentication auth) => auth.SignOut(context));
        app.MapGet("/.auth/logout/complete", (HttpContext context) => Page(context, StatusCodes.Status200OK, "Keluar / Signed out",
            "<p>Anda sudah keluar. / You are signed out.</p><p><a href=\"/.auth/login/aad\">Masuk lagi / Sign in again</a></p>"));
    }

    /// <summary>A development sign-in link, as the runner prints it for the demo staff.</summary>
    public static string SignInLink(string baseUrl, string email, string redirect = DefaultRedirect) =>
        $"{baseUrl}/.auth/login/dev?user={Uri.EscapeDataString(email).Replace("%40", "@", StringComparison.Ordinal)}&post_login_redirect_uri={Uri.EscapeDataString(redirect).Replace("%2F", "/", StringComparison.Ordinal)}";

    /// <summary>The stable id of a user (<c>X-MS-CLIENT-PRINCIPAL-ID</c>): a GUID derived from the email, as Entra's object id is fixed per account.</summary>
    public static string UserId(string email) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes("bkoutreach-dev-user:" + email.ToLowerInvariant())).AsSpan(0, 16)).ToString();

    /// <summary>Drops what a client claims to be; sets what the session cookie proves.</summary>
    public void Authenticate(HttpContext context)
    {
        var headers = context.Request.Headers;
        foreach (var name in headers.Keys.Where(IsPlatformHeader).ToList())
        {
            headers.Remove(name);
        }

        if (ReadSession(context.Request) is not { } session)
        {
            return;
        }

        var principal = new ClientPrincipal(Provider, Claims(session.Email), NameType, RoleType);
        headers[PrincipalHeader] = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(principal));
        headers[PrincipalHeader + "-NAME"] = session.Email;
        headers[PrincipalHeader + "-ID"] = UserId(session.Email);
        headers[PrincipalHeader + "-IDP"] = Provider;
    }

    private static bool IsPlatformHeader(string name) =>
        name.StartsWith(PrincipalHeader, StringComparison.OrdinalIgnoreCase) || name.StartsWith("X-MS-TOKEN-", StringComparison.OrdinalIgnoreCase);

    private static IReadOnlyList<Claim> Claims(string email) =>
    [
        new(NameType, email),
        new("preferred_username", email),
        new("name", email),
        new(ObjectIdType, UserId(email)),
    ];

    private async Task SignIn(HttpContext context)
    {
        var redirect = RedirectTarget(context.Request, "post_login_redirect_uri", DefaultRedirect);
        var user = context.Request.Query["user"].FirstOrDefault()?.Trim() ?? "";
        if (!IsEmail(user))
        {
            await SignInPage(context, redirect, user.Length == 0 ? "Tulis alamat email. / Enter an email address." : "Itu bukan alamat email. / That is not an email address.", StatusCodes.Status400BadRequest);
            return;
        }

        var session = new Session(user, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), (time.GetUtcNow() + SessionLifetime).ToUnixTimeSeconds());
        context.Response.Cookies.Append(CookieName, Protect(session), CookieOptions(context.Request));
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect(redirect);
    }

    private IResult Me(HttpContext context)
    {
        if (ReadSession(context.Request) is not { } session)
        {
            return Results.Unauthorized();
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(new[]
        {
            new MeEntry(Provider, session.Email, Claims(session.Email), DateTimeOffset.FromUnixTimeSeconds(session.ExpiresAt)),
        }, Json);
    }

    private void SignOut(HttpContext context)
    {
        if (ReadSession(context.Request) is { } session)
        {
            var now = time.GetUtcNow();
            foreach (var id in _signedOut.Where(e => e.Value < now).Select(e => e.Key).ToList())
            {
                _signedOut.TryRemove(id, out _);
            }

            _signedOut[session.Id] = DateTimeOffset.FromUnixTimeSeconds(session.ExpiresAt);
        }

        context.Response.Cookies.Delete(CookieName, CookieOptions(context.Request));
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect(RedirectTarget(context.Request, "post_logout_redirect_uri", "/.auth/logout/complete"));
    }

    /// <summary>The session cookie's attributes: script cannot read it, cross-site subrequests and posts do not carry it, and over https it never goes over http.</summary>
    internal static CookieOptions CookieOptions(HttpRequest request) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Lax,
        Secure = request.IsHttps,
        Path = "/",
        IsEssential = true,
    };

    private string Protect(Session session)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(session, Json);
        return Base64Url(payload) + "." + Base64Url(HMACSHA256.HashData(_secret, payload));
    }

    private Session? ReadSession(HttpRequest request)
    {
        var cookie = request.Cookies[CookieName];
        var dot = cookie?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (cookie is null || dot <= 0)
        {
            return null;
        }

        try
        {
            var payload = FromBase64Url(cookie[..dot]);
            if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_secret, payload), FromBase64Url(cookie[(dot + 1)..])))
            {
                return null;
            }

            var session = JsonSerializer.Deserialize<Session>(payload, Json);
            return session is not null && session.ExpiresAt > time.GetUtcNow().ToUnixTimeSeconds() && !_signedOut.ContainsKey(session.Id) ? session : null;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Where to go after signing in or out: a path on this host only (one leading <c>/</c>, no <c>//</c> or
    /// <c>/\</c>, no scheme, printable ASCII only as a Location header needs), so a link cannot bounce a user
    /// to another site.
    /// </summary>
    public static string RedirectTarget(HttpRequest request, string parameter, string fallback)
    {
        var value = request.Query[parameter].FirstOrDefault() ?? request.Query[parameter.Replace("_uri", "_url", StringComparison.Ordinal)].FirstOrDefault();
        return IsLocalPath(value) ? value! : fallback;
    }

    public static bool IsLocalPath(string? value) =>
        value is { Length: > 0 and <= 2048 } && value[0] == '/' && !value.StartsWith("//", StringComparison.Ordinal)
        && !value.Contains('\\', StringComparison.Ordinal) && value.All(c => c is > ' ' and < (char)127);

    private static bool IsEmail(string value) =>
        value.Length is > 2 and <= 254 && !value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
        && MailAddress.TryCreate(value, out var address) && address.Address == value && address.DisplayName.Length == 0;

    private static Task SignInPage(HttpContext context, string redirect, string? error, int status) =>
        Page(context, status, "Masuk / Sign in", new StringBuilder()
            .Append("<p>Masuk pengembangan (hanya runner lokal; di Azure: Microsoft Entra ID). / Development sign-in (local runner only; in Azure: Microsoft Entra ID).</p>")
            .Append(error is null ? "" : $"<p class=\"e\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>")
            .Append("<form method=\"get\" action=\"/.auth/login/dev\"><label for=\"user\">Email</label>")
            .Append("<input id=\"user\" name=\"user\" type=\"email\" autocomplete=\"email\" required>")
            .Append("<input type=\"hidden\" name=\"post_login_redirect_uri\" value=\"").Append(WebUtility.HtmlEncode(redirect)).Append("\">")
            .Append("<button type=\"submit\">Masuk / Sign in</button></form>")
            .ToString());

    private static Task Page(HttpContext context, int status, string title, string body)
    {
        var html = "<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
            + $"<title>{WebUtility.HtmlEncode(title)} – BkOutreach</title>\n<style>body{{font:1rem/1.45 sans-serif;max-width:30em;margin:1em auto;padding:0 1em;color:#1b1b1b}}"
            + "label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3em 0}input,button{font:inherit;padding:.6em}"
            + "button{font-weight:bold;border:0;border-radius:.4em;background:#0a4f96;color:#fff}.e{color:#a3211a}</style>\n</head>\n<body>\n"
            + $"<h1>{WebUtility.HtmlEncode(title)}</h1>\n{body}\n</body>\n</html>\n";
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        SecurityHeaders.Apply(context.Response, html);
        return context.Response.WriteAsync(html, context.RequestAborted);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }

    private sealed record Session(string Email, string Id, long ExpiresAt);

    private sealed record Claim([property: JsonPropertyName("typ")] string Type, [property: JsonPropertyName("val")] string Value);

    /// <summary>The decoded <c>X-MS-CLIENT-PRINCIPAL</c>, as App Service writes it.</summary>
    private sealed record ClientPrincipal(
        [property: JsonPropertyName("auth_typ")] string AuthType,
        [property: JsonPropertyName("claims")] IReadOnlyList<Claim> Claims,
        [property: JsonPropertyName("name_typ")] string NameType,
        [property: JsonPropertyName("role_typ")] string RoleType);

    /// <summary>One entry of <c>/.auth/me</c>'s array, as App Service answers it (without provider tokens: there are none).</summary>
    private sealed record MeEntry(
        [property: JsonPropertyName("provider_name")] string ProviderName,
        [property: JsonPropertyName("user_id")] string UserId,
        [property: JsonPropertyName("user_claims")] IReadOnlyList<Claim> UserClaims,
        [property: JsonPropertyName("expires_on")] DateTimeOffset ExpiresOn);
}
