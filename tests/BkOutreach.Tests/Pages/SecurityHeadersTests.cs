using System.Security.Cryptography;
using System.Text;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;

namespace BkOutreach.Tests.Pages;

public sealed class SecurityHeadersTests
{
    [Fact]
    public void Policy_AllowsExactlyThePagesOwnStyleElements_ByHash_AndNoScript()
    {
        const string css = "body{color:#1b1b1b}";
        const string other = "p{margin:0}";
        var html = $"<!DOCTYPE html><html><head><style>{css}</style><STYLE media=\"print\">{other}</STYLE></head><body><p style=\"color:red\">x</p></body></html>";

        var csp = SecurityHeaders.ContentSecurityPolicy(html);

        Assert.Contains($"'sha256-{Hash(css)}'", csp, StringComparison.Ordinal);
        Assert.Contains($"'sha256-{Hash(other)}'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_ForAPageWithoutStyles_OrADownload_AllowsNoStyle()
    {
        Assert.Contains("style-src 'none'", SecurityHeaders.ContentSecurityPolicy(null), StringComparison.Ordinal);
        Assert.Contains("style-src 'none'", SecurityHeaders.ContentSecurityPolicy("<p>x</p>"), StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_SetsEveryHeader()
    {
        var context = new DefaultHttpContext();

        SecurityHeaders.Apply(context.Response, "<style>a{}</style>");

        Assert.Equal("no-store", context.Response.Headers.CacheControl);
        Assert.Equal("nosniff", context.Response.Headers.XContentTypeOptions);
        Assert.Equal("no-referrer", context.Response.Headers["Referrer-Policy"]);
        Assert.Equal(SecurityHeaders.ContentSecurityPolicy("<style>a{}</style>"), context.Response.Headers.ContentSecurityPolicy);
    }

    private static string Hash(string css) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(css)));
}
