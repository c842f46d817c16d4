using BkOutreach.Core;
using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// <c>POST /api/admin/campaigns/{campaignId}/dispatch</c>: fans out the campaign's due waves (or its first
/// wave) now; messages still wait for the school's sending hours and go at the sender's rate. 202 with
/// what was queued; an empty list means nothing was due (a second dispatch adds nothing). The id is looked
/// for in the caller's schools by the access step (a plan-made id repeats across schools; when it is in more
/// than one of them: 409 <c>ambiguous_campaign</c>, and <see cref="DispatchSchoolCampaignNow"/> names the school).
/// </summary>
public sealed class DispatchCampaignNow(CampaignDispatcher dispatcher)
{
    [Function(nameof(DispatchCampaignNow))]
    [Access(AccessScope.Campaign, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/campaigns/{campaignId}/dispatch")] HttpRequest request,
        string campaignId,
        CancellationToken cancellationToken)
    {
        var result = AccessGate.CampaignSchoolOf(request) is { } schoolId
            ? await dispatcher.DispatchNowAsync(schoolId, campaignId, cancellationToken)
            : Result<IReadOnlyList<WaveDispatch>>.Missing();
        return Answer(result);
    }

    /// <summary>202 with the waves queued, or 404 <c>unknown_campaign</c>: the same answer on both dispatch routes.</summary>
    internal static IActionResult Answer(Result<IReadOnlyList<WaveDispatch>> result) =>
        HttpJson.From(result, waves => new ObjectResult(new { waves }) { StatusCode = StatusCodes.Status202Accepted }, "unknown_campaign");
}
