using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Access;

/// <summary>A school's automation key as listed (never the key itself).</summary>
public sealed record SchoolKeyInfo(string Id, string SchoolId, string Name, DateTimeOffset CreatedAt);

/// <summary>
/// Automation keys of schools (<c>x-api-key</c>), for a school's information system: each acts as its
/// school's admin on that school's routes only. A key is <c>bks_{id}_{secret}</c> (id 12 hex digits,
/// secret 32 random bytes); the table keeps only its SHA-256 hash under the id, so the table's contents
/// cannot be used as a key. Checking a key is a point read of its id and a constant-time comparison of the
/// hashes, every time: nothing is cached, so a deleted key is refused by every instance from the next request.
/// </summary>
public sealed class SchoolKeys(StorageAccount storage, TimeProvider time)
{
    public const string Header = "x-api-key";
    private const string Partition = "key";
    private const string Prefix = "bks_";
    private const int IdHexLength = 12;

    private TableClient Table => storage.Table(StorageNames.SchoolKeysTable);

    /// <summary>A new key for the school: the key is returned once and never stored.</summary>
    public async Task<(SchoolKeyInfo Info, string Key)> CreateAsync(string schoolId, string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdHexLength / 2));
            var key = $"{Prefix}{id}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
            var info = new SchoolKeyInfo(id, schoolId, name, time.GetUtcNow());
            try
            {
                await Table.AddEntityAsync(
                    new TableEntity(Partition, id) { ["SchoolId"] = schoolId, ["Name"] = name, ["Hash"] = Convert.ToHexStringLower(Hash(key)), ["CreatedAt"] = info.CreatedAt },
                    cancellationToken);
                return (info, key);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // 48 random bits collided: draw another id.
            }
        }
    }

    /// <summary>Revokes the school's key; false when the school has no key with that id.</summary>
    public async Task<bool> DeleteAsync(string schoolId, string id, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("SchoolId") != schoolId)
        {
            return false;
        }

        try
        {
            await Table.DeleteEntityAsync(Partition, id, ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<SchoolKeyInfo>> ListAsync(string schoolId, CancellationToken cancellationToken)
    {
        var list = new List<SchoolKeyInfo>();
        await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and SchoolId eq {schoolId}"), cancellationToken: cancellationToken))
        {
            list.Add(Info(row));
        }

        return [.. list.OrderBy(k => k.CreatedAt).ThenBy(k => k.Id, StringComparer.Ordinal)];
    }

    /// <summary>The key's school and id when <paramref name="presented"/> is a key that exists now; else null.</summary>
    public async Task<SchoolKeyInfo?> FindAsync(string? presented, CancellationToken cancellationToken)
    {
        if (presented is null || presented.Length > 128 || !presented.StartsWith(Prefix, StringComparison.Ordinal)
            || presented.Length < Prefix.Length + IdHexLength + 2 || presented[Prefix.Length + IdHexLength] != '_')
        {
            return null;
        }

        var id = presented.Substring(Prefix.Length, IdHexLength);
        if (!id.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("Hash") is not { } stored)
        {
            return null;
        }

        byte[] expected;
        try
        {
            expected = Convert.FromHexString(stored);
        }
        catch (FormatException)
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(expected, Hash(presented)) ? Info(row.Value) : null;
    }

    private static SchoolKeyInfo Info(TableEntity row) =>
        new(row.RowKey, row.GetString("SchoolId")!, row.GetString("Name") ?? "", row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
