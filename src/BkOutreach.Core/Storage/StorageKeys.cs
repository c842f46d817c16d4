using System.Security.Cryptography;
using System.Text;

namespace BkOutreach.Core.Storage;

/// <summary>Row keys cannot hold '/', '\', '#', '?' or control characters; keys made of outside text are hashed.</summary>
public static class StorageKeys
{
    /// <summary>Lower-case hex SHA-256 of the UTF-8 text: stable, fixed length, always a valid row key.</summary>
    public static string Hashed(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
