using BkOutreach.Core.Access;
using BkOutreach.Core.Scheduling;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Scheduling;

/// <summary><c>POST /api/admin/schools/{schoolId}/counselors/{counselorId}/feed-key</c>: a new private feed key; the old URL gets 404 from now on.</summary>
public sealed class RotateFeedKey(SchoolAdmin admin)
{
    [Function(nameof(RotateFeedKey))]
    [Access(AccessScope.School, StaffRole.Counselor)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/schools/{schoolId}/counselors/{counselorId}/feed-key")] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken) =>
        HttpJson.From(await admin.RotateFeedKeyAsync(schoolId, counselorId, cancellationToken), v => new OkObjectResult(v), "unknown_counselor");
}
