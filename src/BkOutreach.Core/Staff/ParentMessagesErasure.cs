using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Staff;

/// <summary>The part of a guardian's erasure that concerns <see cref="ParentMessages"/>: their threads (texts included) in every counsellor's inbox of the school, and their waiting answers.</summary>
public sealed class ParentMessagesErasure(SchoolDirectory directory, StorageAccount storage)
{
    public async Task<int> EraseAsync(string schoolId, string guardianId, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.ParentMessagesTable);
        var rows = new List<(string Partition, string RowKey)>();
        foreach (var counselor in await directory.ListCounselorsAsync(schoolId, cancellationToken))
        {
            var partition = ParentMessages.Partition(schoolId, counselor.Id);
            var (thread, messages) = await ParentMessages.ReadThreadAsync(table, partition, guardianId, cancellationToken);
            rows.AddRange(messages.Append(thread).OfType<TableEntity>().Select(r => (partition, r.RowKey)));
        }

        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {ParentMessages.DuePartition} and SchoolId eq {schoolId} and GuardianId eq {guardianId}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add((row.PartitionKey, row.RowKey));
        }

        var deleted = 0;
        foreach (var (partition, rowKey) in rows)
        {
            try
            {
                await table.DeleteEntityAsync(partition, rowKey, ETag.All, cancellationToken);
                deleted++;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Gone already (an erasure called again).
            }
        }

        return deleted;
    }
}
