using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// <c>POST /api/admin/schools/{schoolId}/campaign-plans/recommended</c> (no body): the recommended plan
/// "Kenali guru BK" as plan <c>kenali-guru-bk</c> in one step; 201 when made, 200 with the school's own plan
/// when it has one under that id already (kept as it is).
/// </summary>
public sealed class AddRecommendedCampaignPlan(CampaignPlans plans)
{
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    [Function(nameof(AddRecommendedCampaignPlan))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/schools/{schoolId}/campaign-plans/recommended")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        HttpJson.From(await plans.AddRecommendedAsync(schoolId, cancellationToken), CampaignPlanResults.Saved, "unknown_school");
}
