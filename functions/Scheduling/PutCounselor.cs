using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Scheduling;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Scheduling;

/// <summary>
/// <c>PUT /api/admin/schools/{schoolId}/counselors/{counselorId}</c>: counsellor settings; omitted windows mean
/// the default policy. With <c>If-Match</c> (the <c>ETag</c> of the GET) the write happens only if nobody saved
/// in between: 409 <c>changed_meanwhile</c> otherwise.
/// </summary>
public sealed class PutCounselor(SchoolAdmin admin)
{
    [Function(nameof(PutCounselor))]
    [Access(AccessScope.School, StaffRole.Counselor)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/schools/{schoolId}/counselors/{counselorId}")] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken)
    {
        var (counselor, error) = await HttpJson.ReadAsync<CounselorSettings>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var ifMatch = request.Headers.IfMatch.ToString().Trim().Trim('"');
        var result = await admin.PutCounselorAsync(schoolId, counselorId, counselor!, cancellationToken, ifMatch.Length == 0 || ifMatch == "*" ? null : ifMatch);
        if (result.Succeeded)
        {
            request.HttpContext.Response.Headers.ETag = $"\"{result.Value!.Version}\"";
        }

        return HttpJson.From(result, v => new OkObjectResult(v), "unknown_school");
    }
}
