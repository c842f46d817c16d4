using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Links;

/// <summary>What a valid link token grants: this guardian, for this campaign, until the booking window ends.</summary>
public sealed record LinkGrant(string Token, string SchoolId, string GuardianId, string CampaignId, Instant ExpiresAt);

/// <summary>
/// The personal links in SMS (<c>{Links__BaseUrl}/api/b/{token}</c>). A token is 24 base64url characters:
/// 9 random bytes (the id of its row in the <c>links</c> table) followed by the first 9 bytes of
/// HMAC-SHA256 of those bytes under a key derived from the signing key. A forged or mistyped token is
/// refused by the MAC (compared in constant time) before any storage read; a genuine one is looked up and
/// works for exactly the (school, guardian, campaign) it was issued for, until the instant the campaign's
/// booking window ends (exclusive), judged by the injected clock. Issuing twice for the same triple gives
/// the same token (an index row keyed by the triple), so a retried send carries the same link.
/// </summary>
public sealed class LinkTokens(StorageAccount storage, SigningKeyProvider keys, TimeProvider time)
{
    public const int TokenLength = 24;
    private const int IdBytes = 9;
    private const int MacBytes = 9;
    private const string TokenRow = "token";
    private const string IndexRow = "index";
    private static readonly byte[] Purpose = Encoding.UTF8.GetBytes("bkoutreach/link-tokens/v1");

    private byte[]? _macKey;

    /// <summary>The booking page URL for a token under <c>Links__BaseUrl</c>.</summary>
    public static string BookingUrl(string baseUrl, string token) => $"{baseUrl.TrimEnd('/')}/api/b/{token}";

    /// <summary>
    /// The token of (school, guardian, campaign): the existing one, or a new one. When the campaign's
    /// booking window moved, the existing token takes the new <paramref name="expiresAt"/>.
    /// </summary>
    public async Task<string> IssueAsync(string schoolId, string guardianId, string campaignId, Instant expiresAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(schoolId);
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        var table = storage.Table(StorageNames.LinksTable);
        var indexKey = IndexKey(schoolId, guardianId, campaignId);

        var existing = await ExistingTokenAsync(table, indexKey, cancellationToken);
        if (existing is not null)
        {
            await KeepExpiryAsync(table, existing, expiresAt, cancellationToken);
            return existing;
        }

        var key = await MacKeyAsync(cancellationToken);
        var id = RandomNumberGenerator.GetBytes(IdBytes);
        var token = Compose(key, id);

        // The token row first, then the index: an index row never points at a token that does not exist.
        await table.AddEntityAsync(new TableEntity(RowId(token), TokenRow)
        {
            ["SchoolId"] = schoolId,
            ["GuardianId"] = guardianId,
            ["CampaignId"] = campaignId,
            ["ExpiresAt"] = expiresAt.ToDateTimeOffset(),
            ["IssuedAt"] = time.GetUtcNow(),
        }, cancellationToken);
        try
        {
            await table.AddEntityAsync(new TableEntity(indexKey, IndexRow) { ["Token"] = token }, cancellationToken);
            return token;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Another instance issued for the same triple at the same moment: its token wins, ours goes.
            await table.DeleteEntityAsync(RowId(token), TokenRow, ETag.All, cancellationToken);
            var winner = await ExistingTokenAsync(table, indexKey, cancellationToken)
                ?? throw new InvalidOperationException("The link index row vanished while issuing a token.");
            await KeepExpiryAsync(table, winner, expiresAt, cancellationToken);
            return winner;
        }
    }

    /// <summary>The grant of a token, or null when it is malformed, forged, unknown or expired.</summary>
    public async Task<LinkGrant?> LookupAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is null || token.Length != TokenLength || !await HasValidMacAsync(token, cancellationToken))
        {
            return null;
        }

        var row = await storage.Table(StorageNames.LinksTable).GetEntityIfExistsAsync<TableEntity>(RowId(token), TokenRow, cancellationToken: cancellationToken);
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

    private static async Task<string?> ExistingTokenAsync(TableClient table, string indexKey, CancellationToken cancellationToken)
    {
        var index = await table.GetEntityIfExistsAsync<TableEntity>(indexKey, IndexRow, cancellationToken: cancellationToken);
        return index.HasValue ? index.Value?.GetString("Token") : null;
    }

    private static async Task KeepExpiryAsync(TableClient table, string token, Instant expiresAt, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(RowId(token), TokenRow, cancellationToken: cancellationToken);
        if (row.HasValue && row.Value is { } entity && entity.GetDateTimeOffset("ExpiresAt") != expiresAt.ToDateTimeOffset())
        {
            await table.UpdateEntityAsync(new TableEntity(entity.PartitionKey, entity.RowKey) { ["ExpiresAt"] = expiresAt.ToDateTimeOffset() }, entity.ETag, TableUpdateMode.Merge, cancellationToken);
        }
    }

    /// <summary>The random part of a token: base64url, so valid as a partition key.</summary>
    private static string RowId(string token) => token[..12];

    /// <summary>Ids may hold characters keys cannot ('/', '#', '?'): the triple is hashed.</summary>
    private static string IndexKey(string schoolId, string guardianId, string campaignId) =>
        "i-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{schoolId}\u001f{guardianId}\u001f{campaignId}")));
}
