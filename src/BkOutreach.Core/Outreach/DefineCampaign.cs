using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Outreach;

/// <summary>Stores a term campaign after checking it against its school, counsellors and templates.</summary>
public sealed class DefineCampaign(SchoolDirectory directory, CampaignStore campaigns, ICampaignTemplates templates)
{
    public async Task<Result<Campaign>> ExecuteAsync(string schoolId, CampaignDefinition definition, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<Campaign>.Missing();
        }

        var counselors = (await directory.ListCounselorsAsync(schoolId, cancellationToken)).Select(c => c.Id).ToList();
        var problems = CampaignValidation.Validate(definition, school, counselors, templates.CampaignTemplates);
        if (problems.Count > 0)
        {
            return Result<Campaign>.Invalid(problems);
        }

        return Result<Campaign>.Ok(await campaigns.CreateAsync(schoolId, definition, cancellationToken));
    }
}

/// <summary>The templates a campaign's first wave may use.</summary>
public interface ICampaignTemplates
{
    IReadOnlyCollection<string> CampaignTemplates { get; }
}
