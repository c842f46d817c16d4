using BkOutreach.Core.Staff;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Staff;

/// <summary>
/// A staff page (HTML) with the <see cref="SecurityHeaders"/> and its status: 200, or 400/409/422 when a
/// posted form comes back with its errors and the values the person typed.
/// </summary>
public sealed class StaffPageResult(string html, int status = StatusCodes.Status200OK) : IActionResult
{
    public string Html => html;

    public int Status => status;

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var request = context.HttpContext.Request;
        var response = context.HttpContext.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        SecurityHeaders.Apply(response, html);
        if (StaffPageHttp.ChosenLanguage(request) is { } lang)
        {
            response.Headers.Append("Set-Cookie", $"{StaffPageHttp.LanguageCookie}={lang}; Path=/api/staff; Max-Age=31536000; SameSite=Lax; HttpOnly{(request.IsHttps ? "; Secure" : "")}");
        }

        await response.WriteAsync(html, context.HttpContext.RequestAborted);
    }
}

/// <summary>What every staff page function needs from the request: the language, the posted form, and the answer after a saved form.</summary>
public static class StaffPageHttp
{
    /// <summary>The person's choice of language, kept for a year (not a secret, not a sign-in).</summary>
    public const string LanguageCookie = "bk_lang";

    /// <summary>
    /// The page's language: <c>?lang=</c> when the person just chose it, then their kept choice, then the
    /// browser's <c>Accept-Language</c> when it starts with English; Bahasa Indonesia otherwise.
    /// </summary>
    public static string Language(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ChosenLanguage(request) is { } chosen)
        {
            return chosen;
        }

        if (request.Cookies.TryGetValue(LanguageCookie, out var kept) && kept is "id" or "en")
        {
            return kept;
        }

        return StaffPages.Language(request.Headers.AcceptLanguage.ToString());
    }

    /// <summary>The language picked on this request (<c>?lang=id|en</c>), or null.</summary>
    public static string? ChosenLanguage(HttpRequest request) =>
        request.Query.TryGetValue("lang", out var lang) && lang.Count == 1 && lang[0] is "id" or "en" ? lang[0] : null;

    /// <summary>The posted form, or an empty one when the body is not a form.</summary>
    public static async Task<IFormCollection> FormAsync(HttpRequest request, CancellationToken cancellationToken) =>
        request.HasFormContentType ? await request.ReadFormAsync(cancellationToken) : FormCollection.Empty;

    /// <summary>One field of the form, trimmed; empty when absent.</summary>
    public static string Field(IFormCollection form, string name) =>
        form.TryGetValue(name, out var value) && value.Count > 0 ? (value[0] ?? "").Trim() : "";

    /// <summary>After a saved form: 303 to the page's own path (so a reload does not post again), with <c>?done=</c> naming the notice to show.</summary>
    public static IActionResult SeeOther(string path, string? done = null) =>
        new SeeOtherResult(done is null ? path : $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}done={Uri.EscapeDataString(done)}");

    private sealed class SeeOtherResult(string location) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            context.HttpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.HttpContext.Response.Headers.Location = location;
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }
    }
}
