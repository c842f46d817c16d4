using BkOutreach.Core;
using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Privacy;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;
using BkOutreach.Functions.Http;
using BkOutreach.Functions.Outreach;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>
/// The roster upload (<see cref="StaffPaths.Roster"/>): choose a CSV file, see a preview computed by
/// <see cref="ImportRoster.PreviewAsync"/> with nothing written to the roster (new and changed guardians,
/// unchanged count, every rejected row with its number and reason, guardians a full import would remove),
/// then import exactly that file. The file is kept server-side between the two steps (<see cref="RosterUploads"/>):
/// a browser cannot post a chosen file again by itself, and a copy held in the page could differ from what was
/// previewed. It is kept as UTF-8, decoded before the preview as <see cref="RosterEncoding"/> says (the file
/// part's charset if it has one, else UTF-8 or Windows-1252), so preview and import read the same text. The import reads the roster again, so its result page says what it did, and says so when that
/// differs from the preview (someone changed the roster in between).
/// </summary>
public sealed class RosterPages(StaffFrames frames, SchoolAdminViews views, SchoolDirectory directory, ImportRoster importRoster, RosterUploads uploads)
{
    private const string Page = "roster";

    /// <summary>Guardians listed per table of the preview: the page stays small; the counts are always whole.</summary>
    public const int ShownPerList = 50;

    private readonly AdminPageKit _kit = new(frames, views);

    [Function(nameof(ShowRosterPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> ShowRosterPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/roster")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Roster, Page, [], cancellationToken);
        return Upload(frame, schoolId, "merge", [], StatusCodes.Status200OK);
    }

    [Function(nameof(PreviewRosterPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> PreviewRosterPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/roster/preview")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            form = request.ContentLength > RosterCsv.MaxBytes + (64 * 1024) ? FormCollection.Empty : await StaffPageHttp.FormAsync(request, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            form = FormCollection.Empty;
        }

        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Roster, Page, [], cancellationToken);
        var modeText = StaffPageHttp.Field(form, "mode") == "full" ? "full" : "merge";
        var mode = modeText == "full" ? RosterImportMode.Full : RosterImportMode.Merge;
        if (request.ContentLength > RosterCsv.MaxBytes + (64 * 1024))
        {
            return Upload(frame, schoolId, modeText, [new FieldError("roster_file", _kit.Text(Page, frame, "err_too_large"))], StatusCodes.Status413PayloadTooLarge);
        }

        var file = form.Files.GetFile("roster_file");
        if (file is null || file.Length == 0)
        {
            return Upload(frame, schoolId, modeText, [new FieldError("roster_file", _kit.Text(Page, frame, "err_no_file"))], StatusCodes.Status400BadRequest);
        }

        byte[] csv;
        await using (var stream = file.OpenReadStream())
        await using (var limited = await ImportRosterCsv.ReadLimitedAsync(stream, cancellationToken))
        {
            if (limited.Length > RosterCsv.MaxBytes)
            {
                return Upload(frame, schoolId, modeText, [new FieldError("roster_file", _kit.Text(Page, frame, "err_too_large"))], StatusCodes.Status413PayloadTooLarge);
            }

            try
            {
                csv = RosterEncoding.ToUtf8(limited.ToArray(), RosterEncoding.CharsetOf(file.ContentType));
            }
            catch (RosterFormatException ex)
            {
                return Upload(frame, schoolId, modeText, [new FieldError("roster_file", ex.Message)], StatusCodes.Status400BadRequest);
            }
        }

        using var input = new MemoryStream(csv, writable: false);
        var preview = await importRoster.PreviewAsync(schoolId, input, mode, cancellationToken);
        if (preview.NotFound)
        {
            return new NotFoundResult();
        }

        if (!preview.Succeeded)
        {
            return Upload(frame, schoolId, modeText, [new FieldError("roster_file", string.Join(" ", preview.Problems))], StatusCodes.Status400BadRequest);
        }

        var p = preview.Value!;
        var id = await uploads.SaveAsync(schoolId, Owner(request), csv, mode, p.New.Count, p.Changed.Count, cancellationToken);
        return _kit.Render(Page, frame, new()
        {
            ["stage"] = "preview",
            ["full"] = mode == RosterImportMode.Full,
            ["file_name"] = Path.GetFileName(file.FileName),
            ["new_count"] = p.New.Count,
            ["changed_count"] = p.Changed.Count,
            ["unchanged_count"] = p.Unchanged,
            ["rejected_count"] = p.Rejected.Count,
            ["removed_count"] = p.RemovedByFull.Count,
            ["new_rows"] = Rows(p.New),
            ["changed_rows"] = Rows(p.Changed),
            ["removed_rows"] = Rows(p.RemovedByFull),
            ["rejected"] = p.Rejected.Take(ShownPerList * 4).Select(r => r with { Reason = Reason(r, frame.Lang) }).ToList(),
            ["more_rejected"] = Math.Max(0, p.Rejected.Count - (ShownPerList * 4)),
            ["shown"] = ShownPerList,
            ["upload_id"] = id,
            ["minutes"] = (int)RosterUploads.Lifetime.TotalMinutes,
            ["nothing_to_do"] = p.New.Count == 0 && p.Changed.Count == 0 && (mode == RosterImportMode.Merge || p.RemovedByFull.Count == 0),
            ["import_action"] = StaffPaths.Roster(schoolId) + "/import",
            ["roster_path"] = StaffPaths.Roster(schoolId),
        });
    }

    [Function(nameof(ImportRosterPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> ImportRosterPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/roster/import")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var form = await StaffPageHttp.FormAsync(request, cancellationToken);
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Roster, Page, [], cancellationToken);
        var upload = await uploads.GetAsync(schoolId, Owner(request), StaffPageHttp.Field(form, "upload_id"), cancellationToken);
        if (upload is null)
        {
            // Expired, already imported (a reload of the result page), or not this person's: nothing to import.
            return Upload(frame, schoolId, "merge", [new FieldError("roster_file", _kit.Text(Page, frame, "err_upload_gone"))], StatusCodes.Status410Gone);
        }

        Result<RosterImportResult> result;
        try
        {
            using var input = new MemoryStream(upload.Csv, writable: false);
            result = await importRoster.ExecuteAsync(schoolId, input, upload.Mode, cancellationToken);
        }
        catch (RosterBusyException)
        {
            return Upload(frame, schoolId, "merge", [new FieldError("roster_file", _kit.Text(Page, frame, "err_busy"))], StatusCodes.Status409Conflict);
        }

        if (!result.Succeeded)
        {
            return result.NotFound
                ? new NotFoundResult()
                : Upload(frame, schoolId, "merge", [new FieldError("roster_file", string.Join(" ", result.Problems))], StatusCodes.Status400BadRequest);
        }

        await uploads.DeleteAsync(schoolId, upload.Id, cancellationToken);
        var r = result.Value!;
        return _kit.Render(Page, frame, new()
        {
            ["stage"] = "done",
            ["imported"] = r.Imported,
            ["updated"] = r.Updated,
            ["rejected_count"] = r.Rejected.Count,
            ["removed_count"] = r.Removed.Count,
            ["moved_count"] = r.Moved.Count,
            ["differs"] = r.Imported != upload.PreviewNew || r.Updated != upload.PreviewChanged,
            ["preview_new"] = upload.PreviewNew,
            ["preview_changed"] = upload.PreviewChanged,
            ["roster_path"] = StaffPaths.Roster(schoolId),
            ["guardians_path"] = StaffPaths.Guardians(schoolId),
        });
    }

    /// <summary>Whose upload it is: the signed-in person (or key) that previewed it.</summary>
    private static string Owner(HttpRequest request) => AccessGate.CallerOf(request) is { } caller ? $"{caller.Kind}:{caller.Name}" : "";

    private static List<RosterPreviewRow> Rows(IReadOnlyList<Guardian> guardians) =>
        [.. guardians.Take(ShownPerList).Select(g => new RosterPreviewRow(g.Name, Mask.Phone(g.Phone), string.Join(", ", g.Students.Select(s => $"{s.Name} ({s.Class})"))))];

    private StaffPageResult Upload(StaffFrame frame, string schoolId, string mode, IReadOnlyList<FieldError> errors, int status) =>
        _kit.Render(Page, frame.WithErrors(errors), new()
        {
            ["stage"] = "upload",
            ["mode_full"] = mode == "full",
            ["err"] = SchoolSettingsForm.ErrorsByField(["roster_file"], errors),
            ["preview_action"] = StaffPaths.Roster(schoolId) + "/preview",
            ["max_mib"] = RosterCsv.MaxBytes / 1024 / 1024,
            ["header"] = "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id",
        }, status);

    /// <summary>The rejection in the page's language: each problem's <c>reject_{code}</c> text with its values filled in.</summary>
    private string Reason(RosterRejection rejection, string lang) =>
        rejection.Problems.Count == 0
            ? rejection.Reason
            : string.Join("; ", rejection.Problems.Select(problem => problem.Values.Aggregate(
                views.Pages.Text(Page, lang, "reject_" + problem.Code),
                (text, value) => text.Replace("{" + value.Key + "}", value.Value, StringComparison.Ordinal))));
}
