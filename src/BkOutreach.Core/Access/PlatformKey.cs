using System.Security.Cryptography;
using System.Text;
using BkOutreach.Core.Configuration;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Access;

/// <summary>
/// The platform key (<c>Admin__ApiKey</c>): compared as SHA-256 hashes in constant time, so neither the
/// comparison's time nor its length tells anything about the key.
/// </summary>
public sealed class PlatformKey(IOptions<AdminOptions> options)
{
    private readonly byte[]? _hash = string.IsNullOrEmpty(options.Value.ApiKey) ? null : Hash(options.Value.ApiKey);

    public bool IsConfigured => _hash is not null;

    public bool Matches(string? presented) =>
        _hash is not null && !string.IsNullOrEmpty(presented) && CryptographicOperations.FixedTimeEquals(_hash, Hash(presented));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
