using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace BkOutreach.Functions.Http;

/// <summary>
/// The headers every page (parents' and staff) and every private download carries: never cached (pages show
/// live seats and personal data), never sent as a referrer (a parent's token is in the path), never sniffed,
/// never framed, and no script at all. Styles are allowed only as the page's own <c>&lt;style&gt;</c>
/// elements, by their SHA-256 (so an injected style element or a <c>style="…"</c> attribute does nothing);
/// pages therefore keep their CSS in one <c>&lt;style&gt;</c> element and never use style attributes.
/// </summary>
public static partial class SecurityHeaders
{
    /// <summary>Sets the headers on <paramref name="response"/>; <paramref name="html"/> is the page about to be written, if any.</summary>
    public static void Apply(HttpResponse response, string? html)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(html);
    }

    /// <summary>
    /// <c>default-src 'none'</c> (no script, font, frame or connection), the page's style elements by hash,
    /// inline <c>data:</c> images (the dashboard's charts), forms posting to this origin only, no
    /// <c>&lt;base&gt;</c>, and no framing by anyone.
    /// </summary>
    public static string ContentSecurityPolicy(string? html)
    {
        var styles = new StringBuilder();
        foreach (Match style in StyleElement().Matches(html ?? ""))
        {
            var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style.Groups["css"].Value)));
            styles.Append(" 'sha256-").Append(hash).Append('\'');
        }

        return $"default-src 'none'; style-src{(styles.Length > 0 ? styles.ToString() : " 'none'")}; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    }

    [GeneratedRegex(@"<style(?:\s[^>]*)?>(?<css>.*?)</style\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StyleElement();
}
