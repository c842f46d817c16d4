using System.Security.Cryptography;
using System.Text;

namespace BkOutreach.LocalRunner;

/// <summary>The runner's stand-in for Functions keys: <c>Admin__ApiKey</c>, checked in constant time.</summary>
public sealed class AdminKey(string key)
{
    private readonly byte[] _hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public string Value { get; } = key;

    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    /// <summary>Reads <c>x-functions-key</c> or <c>?code=</c>. Hashing first makes the comparison length-independent.</summary>
    public bool IsPresentedBy(HttpRequest request)
    {
        var presented = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
    }
}
