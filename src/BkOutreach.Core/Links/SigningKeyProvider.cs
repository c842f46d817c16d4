using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Links;

/// <summary>
/// The secret behind link tokens: <c>Links__SigningKey</c> when set (Key Vault in Azure), otherwise one
/// generated the first time it is needed and kept in the storage account, so a local installation keeps
/// its links valid across restarts.
/// </summary>
public sealed class SigningKeyProvider(IOptions<LinksOptions> options, StorageAccount storage)
{
    private const string Partition = "secret";
    private const string Row = "links-signing-key";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    public async ValueTask<byte[]> GetAsync(CancellationToken cancellationToken)
    {
        if (_key is not null)
        {
            return _key;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            _key ??= string.IsNullOrEmpty(options.Value.SigningKey)
                ? await LoadOrCreateAsync(cancellationToken)
                : Convert.FromBase64String(options.Value.SigningKey);
            return _key;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<byte[]> LoadOrCreateAsync(CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.SecretsTable);
        var candidate = RandomNumberGenerator.GetBytes(32);
        try
        {
            await table.AddEntityAsync(new TableEntity(Partition, Row) { ["Key"] = Convert.ToBase64String(candidate) }, cancellationToken);
            return candidate;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await table.GetEntityAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
            return Convert.FromBase64String(existing.Value.GetString("Key")!);
        }
    }
}
