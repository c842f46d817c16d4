using System.Security.Cryptography;
using System.Text;

namespace BkOutreach.Core.Sms.Acs;

/// <summary>
/// ACS repeatability ids are UUIDs; ours is derived from the idempotency key so that every attempt for the
/// same key, in any process, presents the same id. A name-based UUID (RFC 9562 version 8) of the SHA-256
/// of the key: deterministic, and different keys do not collide in practice.
/// </summary>
public static class RepeatabilityId
{
    private const string Namespace = "bkoutreach/sms/";

    public static string For(string idempotencyKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(Namespace + idempotencyKey), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}
