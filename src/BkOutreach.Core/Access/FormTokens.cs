using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using BkOutreach.Core.Links;

namespace BkOutreach.Core.Access;

/// <summary>
/// Anti-forgery tokens of staff forms: every state-changing staff request made with a sign-in (not with a
/// key) carries one, as the form field <see cref="FieldName"/> or the header <see cref="HeaderName"/>. A token
/// is its expiry (8 bytes, Unix seconds) followed by the first 16 bytes of HMAC-SHA256 over (caller, expiry)
/// under a key derived from the links signing key; so it works only for the person it was issued to, only
/// until it expires (judged by the injected clock), and nobody can make one without the key. It is not stored.
/// </summary>
public sealed class FormTokens(SigningKeyProvider keys, TimeProvider time)
{
    public const string FieldName = "form_token";
    public const string HeaderName = "x-form-token";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private const int MacBytes = 16;
    private static readonly byte[] Purpose = Encoding.UTF8.GetBytes("bkoutreach/staff-form-tokens/v1");

    private byte[]? _key;

    public async Task<string> IssueAsync(Caller caller, CancellationToken cancellationToken)
    {
        var expires = time.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds();
        var token = new byte[8 + MacBytes];
        BinaryPrimitives.WriteInt64BigEndian(token, expires);
        Mac(await KeyAsync(cancellationToken), caller, expires).AsSpan(0, MacBytes).CopyTo(token.AsSpan(8));
        return Convert.ToBase64String(token).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public async Task<bool> IsValidAsync(Caller caller, string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            bytes = Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length != 8 + MacBytes)
        {
            return false;
        }

        var expires = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var expected = Mac(await KeyAsync(cancellationToken), caller, expires).AsSpan(0, MacBytes);
        return CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(8)) && time.GetUtcNow().ToUnixTimeSeconds() < expires;
    }

    private static byte[] Mac(byte[] key, Caller caller, long expires) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{caller.Kind}\n{caller.Name}\n{expires}"));

    private async ValueTask<byte[]> KeyAsync(CancellationToken cancellationToken) =>
        _key ??= HMACSHA256.HashData(await keys.GetAsync(cancellationToken), Purpose);
}
