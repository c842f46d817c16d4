using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// <c>GET /api/admin/schools/{schoolId}/campaigns</c>: every campaign of the school (plan-made or not) with
/// each wave's date, state (<c>pending</c> | <c>dispatched</c> | <c>skipped</c>), messages sent and late mark.
/// </summary>
public sealed class ListCampaigns(CampaignDispatcher dispatcher)
{
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    [Function(nameof(ListCampaigns))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/campaigns")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        HttpJson.From(await dispatcher.ListCampaignsAsync(schoolId, cancellationToken), list => new OkObjectResult(list), "unknown_school");
}
