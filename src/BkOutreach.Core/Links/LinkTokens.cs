using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Links;

/// <summary>What a valid link token grants: this guardian, for this campaign, until the booking window ends.</summary>
public sealed record LinkGrant(string Token, string SchoolId, string GuardianId, string CampaignId, Instant ExpiresAt);

/// <summary>
/// The personal links in SMS (<c>{Links__BaseUrl}/api/b/{token}</c>). A token is 28 base64url characters:
/// a 12-byte id followed by the first 9 bytes of HMAC-SHA256 of that id under a key derived from the signing
/// key. The id is itself derived from the signing key: 3 bytes from (school, campaign) — the token row's
/// partition, so a campaign's tokens are written together in entity-group transactions of up to 100 — and
/// 9 bytes from (school, guardian, campaign), the row. So issuing is one upsert with no read: the same
/// triple always gives the same token (a retried send carries the same link), nobody can compute a token
/// without the key, and a forged or mistyped token is refused by the MAC (compared in constant time)
/// before any storage read. A genuine token works for exactly the (school, guardian, campaign) it was issued
/// for, until the instant the campaign's booking window ends (exclusive), judged by the injected clock;
/// issuing again with a moved window moves its expiry. Rotating the signing key replaces every token.
/// </summary>
public sealed class LinkTokens(StorageAccount storage, SigningKeyProvider keys, TimeProvider time)
{
    public const int TokenLength = 28;
    private const int ShardBytes = 3;
    private const int IdBytes = 12;
    private const int MacBytes = 9;
    private const int BatchLimit = 100;
    private static readonly byte[] Purpose = Encoding.UTF8.GetBytes("bkoutreach/link-tokens/v2");
    private static readonly byte[] IdPurpose = Encoding.UTF8.GetBytes("bkoutreach/link-token-ids/v2");

    private readonly RecentReads _grants = new(time);
    private byte[]? _macKey;
    private byte[]? _idKey;

    /// <summary>The booking page URL for a token under <c>Links__BaseUrl</c>.</summary>
    public static string BookingUrl(string baseUrl, string token) => $"{baseUrl.TrimEnd('/')}/api/b/{token}";

    /// <summary>The token of (school, guardian, campaign), valid until <paramref name="expiresAt"/>: one upsert.</summary>
    public async Task<string> IssueAsync(string schoolId, string guardianId, string campaignId, Instant expiresAt, CancellationToken cancellationToken) =>
        (await IssueManyAsync(schoolId, campaignId, [guardianId], expiresAt, cancellationToken))[guardianId];

    /// <summary>
    /// The tokens of many guardians of one campaign, written in entity-group transactions of up to 100 rows
    /// (one storage round trip per 100 guardians), keyed by guardian id.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> IssueManyAsync(string schoolId, string campaignId, IReadOnlyCollection<string> guardianIds, Instant expiresAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(schoolId);
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        ArgumentNullException.ThrowIfNull(guardianIds);
        var macKey = await MacKeyAsync(cancellationToken);
        var idKey = await IdKeyAsync(cancellationToken);
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var guardianId in guardianIds)
        {
            ArgumentException.ThrowIfNullOrEmpty(guardianId);
            tokens.TryAdd(guardianId, Compose(macKey, IdOf(idKey, schoolId, guardianId, campaignId)));
        }

        var table = storage.Table(StorageNames.LinksTable);
        var issuedAt = time.GetUtcNow();
        foreach (var chunk in tokens.Chunk(BatchLimit))
        {
            var actions = chunk.Select(t => new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(PartitionOf(t.Value), RowOf(t.Value))
            {
                ["SchoolId"] = schoolId,
                ["GuardianId"] = t.Key,
                ["CampaignId"] = campaignId,
                ["ExpiresAt"] = expiresAt.ToDateTimeOffset(),
                ["IssuedAt"] = issuedAt,
            })).ToList();
            if (actions.Count == 1)
            {
                await table.UpsertEntityAsync(actions[0].Entity, TableUpdateMode.Merge, cancellationToken);
            }
            else
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
            }
        }

        return tokens;
    }

    /// <summary>The grant of a token, or null when it is malformed, forged, unknown or expired.</summary>
    public async Task<LinkGrant?> LookupAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is null || token.Length != TokenLength || !await HasValidMacAsync(token, cancellationToken))
        {
            return null;
        }

        // Read from storage every time here; kept for a booking request that follows (LookupRecentAsync).
        return await _grants.ReadAndKeepAsync(token, ct => ReadGrantAsync(token, ct), cancellationToken);
    }

    /// <summary>
    /// As <see cref="LookupAsync"/>, but a grant this instance read within <see cref="RecentReads.For"/> (by
    /// either lookup: a parent usually opens the link, then books) is used again; the MAC and the expiry are
    /// still checked on every call. Only for a booking request: a link
    /// deleted meanwhile (its guardian erased) may still be granted here for those seconds, and what guards the
    /// booking is the seal erasure leaves on the guardian's booking pointers (<see cref="Booking.BookingStore.SealAsync"/>).
    /// </summary>
    public async Task<LinkGrant?> LookupRecentAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is null || token.Length != TokenLength || !await HasValidMacAsync(token, cancellationToken))
        {
            return null;
        }

        var grant = await _grants.GetAsync(token, ct => ReadGrantAsync(token, ct), cancellationToken);
        return grant is not null && Instant.FromDateTimeOffset(time.GetUtcNow()) < grant.ExpiresAt ? grant : null;
    }

    private async Task<LinkGrant?> ReadGrantAsync(string token, CancellationToken cancellationToken)
    {

        var row = await storage.Table(StorageNames.LinksTable).GetEntityIfExistsAsync<TableEntity>(PartitionOf(token), RowOf(token), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is not { } entity || entity.GetDateTimeOffset("ExpiresAt") is not { } expires)
        {
            return null;
        }

        var expiresAt = Instant.FromDateTimeOffset(expires);
        if (Instant.FromDateTimeOffset(time.GetUtcNow()) >= expiresAt)
        {
            return null;
        }

        return new LinkGrant(token, entity.GetString("SchoolId") ?? "", entity.GetString("GuardianId") ?? "", entity.GetString("CampaignId") ?? "", expiresAt);
    }

    /// <summary>The token for <paramref name="id"/> under <paramref name="macKey"/>: id and truncated MAC, base64url.</summary>
    internal static string Compose(byte[] macKey, ReadOnlySpan<byte> id)
    {
        Span<byte> raw = stackalloc byte[IdBytes + MacBytes];
        id.CopyTo(raw);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(macKey, id, mac);
        mac[..MacBytes].CopyTo(raw[IdBytes..]);
        return Base64Url.EncodeToString(raw);
    }

    internal async ValueTask<byte[]> MacKeyAsync(CancellationToken cancellationToken) =>
        _macKey ??= HMACSHA256.HashData(await keys.GetAsync(cancellationToken), Purpose);

    private async ValueTask<bool> HasValidMacAsync(string token, CancellationToken cancellationToken)
    {
        Span<byte> raw = stackalloc byte[IdBytes + MacBytes];
        if (!Base64Url.IsValid(token) || Base64Url.DecodeFromChars(token, raw) != raw.Length)
        {
            return false;
        }

        var presented = raw.ToArray();
        var key = await MacKeyAsync(cancellationToken);
        var expected = HMACSHA256.HashData(key, presented.AsSpan(0, IdBytes));
        return CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, MacBytes), presented.AsSpan(IdBytes));
    }

    private async ValueTask<byte[]> IdKeyAsync(CancellationToken cancellationToken) =>
        _idKey ??= HMACSHA256.HashData(await keys.GetAsync(cancellationToken), IdPurpose);

    /// <summary>3 bytes naming the (school, campaign) partition, then 9 naming the guardian within it.</summary>
    private static byte[] IdOf(byte[] idKey, string schoolId, string guardianId, string campaignId)
    {
        var id = new byte[IdBytes];
        HMACSHA256.HashData(idKey, Encoding.UTF8.GetBytes($"{schoolId}\u001f{campaignId}")).AsSpan(0, ShardBytes).CopyTo(id);
        HMACSHA256.HashData(idKey, Encoding.UTF8.GetBytes($"{schoolId}\u001f{guardianId}\u001f{campaignId}")).AsSpan(0, IdBytes - ShardBytes).CopyTo(id.AsSpan(ShardBytes));
        return id;
    }

    /// <summary>The first 3 bytes of the id are the first 4 base64url characters: valid in a key.</summary>
    private static string PartitionOf(string token) => "L" + token[..4];

    private static string RowOf(string token) => token[4..16];
}
