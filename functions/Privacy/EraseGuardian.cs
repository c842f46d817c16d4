using BkOutreach.Core.Access;
using BkOutreach.Core.Privacy;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Privacy;

/// <summary>
/// <c>DELETE /api/admin/schools/{schoolId}/guardians/{guardianId}</c>: erases the guardian's personal data on
/// request (see <see cref="GuardianErasure"/>); 204 when erased, 404 when there is no such guardian (also
/// the answer to a second call, which changes nothing).
/// </summary>
public sealed class EraseGuardian(GuardianErasure erasure)
{
    [Function(nameof(EraseGuardian))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/schools/{schoolId}/guardians/{guardianId}")] HttpRequest request,
        string schoolId,
        string guardianId,
        CancellationToken cancellationToken) =>
        HttpJson.From(await erasure.EraseAsync(schoolId, guardianId, cancellationToken), _ => new NoContentResult(), "unknown_guardian");
}
