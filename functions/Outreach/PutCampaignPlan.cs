using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// <c>PUT /api/admin/schools/{schoolId}/campaign-plans/{planId}</c>: creates (201) or replaces (200) a plan;
/// its campaigns whose waves have not gone out follow at once. 400 lists every problem. With <c>If-Match</c>
/// (the plan's <c>version</c> from the list, or the <c>ETag</c> of an earlier PUT) it replaces only a plan
/// nobody saved since: 409 <c>changed_meanwhile</c> otherwise. The answer's <c>ETag</c> is the new version.
/// </summary>
public sealed class PutCampaignPlan(CampaignPlans plans)
{
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    [Function(nameof(PutCampaignPlan))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/schools/{schoolId}/campaign-plans/{planId}")] HttpRequest request,
        string schoolId,
        string planId,
        CancellationToken cancellationToken)
    {
        var (plan, error) = await HttpJson.ReadAsync<CampaignPlanDefinition>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var ifMatch = request.Headers.IfMatch.ToString().Trim();
        var result = await plans.PutAsync(schoolId, planId, plan!, cancellationToken, ifMatch.Length == 0 || ifMatch == "*" ? null : new Azure.ETag(ifMatch));
        if (result.Succeeded && result.Value!.Version is { } version)
        {
            request.HttpContext.Response.Headers.ETag = version;
        }

        return HttpJson.From(result, CampaignPlanResults.Saved, "unknown_school");
    }
}
