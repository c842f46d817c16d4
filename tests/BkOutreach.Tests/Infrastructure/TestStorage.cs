using BkOutreach.Core.Storage;
using Microsoft.Extensions.Options;

namespace BkOutreach.Tests.Infrastructure;

/// <summary>A StorageAccount on the test Azurite with every table and queue created.</summary>
public static class TestStorage
{
    public static async Task<StorageAccount> CreateAsync()
    {
        var account = new StorageAccount(Options.Create(new StorageOptions { ConnectionString = await TestAzurite.ConnectionStringAsync() }), []);
        await account.EnsureCreatedAsync(CancellationToken.None);
        return account;
    }
}
