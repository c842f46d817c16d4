using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Outreach;

/// <summary>Stores a term campaign after checking it against its school, counsellors and templates.</summary>
public sealed class DefineCampaign(SchoolDirectory directory, CampaignStore campaigns, ICampaignTemplates templates, TimeProvider time)
{
    /// <summary>Stores the campaign, or lists its problems worded in <paramref name="lang"/> (English for the JSON API, <c>id</c> for the staff pages).</summary>
    public async Task<Result<Campaign>> ExecuteAsync(string schoolId, CampaignDefinition definition, CancellationToken cancellationToken, string lang = "en")
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<Campaign>.Missing();
        }

        var counselors = (await directory.ListCounselorsAsync(schoolId, cancellationToken)).Select(c => c.Id).ToList();
        var today = Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(SendingWindow.ZoneOf(school)).Date;
        var problems = CampaignValidation.Validate(definition, school, counselors, templates.CampaignTemplates, today, lang);
        if (problems.Count > 0)
        {
            return Result<Campaign>.Invalid(problems);
        }

        return Result<Campaign>.Ok(await campaigns.CreateAsync(schoolId, definition, cancellationToken));
    }
}

/// <summary>The templates a campaign may use: the campaign kinds (<see cref="CampaignValidation.CampaignKinds"/>) that have a text.</summary>
public interface ICampaignTemplates
{
    IReadOnlyCollection<string> CampaignTemplates { get; }
}
