using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// <c>DELETE /api/admin/schools/{schoolId}/campaign-plans/{planId}</c>: 204; the plan's campaigns and their
/// evidence stay, their waves not yet out never go. 404 for an unknown school or plan.
/// </summary>
public sealed class DeleteCampaignPlan(CampaignPlans plans)
{
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    [Function(nameof(DeleteCampaignPlan))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/schools/{schoolId}/campaign-plans/{planId}")] HttpRequest request,
        string schoolId,
        string planId,
        CancellationToken cancellationToken) =>
        HttpJson.From(await plans.DeleteAsync(schoolId, planId, cancellationToken), _ => new NoContentResult(), "unknown_plan");
}
