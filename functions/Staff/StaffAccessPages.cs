using BkOutreach.Core.Access;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>
/// The school admin's staff page (<see cref="StaffPaths.Staff"/>): who has access (add by email with a role,
/// remove) and the school's counsellors (add one with the default policy). The same use cases as the JSON
/// routes (<see cref="StaffAdmin"/>, <see cref="SchoolAdmin"/>, their problems worded in the page's language); an
/// admin cannot take away their own admin access.
/// </summary>
public sealed class StaffAccessPages(StaffFrames frames, SchoolAdminViews views, SchoolDirectory directory, StaffAdmin staffAdmin, SchoolAdmin schoolAdmin)
{
    private const string Page = "staff";

    private static readonly string[] FieldIds = ["email", "role", "counselor_id", "c_id", "c_name", "c_email", "staff-list"];

    private readonly AdminPageKit _kit = new(frames, views);

    [Function(nameof(ShowSchoolStaffPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> ShowSchoolStaffPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/staff")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Staff, Page, ["added", "removed", "counselor_added"], cancellationToken);
        return await RenderAsync(request, frame, schoolId, FormCollection.Empty, [], StatusCodes.Status200OK, cancellationToken);
    }

    [Function(nameof(SaveSchoolStaffPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> SaveSchoolStaffPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/staff")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var form = await StaffPageHttp.FormAsync(request, cancellationToken);
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return new NotFoundResult();
        }

        var caller = AccessGate.CallerOf(request)!;
        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Staff, Page, [], cancellationToken);
        string F(string name) => StaffPageHttp.Field(form, name);
        string Label(string field) => _kit.Text(Page, frame, "label_" + field);
        switch (F("action"))
        {
            case "add":
            {
                var role = F("role");
                if (StaffForm.IsOwnAdminAccess(caller, schoolId, F("email"), role))
                {
                    return await RenderAsync(request, frame, schoolId, form, [new FieldError("role", _kit.Text(Page, frame, "own_access"))], StatusCodes.Status422UnprocessableEntity, cancellationToken);
                }

                var result = await staffAdmin.PutStaffAsync(schoolId, StaffEmail.Normalize(F("email")), new StaffAssignment(role.Length == 0 ? null : role, role == StaffRoles.CounselorWire && F("counselor_id").Length > 0 ? F("counselor_id") : null), cancellationToken, frame.Lang);
                return result.Succeeded
                    ? StaffPageHttp.SeeOther(StaffPaths.Staff(schoolId), "added")
                    : await RenderAsync(request, frame, schoolId, form, SchoolSettingsForm.FieldErrors(result.Problems, StaffForm.PersonFields, "email", Label), StatusCodes.Status400BadRequest, cancellationToken);
            }

            case "remove":
            {
                if (StaffForm.IsOwnAdminAccess(caller, schoolId, F("email"), null))
                {
                    return await RenderAsync(request, frame, schoolId, FormCollection.Empty, [new FieldError("staff-list", _kit.Text(Page, frame, "own_access"))], StatusCodes.Status422UnprocessableEntity, cancellationToken);
                }

                var result = await staffAdmin.DeleteStaffAsync(schoolId, F("email"), cancellationToken);
                return result.Succeeded
                    ? StaffPageHttp.SeeOther(StaffPaths.Staff(schoolId), "removed")
                    : await RenderAsync(request, frame, schoolId, FormCollection.Empty, [new FieldError("staff-list", _kit.Text(Page, frame, "already_removed"))], StatusCodes.Status409Conflict, cancellationToken);
            }

            case "add_counselor":
            {
                var id = F("c_id");
                if (id.Length > 0 && await directory.GetCounselorAsync(schoolId, id, cancellationToken) is not null)
                {
                    return await RenderAsync(request, frame, schoolId, form, [new FieldError("c_id", _kit.Text(Page, frame, "id_taken"))], StatusCodes.Status409Conflict, cancellationToken);
                }

                var email = F("c_email");
                var result = await schoolAdmin.PutCounselorAsync(schoolId, id, new CounselorSettings { Name = F("c_name"), Email = email.Length == 0 ? null : email }, cancellationToken, lang: frame.Lang);
                if (!result.Succeeded)
                {
                    return await RenderAsync(request, frame, schoolId, form, SchoolSettingsForm.FieldErrors(result.Problems, StaffForm.CounselorFields, "c_id", Label), StatusCodes.Status400BadRequest, cancellationToken);
                }

                if (email.Length > 0 && F("c_grant") == "yes")
                {
                    var granted = await staffAdmin.PutStaffAsync(schoolId, StaffEmail.Normalize(email), new StaffAssignment(StaffRoles.CounselorWire, id), cancellationToken, frame.Lang);
                    if (!granted.Succeeded)
                    {
                        return await RenderAsync(request, frame, schoolId, form, SchoolSettingsForm.FieldErrors(granted.Problems, new Dictionary<string, string> { ["email"] = "c_email" }, "c_email", Label), StatusCodes.Status400BadRequest, cancellationToken);
                    }
                }

                return StaffPageHttp.SeeOther(StaffPaths.Staff(schoolId), "counselor_added");
            }

            default:
                return await RenderAsync(request, frame, schoolId, form, [new FieldError("email", _kit.Text(Page, frame, "unknown_action"))], StatusCodes.Status400BadRequest, cancellationToken);
        }
    }

    private async Task<IActionResult> RenderAsync(HttpRequest request, StaffFrame frame, string schoolId, IFormCollection form, IReadOnlyList<FieldError> errors, int status, CancellationToken cancellationToken)
    {
        var caller = AccessGate.CallerOf(request)!;
        var counselors = await directory.ListCounselorsAsync(schoolId, cancellationToken);
        var names = counselors.ToDictionary(c => c.Id, c => c.Counselor.Name, StringComparer.Ordinal);
        var staff = (await staffAdmin.ListStaffAsync(schoolId, cancellationToken)).Value ?? [];
        string F(string name) => StaffPageHttp.Field(form, name);
        var role = F("role");
        var chosenCounselor = F("counselor_id");
        return _kit.Render(Page, frame.WithErrors(errors), new()
        {
            ["staff"] = staff
                .OrderBy(s => s.Role)
                .ThenBy(s => s.Email, StringComparer.Ordinal)
                .Select(s => new StaffRow(
                    s.Email,
                    StaffRoles.ToWire(s.Role),
                    _kit.Text(Page, frame, "role_" + StaffRoles.ToWire(s.Role)),
                    s.CounselorId ?? "",
                    s.CounselorId is { } id && names.TryGetValue(id, out var n) ? n : "",
                    caller.Email == s.Email))
                .ToList(),
            ["counselors"] = counselors.Select(c => new CounselorRow(c.Id, c.Counselor.Name, c.Counselor.Email ?? "", c.Counselor.Windows.Count == 0)).ToList(),
            ["counselor_options"] = counselors.Select(c => new StaffOption(c.Id, $"{c.Counselor.Name} ({c.Id})", c.Id == chosenCounselor)).ToList(),
            ["typed"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["email"] = F("email"),
                ["role_admin"] = role == StaffRoles.SchoolAdminWire,
                ["role_counselor"] = role == StaffRoles.CounselorWire,
                ["c_id"] = F("c_id"),
                ["c_name"] = F("c_name"),
                ["c_email"] = F("c_email"),
                ["c_grant"] = form.Count == 0 || F("c_grant") == "yes",
            },
            ["err"] = SchoolSettingsForm.ErrorsByField(FieldIds, errors),
            ["action"] = StaffPaths.Staff(schoolId),
        }, status);
    }
}
