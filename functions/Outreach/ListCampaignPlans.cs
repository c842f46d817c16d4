using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary><c>GET /api/admin/schools/{schoolId}/campaign-plans</c>: the school's plans, each with the campaigns it made.</summary>
public sealed class ListCampaignPlans(CampaignPlans plans)
{
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    [Function(nameof(ListCampaignPlans))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/campaign-plans")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        HttpJson.From(await plans.ListAsync(schoolId, cancellationToken), list => new OkObjectResult(list.Select(CampaignPlanResults.Body)), "unknown_school");
}
