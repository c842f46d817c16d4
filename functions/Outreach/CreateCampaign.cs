using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary><c>POST /api/admin/schools/{schoolId}/campaigns</c> → 201 <c>{ "id" }</c>; 400 lists every problem.</summary>
public sealed class CreateCampaign(DefineCampaign defineCampaign)
{
    [Function(nameof(CreateCampaign))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/schools/{schoolId}/campaigns")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var (definition, error) = await HttpJson.ReadAsync<CampaignDefinition>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var result = await defineCampaign.ExecuteAsync(schoolId, definition!, cancellationToken);
        return HttpJson.From(result, c => new ObjectResult(new { id = c.Id }) { StatusCode = StatusCodes.Status201Created }, "unknown_school");
    }
}
