namespace BkOutreach.Core.Configuration;

/// <summary>
/// Settings section <c>Admin</c>. Only the local runner checks <see cref="ApiKey"/>; in Azure the Functions
/// host's keys (or App Service Authentication) guard the admin routes.
/// </summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    public string? ApiKey { get; set; }
}
