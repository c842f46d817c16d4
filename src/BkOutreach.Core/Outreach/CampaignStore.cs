using System.Security.Cryptography;
using System.Text.Json;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Campaigns per school (partition = school), plus an index row per id for routes that carry only the id.
/// <see cref="GetRecentAsync"/> serves a parent's link from <see cref="RecentReads"/>; creating or replacing a
/// campaign here forgets it there.
/// </summary>
public sealed class CampaignStore(StorageAccount storage, TimeProvider? time = null)
{
    private const string IndexPartition = "_campaign";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RecentReads _recent = new(time ?? TimeProvider.System);

    private TableClient Table => storage.Table(StorageNames.CampaignsTable);

    public async Task<Campaign> CreateAsync(string schoolId, CampaignDefinition definition, CancellationToken cancellationToken)
    {
        var campaign = new Campaign("c" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), schoolId, definition);
        await Table.UpsertEntityAsync(new TableEntity(IndexPartition, campaign.Id) { ["SchoolId"] = schoolId }, TableUpdateMode.Replace, cancellationToken);
        await Table.UpsertEntityAsync(new TableEntity(schoolId, campaign.Id) { ["Json"] = JsonSerializer.Serialize(definition, Json) }, TableUpdateMode.Replace, cancellationToken);

        // A new id cannot be remembered yet (a missing campaign is never kept); forgotten anyway so no path can serve an old copy.
        _recent.Forget(RecentKey(schoolId, campaign.Id));
        return campaign;
    }

    /// <summary>Creates or replaces a campaign under a known id (the demo seeds one this way).</summary>
    public async Task<Campaign> PutAsync(string schoolId, string campaignId, CampaignDefinition definition, CancellationToken cancellationToken)
    {
        await Table.UpsertEntityAsync(new TableEntity(IndexPartition, campaignId) { ["SchoolId"] = schoolId }, TableUpdateMode.Replace, cancellationToken);
        try
        {
            await Table.UpsertEntityAsync(new TableEntity(schoolId, campaignId) { ["Json"] = JsonSerializer.Serialize(definition, Json) }, TableUpdateMode.Replace, cancellationToken);
        }
        finally
        {
            _recent.Forget(RecentKey(schoolId, campaignId));
        }

        return new Campaign(campaignId, schoolId, definition);
    }

    public async Task<Campaign?> GetAsync(string campaignId, CancellationToken cancellationToken)
    {
        var index = await Table.GetEntityIfExistsAsync<TableEntity>(IndexPartition, campaignId, cancellationToken: cancellationToken);
        return index.HasValue ? await GetAsync(index.Value!.GetString("SchoolId")!, campaignId, cancellationToken) : null;
    }

    public async Task<Campaign?> GetAsync(string schoolId, string campaignId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(schoolId, campaignId, cancellationToken: cancellationToken);
        return row.HasValue ? new Campaign(campaignId, schoolId, JsonSerializer.Deserialize<CampaignDefinition>(row.Value!.GetString("Json")!, Json)!) : null;
    }

    /// <summary>The campaign as read within <see cref="RecentReads.For"/>: for a parent's link, not for admin work.</summary>
    public Task<Campaign?> GetRecentAsync(string schoolId, string campaignId, CancellationToken cancellationToken) =>
        _recent.GetAsync(RecentKey(schoolId, campaignId), ct => GetAsync(schoolId, campaignId, ct), cancellationToken);

    public async Task<IReadOnlyList<Campaign>> ListAsync(string schoolId, CancellationToken cancellationToken)
    {
        var list = new List<Campaign>();
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == schoolId, cancellationToken: cancellationToken))
        {
            list.Add(new Campaign(row.RowKey, schoolId, JsonSerializer.Deserialize<CampaignDefinition>(row.GetString("Json")!, Json)!));
        }

        return list;
    }

    private static string RecentKey(string schoolId, string campaignId) => $"{schoolId}|{campaignId}";
}
