using BkOutreach.Core.Access;
using BkOutreach.Core.Privacy;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>
/// The school admin's guardians list (<see cref="StaffPaths.Guardians"/>): searched by class or student name
/// and paged on the server (<see cref="GuardianList"/>), numbers masked, opt-out and channel shown; and erasure
/// on request (a confirmation page, then <see cref="GuardianErasure"/> on a POST with the form token).
/// </summary>
public sealed class GuardiansPages(StaffFrames frames, SchoolAdminViews views, SchoolDirectory directory, GuardianList list, GuardianErasure erasure)
{
    private const string Page = "guardians";
    private const string ErasePage = "guardian_erase";

    private readonly AdminPageKit _kit = new(frames, views);

    [Function(nameof(ShowGuardiansPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> ShowGuardiansPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/guardians")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Guardians, Page, ["erased"], cancellationToken);
        var query = request.Query["q"].ToString();
        var page = int.TryParse(request.Query["page"].ToString(), out var p) ? p : 1;
        var found = await list.SearchAsync(schoolId, query, page, cancellationToken);
        var path = StaffPaths.Guardians(schoolId);
        string PageLink(int n) => $"{path}?{(found.Query.Length > 0 ? "q=" + Uri.EscapeDataString(found.Query) + "&" : "")}page={n}";
        return _kit.Render(Page, frame, new()
        {
            ["found"] = found,
            ["action"] = path,
            ["erase_base"] = path + "/",
            ["previous"] = found.Page > 1 ? PageLink(found.Page - 1) : "",
            ["next"] = found.Page < found.Pages ? PageLink(found.Page + 1) : "",
        });
    }

    [Function(nameof(ConfirmGuardianErasurePage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> ConfirmGuardianErasurePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/guardians/{guardianId}/erase")] HttpRequest request,
        string schoolId,
        string guardianId,
        CancellationToken cancellationToken)
    {
        if (await directory.GetGuardianAsync(schoolId, guardianId, cancellationToken) is not { } guardian)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Guardians, ErasePage, [], cancellationToken);
        return _kit.Render(ErasePage, frame, new()
        {
            ["name"] = guardian.Name,
            ["phone"] = Mask.Phone(guardian.Phone),
            ["students"] = guardian.Students,
            ["action"] = $"{StaffPaths.Guardians(schoolId)}/{Uri.EscapeDataString(guardianId)}/erase",
            ["back"] = StaffPaths.Guardians(schoolId),
        });
    }

    [Function(nameof(EraseGuardianPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> EraseGuardianPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/guardians/{guardianId}/erase")] HttpRequest request,
        string schoolId,
        string guardianId,
        CancellationToken cancellationToken)
    {
        var result = await erasure.EraseAsync(schoolId, guardianId, cancellationToken);
        return result.NotFound ? new NotFoundResult() : StaffPageHttp.SeeOther(StaffPaths.Guardians(schoolId), "erased");
    }
}
