using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Scheduling;

/// <summary>
/// <c>GET /api/admin/schools/{schoolId}</c>: the school settings as <c>PUT</c> stored them,
/// <c>{ "id", "school", "version" }</c> (the version is what the staff settings form guards its save with); 404 unknown.
/// </summary>
public sealed class GetSchool(SchoolDirectory directory)
{
    [Function(nameof(GetSchool))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) is { } stored
            ? new OkObjectResult(new { id = schoolId, school = stored.School, version = stored.Version })
            : new NotFoundObjectResult(new { error = "unknown_school" });
}
