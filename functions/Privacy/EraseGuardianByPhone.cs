using BkOutreach.Core.Access;
using BkOutreach.Core.Privacy;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Privacy;

/// <summary>
/// <c>DELETE /api/admin/schools/{schoolId}/guardians?phone=…</c>: the same erasure for a parent who asks by
/// phone; the number is read as the roster import reads it (<c>0812…</c>, <c>62812…</c>, <c>%2B62812…</c>).
/// 204 when erased, 404 when the school has no guardian with that number, 400 when it is not a mobile number.
/// </summary>
public sealed class EraseGuardianByPhone(GuardianErasure erasure)
{
    [Function(nameof(EraseGuardianByPhone))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/schools/{schoolId}/guardians")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        HttpJson.From(await erasure.EraseByPhoneAsync(schoolId, request.Query["phone"].FirstOrDefault(), cancellationToken), _ => new NoContentResult(), "unknown_guardian");
}
