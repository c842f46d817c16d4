using BkOutreach.Core.Access;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Configuration;

/// <summary>Settings section <c>Auth</c>: who is a platform admin (every school) by their sign-in email.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Comma-separated emails (<c>Auth__PlatformAdmins</c>), compared in lower case.</summary>
    public string? PlatformAdmins { get; set; }

    public IReadOnlySet<string> PlatformAdminEmails =>
        (PlatformAdmins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(StaffEmail.Normalize)
            .ToHashSet(StringComparer.Ordinal);
}

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var problems = new SettingsProblems();
        foreach (var email in (options.PlatformAdmins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!StaffEmail.IsValid(email))
            {
                problems.Add("Auth__PlatformAdmins", $"'{email}' is not an email address (comma-separated emails).");
            }
        }

        return problems.ToResult();
    }
}
