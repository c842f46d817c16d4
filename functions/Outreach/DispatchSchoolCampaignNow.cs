using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// <c>POST /api/admin/schools/{schoolId}/campaigns/{campaignId}/dispatch</c>: "dispatch now" of one school's
/// campaign, as <see cref="DispatchCampaignNow"/> but with the school named, so a plan-made id that several
/// schools share reaches the right one (and a platform admin never gets <c>ambiguous_campaign</c>).
/// </summary>
public sealed class DispatchSchoolCampaignNow(CampaignDispatcher dispatcher)
{
    [Function(nameof(DispatchSchoolCampaignNow))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/schools/{schoolId}/campaigns/{campaignId}/dispatch")] HttpRequest request,
        string schoolId,
        string campaignId,
        CancellationToken cancellationToken) =>
        DispatchCampaignNow.Answer(await dispatcher.DispatchNowAsync(schoolId, campaignId, cancellationToken));
}
