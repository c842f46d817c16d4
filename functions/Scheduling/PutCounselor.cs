using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Scheduling;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Scheduling;

/// <summary><c>PUT /api/admin/schools/{schoolId}/counselors/{counselorId}</c>: counsellor settings; omitted windows mean the default policy.</summary>
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

        var result = await admin.PutCounselorAsync(schoolId, counselorId, counselor!, cancellationToken);
        return HttpJson.From(result, v => new OkObjectResult(v), "unknown_school");
    }
}
