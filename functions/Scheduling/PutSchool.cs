using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Scheduling;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Scheduling;

/// <summary><c>PUT /api/admin/schools/{schoolId}</c>: school settings; 400 lists every problem.</summary>
public sealed class PutSchool(SchoolAdmin admin)
{
    [Function(nameof(PutSchool))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/schools/{schoolId}")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var (school, error) = await HttpJson.ReadAsync<SchoolSettings>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var result = await admin.PutSchoolAsync(schoolId, school!, cancellationToken);
        return HttpJson.From(result, s => new OkObjectResult(new { id = schoolId, school = s }));
    }
}
