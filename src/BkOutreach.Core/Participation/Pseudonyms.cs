using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Participation;

/// <summary>
/// Pseudonymous guardian ids for exports: <c>p</c> + the first 20 hex digits (80 bits) of
/// HMAC-SHA256(school secret, guardian id). The same guardian gets the same pseudonym in every export of
/// the school, so a researcher can join exports across terms; without the secret the id cannot be
/// recomputed or reversed, and another school (another secret) gives the same guardian another pseudonym.
/// </summary>
public sealed class Pseudonymizer
{
    private readonly byte[] _secret;

    public Pseudonymizer(byte[] secret)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(secret.Length, 32, nameof(secret));
        _secret = secret;
    }

    public string Of(string guardianId)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(guardianId), mac);
        return "p" + Convert.ToHexStringLower(mac[..10]);
    }
}

/// <summary>
/// The per-school pseudonym secret: 32 random bytes generated when the school is first saved (or, for a school
/// saved before that rule, on its first export) and kept in the secrets table (concurrent first exports agree on one through the insert's 409). Losing it only
/// means later exports cannot be joined to earlier ones.
/// </summary>
public sealed class PseudonymKeyProvider(StorageAccount storage)
{
    private const string Partition = "pseudonym";
    private readonly ConcurrentDictionary<string, Pseudonymizer> _bySchool = new(StringComparer.Ordinal);

    public async ValueTask<Pseudonymizer> ForSchoolAsync(string schoolId, CancellationToken cancellationToken)
    {
        if (_bySchool.TryGetValue(schoolId, out var cached))
        {
            return cached;
        }

        var pseudonymizer = new Pseudonymizer(await LoadOrCreateAsync(schoolId, cancellationToken));
        return _bySchool.GetOrAdd(schoolId, pseudonymizer);
    }

    private async Task<byte[]> LoadOrCreateAsync(string schoolId, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.SecretsTable);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, schoolId, cancellationToken: cancellationToken);
        if (existing.HasValue)
        {
            return Convert.FromBase64String(existing.Value!.GetString("Key")!);
        }

        var candidate = RandomNumberGenerator.GetBytes(32);
        try
        {
            await table.AddEntityAsync(new TableEntity(Partition, schoolId) { ["Key"] = Convert.ToBase64String(candidate) }, cancellationToken);
            return candidate;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var stored = await table.GetEntityAsync<TableEntity>(Partition, schoolId, cancellationToken: cancellationToken);
            return Convert.FromBase64String(stored.Value.GetString("Key")!);
        }
    }
}
