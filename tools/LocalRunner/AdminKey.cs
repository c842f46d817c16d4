using System.Security.Cryptography;

namespace BkOutreach.LocalRunner;

/// <summary>
/// The platform key the runner hands to the app (<c>Admin__ApiKey</c>): the one from settings, or one
/// generated at start and printed. The app checks it (<see cref="BkOutreach.Core.Access.PlatformKey"/>).
/// </summary>
public sealed class AdminKey(string key)
{
    public string Value { get; } = key;

    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
}
