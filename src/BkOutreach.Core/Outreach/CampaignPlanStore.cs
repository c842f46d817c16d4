using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Campaign plans in the <c>campaignplans</c> table: partition = school, row = plan id, the plan as its JSON
/// document (as accepted). A PUT replaces the whole plan, so the row is replaced, not merged. Every change
/// marks the school due in <see cref="CampaignDueIndex"/> (a plan decides when its campaigns are made).
/// </summary>
public sealed class CampaignPlanStore(StorageAccount storage, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly CampaignDueIndex _due = new(storage);

    private TableClient Table => storage.Table(StorageNames.CampaignPlansTable);

    /// <summary>Stores the plan (a whole-document PUT: the row is replaced); whether it is new, and its version.</summary>
    public async Task<(bool Created, ETag Version)> PutAsync(CampaignPlan plan, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(plan.SchoolId, plan.Id) { ["Json"] = JsonSerializer.Serialize(plan.Definition, Json) };
        try
        {
            var added = await Table.AddEntityAsync(entity, cancellationToken);
            await MarkDueAsync(plan.SchoolId, cancellationToken);
            return (true, added.Headers.ETag ?? default);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var replaced = await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
            await MarkDueAsync(plan.SchoolId, cancellationToken);
            return (false, replaced.Headers.ETag ?? default);
        }
    }

    /// <summary>
    /// Replaces the plan only if it is still as read (<paramref name="ifMatch"/>, its ETag): its new version, or
    /// null when another edit came first or the plan was deleted meanwhile, and nothing is written.
    /// </summary>
    public async Task<ETag?> TryReplaceAsync(CampaignPlan plan, ETag ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            var replaced = await Table.UpdateEntityAsync(new TableEntity(plan.SchoolId, plan.Id) { ["Json"] = JsonSerializer.Serialize(plan.Definition, Json) }, ifMatch, TableUpdateMode.Replace, cancellationToken);
            await MarkDueAsync(plan.SchoolId, cancellationToken);
            return replaced.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>Stores the plan only when the school has none under this id: its version, or null when one exists (it is kept).</summary>
    public async Task<ETag?> TryAddAsync(CampaignPlan plan, CancellationToken cancellationToken)
    {
        try
        {
            var added = await Table.AddEntityAsync(new TableEntity(plan.SchoolId, plan.Id) { ["Json"] = JsonSerializer.Serialize(plan.Definition, Json) }, cancellationToken);
            await MarkDueAsync(plan.SchoolId, cancellationToken);
            return added.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    public async Task<CampaignPlan?> GetAsync(string schoolId, string planId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(schoolId, planId, cancellationToken: cancellationToken);
        return row.HasValue ? Read(row.Value!) : null;
    }

    public async Task<IReadOnlyList<CampaignPlan>> ListAsync(string schoolId, CancellationToken cancellationToken)
    {
        var list = new List<CampaignPlan>();
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == schoolId, cancellationToken: cancellationToken))
        {
            list.Add(Read(row));
        }

        return list;
    }

    /// <summary>Removes the plan; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string schoolId, string planId, CancellationToken cancellationToken)
    {
        try
        {
            // The client answers a missing row with its 404 response rather than an exception.
            var response = await Table.DeleteEntityAsync(schoolId, planId, ETag.All, cancellationToken);
            if (response.Status == 404)
            {
                return false;
            }

            await MarkDueAsync(schoolId, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    private Task MarkDueAsync(string schoolId, CancellationToken cancellationToken) =>
        _due.MarkAsync(schoolId, NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow()), cancellationToken);

    private static CampaignPlan Read(TableEntity row) =>
        new(row.RowKey, row.PartitionKey, JsonSerializer.Deserialize<CampaignPlanDefinition>(row.GetString("Json")!, Json)!) { ETag = row.ETag };
}
