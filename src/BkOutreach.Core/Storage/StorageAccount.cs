using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Storage;

/// <summary>The table and queue service clients of the account in <c>AzureWebJobsStorage</c>.</summary>
public sealed class StorageAccount
{
    private readonly IReadOnlyList<string> _queues;

    public StorageAccount(IOptions<StorageOptions> options, IEnumerable<StoragePipelinePolicy> policies)
    {
        var o = options.Value;
        var tableOptions = new TableClientOptions();
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        foreach (var policy in policies)
        {
            tableOptions.AddPolicy(policy.Policy, policy.Position);
            queueOptions.AddPolicy(policy.Policy, policy.Position);
        }

        if (o.UsesIdentity)
        {
            TokenCredential credential = string.Equals(o.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
                ? new ManagedIdentityCredential(string.IsNullOrEmpty(o.ClientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(o.ClientId))
                : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = o.ClientId });
            Tables = new TableServiceClient(o.ResolvedTableUri, credential, tableOptions);
            QueueService = new QueueServiceClient(o.ResolvedQueueUri, credential, queueOptions);
        }
        else
        {
            Tables = new TableServiceClient(o.ConnectionString, tableOptions);
            QueueService = new QueueServiceClient(o.ConnectionString, queueOptions);
        }

        _queues = StorageNames.Queues;
    }

    public TableServiceClient Tables { get; }

    public QueueServiceClient QueueService { get; }

    public TableClient Table(string name) => Tables.GetTableClient(name);

    /// <summary>A queue client whose messages are base64, as the Functions queue trigger expects by default.</summary>
    public QueueClient Queue(string name) => QueueService.GetQueueClient(name);

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var table in StorageNames.Tables)
        {
            await Tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        }

        foreach (var queue in _queues)
        {
            await Queue(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await Queue(queue + "-poison").CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
    }
}

/// <summary>An extra Azure.Core pipeline policy for the storage clients (round-trip counting in benchmarks).</summary>
public sealed record StoragePipelinePolicy(HttpPipelinePolicy Policy, HttpPipelinePosition Position);
