using BkOutreach.Core.Access;
using BkOutreach.Core.Scheduling;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Scheduling;

/// <summary><c>GET /api/admin/schools/{schoolId}/counselors/{counselorId}</c>: the counsellor with its private <c>feedUrl</c>; the <c>ETag</c> is the settings' version for <c>If-Match</c>.</summary>
public sealed class GetCounselor(SchoolAdmin admin)
{
    [Function(nameof(GetCounselor))]
    [Access(AccessScope.School, StaffRole.Counselor)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/counselors/{counselorId}")] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken)
    {
        var result = await admin.GetCounselorAsync(schoolId, counselorId, cancellationToken);
        if (result.Succeeded)
        {
            request.HttpContext.Response.Headers.ETag = $"\"{result.Value!.Version}\"";
        }

        return HttpJson.From(result, v => new OkObjectResult(v), "unknown_counselor");
    }
}
