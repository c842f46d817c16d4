using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Campaigns per school (partition = school, row = campaign id). An id names a campaign only together with
/// its school: plan-made ids (<c>{planId}-{term}</c>) are the same in every school that uses the plan, so
/// every read takes the school too (<see cref="FindAsync"/> for a route that carries only the id). <see cref="GetRecentAsync"/> serves a parent's link from <see cref="RecentReads"/>; creating or replacing a
/// campaign here forgets it there. A plan-made campaign's row also holds its plan id, plan version, late and
/// skipped waves (columns beside the JSON definition, so a plan can never be set through the campaign route).
/// </summary>
public sealed class CampaignStore(StorageAccount storage, TimeProvider? time = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private readonly RecentReads _recent = new(time ?? TimeProvider.System);

    private readonly CampaignDueIndex _due = new(storage);

    private TableClient Table => storage.Table(StorageNames.CampaignsTable);

    public async Task<Campaign> CreateAsync(string schoolId, CampaignDefinition definition, CancellationToken cancellationToken)
    {
        var campaign = new Campaign("c" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), schoolId, definition);
        // Insert-only: a fresh id never replaces a row (a collision of the 48 random bits is a 409, not a lost campaign).
        await Table.AddEntityAsync(new TableEntity(schoolId, campaign.Id) { ["Json"] = JsonSerializer.Serialize(definition, Json) }, cancellationToken);

        // A new id cannot be remembered yet (a missing campaign is never kept); forgotten anyway so no path can serve an old copy.
        _recent.Forget(RecentKey(schoolId, campaign.Id));
        await MarkDueAsync(schoolId, cancellationToken);
        return campaign;
    }

    /// <summary>
    /// Inserts a plan-made campaign under its deterministic id, never replacing one: false when the row exists
    /// already (another dispatcher or a retry made it first; a 409 is the expected, harmless outcome).
    /// </summary>
    public async Task<bool> TryAddAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(ToEntity(campaign), cancellationToken);
            await MarkDueAsync(campaign.SchoolId, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
        finally
        {
            _recent.Forget(RecentKey(campaign.SchoolId, campaign.Id));
        }
    }

    /// <summary>Replaces a campaign read earlier, only if nobody changed it since (its ETag); false on a 412 or when it is gone.</summary>
    public async Task<bool> TryReplaceAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        try
        {
            await Table.UpdateEntityAsync(ToEntity(campaign), campaign.ETag, TableUpdateMode.Replace, cancellationToken);
            await MarkDueAsync(campaign.SchoolId, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return false;
        }
        finally
        {
            _recent.Forget(RecentKey(campaign.SchoolId, campaign.Id));
        }
    }

    public async Task<Campaign?> GetAsync(string schoolId, string campaignId, CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(schoolId, campaignId, cancellationToken: cancellationToken);
        return row.HasValue ? Read(row.Value!) : null;
    }

    /// <summary>The campaign as read within <see cref="RecentReads.For"/>: for a parent's link and what follows a booking, not for admin work.</summary>
    public Task<Campaign?> GetRecentAsync(string schoolId, string campaignId, CancellationToken cancellationToken) =>
        _recent.GetAsync(RecentKey(schoolId, campaignId), ct => GetAsync(schoolId, campaignId, ct), cancellationToken);

    public async Task<IReadOnlyList<Campaign>> ListAsync(string schoolId, CancellationToken cancellationToken)
    {
        var list = new List<Campaign>();
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == schoolId, cancellationToken: cancellationToken))
        {
            list.Add(Read(row));
        }

        return list;
    }

    /// <summary>
    /// The campaigns with this id among <paramref name="schoolIds"/> (one point read per school), in the
    /// order of the schools given: none, one, or more than one when several schools use the same plan.
    /// </summary>
    public async Task<IReadOnlyList<Campaign>> FindAsync(string campaignId, IEnumerable<string> schoolIds, CancellationToken cancellationToken)
    {
        var found = new List<Campaign>();
        foreach (var schoolId in schoolIds.Distinct(StringComparer.Ordinal))
        {
            if (await GetAsync(schoolId, campaignId, cancellationToken) is { } campaign)
            {
                found.Add(campaign);
            }
        }

        return found;
    }

    /// <summary>A campaign made or changed: the dispatcher looks at its school at the next tick (<see cref="CampaignDueIndex"/>).</summary>
    private Task MarkDueAsync(string schoolId, CancellationToken cancellationToken) =>
        _due.MarkAsync(schoolId, NodaTime.Instant.FromDateTimeOffset(_time.GetUtcNow()), cancellationToken);

    private static TableEntity ToEntity(Campaign c) => new(c.SchoolId, c.Id)
    {
        ["Json"] = JsonSerializer.Serialize(c.Definition, Json),
        ["PlanId"] = c.PlanId,
        ["PlanVersion"] = c.PlanVersion,
        ["LateWaves"] = string.Join(',', c.LateWaves.Select(w => w.ToString(CultureInfo.InvariantCulture))),
        ["SkippedWaves"] = string.Join(',', c.SkippedWaves.Select(w => w.ToString(CultureInfo.InvariantCulture))),
    };

    private static Campaign Read(TableEntity row) =>
        new(row.RowKey, row.PartitionKey, JsonSerializer.Deserialize<CampaignDefinition>(row.GetString("Json")!, Json)!)
        {
            PlanId = row.GetString("PlanId") is { Length: > 0 } plan ? plan : null,
            PlanVersion = row.GetString("PlanVersion"),
            LateWaves = Waves(row.GetString("LateWaves")),
            SkippedWaves = Waves(row.GetString("SkippedWaves")),
            ETag = row.ETag,
        };

    private static int[] Waves(string? list) =>
        string.IsNullOrEmpty(list) ? [] : [.. list.Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture))];

    private static string RecentKey(string schoolId, string campaignId) => $"{schoolId}|{campaignId}";
}
