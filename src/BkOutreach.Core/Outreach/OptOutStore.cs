using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Numbers that replied BERHENTI/STOP. Kept per phone number for the whole deployment: the reply reaches
/// the sender number, not a school, so it stops every school's messages from this deployment.
/// </summary>
public sealed class OptOutStore(StorageAccount storage, TimeProvider time)
{
    private const string Partition = "phone";

    private TableClient Table => storage.Table(StorageNames.OptOutsTable);

    /// <summary>Opts a number out; returns false when it already was.</summary>
    public async Task<bool> OptOutAsync(string phone, CancellationToken cancellationToken)
    {
        var wasOut = await IsOptedOutAsync(phone, cancellationToken);
        await Table.UpsertEntityAsync(new TableEntity(Partition, phone) { ["OptedOut"] = true, ["At"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
        return !wasOut;
    }

    /// <summary>Opts a number back in; returns false when it was not opted out.</summary>
    public async Task<bool> OptInAsync(string phone, CancellationToken cancellationToken)
    {
        var wasOut = await IsOptedOutAsync(phone, cancellationToken);
        await Table.UpsertEntityAsync(new TableEntity(Partition, phone) { ["OptedOut"] = false, ["At"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
        return wasOut;
    }

    /// <summary>
    /// Deletes the number's row when it says "opted back in": such a row blocks nothing and only keeps the
    /// number. A number that is opted out keeps its row (erasing a guardian must not undo their STOP).
    /// </summary>
    /// <returns>True when a row was deleted.</returns>
    public async Task<bool> ForgetOptInAsync(string phone, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, phone, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetBoolean("OptedOut") != false)
        {
            return false;
        }

        try
        {
            await Table.DeleteEntityAsync(row.Value, row.Value.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Changed meanwhile (an opt-out arrived): the new row stands.
            return false;
        }
    }

    public async Task<bool> IsOptedOutAsync(string phone, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, phone, cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetBoolean("OptedOut") == true;
    }

    /// <summary>Which of these numbers are opted out, in one query (a send batch asks once).</summary>
    public async Task<HashSet<string>> OptedOutAmongAsync(IReadOnlyCollection<string> phones, CancellationToken cancellationToken)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (phones.Count == 0)
        {
            return result;
        }

        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition && e.GetBoolean("OptedOut") == true, cancellationToken: cancellationToken))
        {
            if (phones.Contains(row.RowKey))
            {
                result.Add(row.RowKey);
            }
        }

        return result;
    }
}
