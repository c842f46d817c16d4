using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Configuration;

/// <summary>Settings section <c>Links</c>: how links in SMS and feeds are built and signed.</summary>
public sealed class LinksOptions
{
    public const string Section = "Links";

    /// <summary>Public base URL put into SMS links and feeds, without a trailing slash.</summary>
    public string BaseUrl { get; set; } = "http://127.0.0.1:7071";

    /// <summary>
    /// Base64 secret of at least 32 bytes. When empty, one is generated once and kept in the local storage
    /// account (development only; in Azure it comes from Key Vault).
    /// </summary>
    public string? SigningKey { get; set; }

    public Uri BaseUri => new(BaseUrl.TrimEnd('/') + "/");
}

internal sealed class LinksOptionsValidator : IValidateOptions<LinksOptions>
{
    public ValidateOptionsResult Validate(string? name, LinksOptions options)
    {
        var problems = new SettingsProblems();
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add("Links__BaseUrl", $"must be an absolute http(s) URL, got '{options.BaseUrl}'.");
        }

        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            byte[]? key = null;
            try
            {
                key = Convert.FromBase64String(options.SigningKey);
            }
            catch (FormatException)
            {
                problems.Add("Links__SigningKey", "must be base64.");
            }

            if (key is { Length: < 32 })
            {
                problems.Add("Links__SigningKey", $"must decode to at least 32 bytes, got {key.Length}.");
            }
        }

        return problems.ToResult();
    }
}
