using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Configuration;

/// <summary>
/// Settings section <c>Admin</c>: <see cref="ApiKey"/> is the platform key, checked by the app (the
/// functions are anonymous at the Functions host). Deployment scripts and the Event Grid webhook present it
/// as <c>x-functions-key</c> or <c>?code=</c>; in Azure it is a Key Vault reference, locally the runner
/// generates and prints one. Unset: no request is a platform key.
/// </summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    public const int MinimumKeyLength = 16;

    public string? ApiKey { get; set; }
}

internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var problems = new SettingsProblems();
        if (!string.IsNullOrEmpty(options.ApiKey) && (options.ApiKey.Length < AdminOptions.MinimumKeyLength || options.ApiKey.Any(char.IsWhiteSpace)))
        {
            problems.Add("Admin__ApiKey", $"must be at least {AdminOptions.MinimumKeyLength} characters without spaces.");
        }

        return problems.ToResult();
    }
}
