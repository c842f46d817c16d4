using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Configuration;

/// <summary>Settings section <c>Graph</c>: Microsoft 365 calendar sync, off unless enabled.</summary>
public sealed class GraphOptions
{
    public const string Section = "Graph";

    public bool Enabled { get; set; }

    public string? TenantId { get; set; }

    /// <summary>Client id of a user-assigned managed identity, or of an app registration with <see cref="ClientSecret"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>Client secret for client-credential authentication; empty means managed identity.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Graph base URL including the version segment; overridable so tests run against a local fake.</summary>
    public string BaseUrl { get; set; } = "https://graph.microsoft.com/v1.0";
}

internal sealed class GraphOptionsValidator : IValidateOptions<GraphOptions>
{
    public ValidateOptionsResult Validate(string? name, GraphOptions options)
    {
        var problems = new SettingsProblems();
        if (!options.Enabled)
        {
            return problems.ToResult();
        }

        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out _))
        {
            problems.Add("Graph__BaseUrl", $"must be an absolute URL, got '{options.BaseUrl}'.");
        }

        if (!string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            if (string.IsNullOrWhiteSpace(options.TenantId))
            {
                problems.Add("Graph__TenantId", "is required with Graph__ClientSecret.");
            }

            if (string.IsNullOrWhiteSpace(options.ClientId))
            {
                problems.Add("Graph__ClientId", "is required with Graph__ClientSecret.");
            }
        }

        return problems.ToResult();
    }
}
