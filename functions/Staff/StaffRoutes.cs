using BkOutreach.Core.Access;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>
/// A school's staff: <c>PUT</c>/<c>DELETE /api/admin/schools/{schoolId}/staff/{email}</c> with
/// <c>{ "role": "school_admin" | "counselor", "counselorId" }</c>, and <c>GET …/staff</c>. School admins
/// manage their own school; 400 names every problem, 404 an unknown school or person.
/// </summary>
public sealed class StaffRoutes(StaffAdmin admin)
{
    [Function(nameof(PutStaff))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> PutStaff(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/schools/{schoolId}/staff/{email}")] HttpRequest request,
        string schoolId,
        string email,
        CancellationToken cancellationToken)
    {
        var (body, error) = await HttpJson.ReadAsync<StaffAssignment>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (StaffRoles.FromWire(body!.Role) != StaffRole.SchoolAdmin && TakesOwnAdminAway(request, schoolId, email) is { } refused)
        {
            return refused;
        }

        return HttpJson.From(await admin.PutStaffAsync(schoolId, email, body!, cancellationToken), m => new OkObjectResult(Json(m)), "unknown_school");
    }

    [Function(nameof(DeleteStaff))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> DeleteStaff(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/schools/{schoolId}/staff/{email}")] HttpRequest request,
        string schoolId,
        string email,
        CancellationToken cancellationToken) =>
        TakesOwnAdminAway(request, schoolId, email)
        ?? HttpJson.From(await admin.DeleteStaffAsync(schoolId, email, cancellationToken), _ => new NoContentResult(), "unknown_staff");

    [Function(nameof(ListStaff))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> ListStaff(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/staff")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        HttpJson.From(await admin.ListStaffAsync(schoolId, cancellationToken), list => new OkObjectResult(list.Select(Json)), "unknown_school");

    /// <summary>
    /// A school admin may not remove or demote themselves (the staff page does not offer it either): the school
    /// could be left without anyone to manage it. Another admin, or a platform admin, can.
    /// </summary>
    private static IActionResult? TakesOwnAdminAway(HttpRequest request, string schoolId, string email) =>
        AccessGate.CallerOf(request) is { IsPlatformAdmin: false, Email: { } own } caller
        && caller.GrantIn(schoolId) is { Role: StaffRole.SchoolAdmin }
        && string.Equals(StaffEmail.Normalize(email), own, StringComparison.OrdinalIgnoreCase)
            ? new ObjectResult(new { error = "own_access", problems = new[] { "A school admin cannot remove or demote themselves; ask another school admin or a platform admin." } }) { StatusCode = StatusCodes.Status403Forbidden }
            : null;

    private static object Json(StaffMember m) => new { email = m.Email, role = StaffRoles.ToWire(m.Role), counselorId = m.CounselorId };
}
