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
/// The school admin's settings pages (<see cref="StaffPaths.Settings"/>): the school's name, zone,
/// coordinates, language and sending window, with the terms and the blackouts on their own sub-pages. Every
/// save writes the document of <c>PUT /api/admin/schools/{id}</c> through <see cref="SchoolAdmin"/> (the same
/// checks, their problems worded in the page's language), guarded by the version the form was made from: a form
/// older than the last save gets 409 with what the person typed and the stored values beside it, and nothing is
/// overwritten.
/// </summary>
public sealed class SchoolAdminPages(StaffFrames frames, SchoolAdminViews views, SchoolDirectory directory, SchoolAdmin admin)
{
    private const string Page = "settings";
    private const string TermsPage = "terms";
    private const string BlackoutsPage = "blackouts";

    private static readonly string[] SettingsFieldIds = ["name", "time_zone", "latitude", "longitude", "language", "window_from", "window_to"];
    private static readonly string[] TermFieldIds = ["term_name", "term_first", "term_last"];
    private static readonly string[] BlackoutFieldIds = ["bo_from", "bo_to", "bo_reason"];

    private static readonly Dictionary<string, string> TermFields = new(StringComparer.Ordinal)
    {
        ["terms"] = "term_name",
        ["terms[]"] = "term_first",
        ["terms[].name"] = "term_name",
        ["terms[].firstDay"] = "term_first",
        ["terms[].lastDay"] = "term_last",
    };

    private static readonly Dictionary<string, string> BlackoutFields = new(StringComparer.Ordinal)
    {
        ["blackouts"] = "bo_from",
        ["blackouts[]"] = "bo_from",
        ["blackouts[].from"] = "bo_from",
        ["blackouts[].to"] = "bo_to",
        ["blackouts[].reason"] = "bo_reason",
    };

    private readonly AdminPageKit _kit = new(frames, views);

    [Function(nameof(ShowSchoolSettingsPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> ShowSchoolSettingsPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/settings")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) is not { } stored)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Settings, Page, ["saved"], cancellationToken);
        return Settings(frame, schoolId, SchoolSettingsFormValues.From(stored), stored, [], null, StatusCodes.Status200OK);
    }

    [Function(nameof(SaveSchoolSettingsPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> SaveSchoolSettingsPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/settings")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var form = await StaffPageHttp.FormAsync(request, cancellationToken);
        string F(string name) => StaffPageHttp.Field(form, name);
        var values = new SchoolSettingsFormValues(F("name"), F("time_zone"), F("latitude"), F("longitude"), F("language"), F("window_from"), F("window_to"), F("version"));
        if (await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) is not { } stored)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Settings, Page, [], cancellationToken);
        if (values.Version != stored.Version)
        {
            return Stale(frame, schoolId, values, stored);
        }

        var (school, unreadable) = SchoolSettingsForm.Apply(stored.School, values);
        try
        {
            // A number that cannot be read keeps its stored value, so the rest is still checked and every
            // problem of the form is shown at once; nothing is saved then.
            var problems = unreadable.Count > 0
                ? await admin.ProblemsAsync(schoolId, school, cancellationToken, frame.Lang)
                : (await admin.PutSchoolAsync(schoolId, school, stored.Version, cancellationToken, frame.Lang)).Problems;
            var errors = unreadable.Keys.Select(f => new FieldError(f, _kit.Text(Page, frame, "err_number_" + f))).ToList();
            errors.AddRange(SchoolSettingsForm.FieldErrors(problems, SchoolSettingsForm.SettingsFields, "name", f => _kit.Text(Page, frame, "label_" + f))
                .Where(e => errors.All(u => u.Field != e.Field)));
            if (errors.Count > 0)
            {
                return Settings(frame.WithErrors(Ordered(errors, SettingsFieldIds)), schoolId, values, stored, errors, null, StatusCodes.Status400BadRequest);
            }
        }
        catch (StaleSchoolVersionException)
        {
            return Stale(frame, schoolId, values, await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) ?? stored);
        }

        return StaffPageHttp.SeeOther(StaffPaths.Settings(schoolId), "saved");
    }

    [Function(nameof(ShowSchoolTermsPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> ShowSchoolTermsPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/settings/terms")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) is not { } stored)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Settings, TermsPage, ["added", "removed"], cancellationToken);
        return Terms(frame, schoolId, stored, new Term("", "", ""), [], StatusCodes.Status200OK);
    }

    [Function(nameof(SaveSchoolTermsPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> SaveSchoolTermsPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/settings/terms")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var form = await StaffPageHttp.FormAsync(request, cancellationToken);
        if (await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) is not { } stored)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Settings, TermsPage, [], cancellationToken);
        var typed = new Term(StaffPageHttp.Field(form, "term_name"), StaffPageHttp.Field(form, "term_first"), StaffPageHttp.Field(form, "term_last"));
        var remove = StaffPageHttp.Field(form, "action") == "remove";
        var (changed, problem) = Edit(stored.School.Terms, remove, StaffPageHttp.Field(form, "index"), typed);
        if (problem is not null || StaffPageHttp.Field(form, "version") != stored.Version)
        {
            var stale = new[] { new FieldError(remove ? "terms-list" : "term_name", _kit.Text(TermsPage, frame, problem ?? "stale")) };
            return Terms(frame.WithErrors(stale), schoolId, stored, typed, stale, StatusCodes.Status409Conflict);
        }

        var outcome = await SaveAsync(schoolId, stored, stored.School with { Terms = changed }, TermFields, "term_name", TermsPage, frame, cancellationToken);
        return outcome switch
        {
            null => StaffPageHttp.SeeOther(StaffPaths.Settings(schoolId) + "/terms", remove ? "removed" : "added"),
            var (errors, current, status) => Terms(frame.WithErrors(Ordered(errors, TermFieldIds)), schoolId, current, typed, errors, status),
        };
    }

    [Function(nameof(ShowSchoolBlackoutsPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> ShowSchoolBlackoutsPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/settings/blackouts")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) is not { } stored)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Settings, BlackoutsPage, ["added", "removed"], cancellationToken);
        return Blackouts(frame, schoolId, stored, new Blackout("", "", ""), [], StatusCodes.Status200OK);
    }

    [Function(nameof(SaveSchoolBlackoutsPage))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> SaveSchoolBlackoutsPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/settings/blackouts")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var form = await StaffPageHttp.FormAsync(request, cancellationToken);
        if (await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) is not { } stored)
        {
            return new NotFoundResult();
        }

        var frame = await _kit.FrameAsync(request, schoolId, StaffSection.Settings, BlackoutsPage, [], cancellationToken);
        var typed = new Blackout(StaffPageHttp.Field(form, "bo_from"), StaffPageHttp.Field(form, "bo_to"), StaffPageHttp.Field(form, "bo_reason"));
        var remove = StaffPageHttp.Field(form, "action") == "remove";
        var entered = typed with { To = NullIfEmpty(typed.To), Reason = NullIfEmpty(typed.Reason) };
        var (changed, problem) = Edit(stored.School.Blackouts, remove, StaffPageHttp.Field(form, "index"), entered);
        if (problem is not null || StaffPageHttp.Field(form, "version") != stored.Version)
        {
            var stale = new[] { new FieldError(remove ? "blackouts-list" : "bo_from", _kit.Text(BlackoutsPage, frame, problem ?? "stale")) };
            return Blackouts(frame.WithErrors(stale), schoolId, stored, typed, stale, StatusCodes.Status409Conflict);
        }

        var outcome = await SaveAsync(schoolId, stored, stored.School with { Blackouts = changed }, BlackoutFields, "bo_from", BlackoutsPage, frame, cancellationToken);
        return outcome switch
        {
            null => StaffPageHttp.SeeOther(StaffPaths.Settings(schoolId) + "/blackouts", remove ? "removed" : "added"),
            var (errors, current, status) => Blackouts(frame.WithErrors(Ordered(errors, BlackoutFieldIds)), schoolId, current, typed, errors, status),
        };
    }

    /// <summary>The list with the typed item added, or item <paramref name="index"/> removed; a problem's text key when the index is not in the list.</summary>
    private static (IReadOnlyList<T> List, string? Problem) Edit<T>(IReadOnlyList<T> list, bool remove, string index, T added)
    {
        if (!remove)
        {
            return ([.. list, added], null);
        }

        return int.TryParse(index, out var i) && i >= 0 && i < list.Count
            ? ([.. list.Where((_, k) => k != i)], null)
            : (list, "stale");
    }

    /// <summary>Saves a sub-page's change: null when saved; otherwise the errors, the school to show, and 400 or 409.</summary>
    private async Task<(IReadOnlyList<FieldError> Errors, VersionedSchool Current, int Status)?> SaveAsync(
        string schoolId, VersionedSchool stored, SchoolSettings school, IReadOnlyDictionary<string, string> fields, string fallback, string page, StaffFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            var result = await admin.PutSchoolAsync(schoolId, school, stored.Version, cancellationToken, frame.Lang);
            return result.Succeeded
                ? null
                : (SchoolSettingsForm.FieldErrors(result.Problems, fields, fallback, f => _kit.Text(page, frame, "label_" + f)), stored, StatusCodes.Status400BadRequest);
        }
        catch (StaleSchoolVersionException)
        {
            var current = await directory.GetSchoolVersionedAsync(schoolId, cancellationToken) ?? stored;
            return ([new FieldError(fallback, _kit.Text(page, frame, "stale"))], current, StatusCodes.Status409Conflict);
        }
    }

    private StaffPageResult Stale(StaffFrame frame, string schoolId, SchoolSettingsFormValues values, VersionedSchool current)
    {
        var errors = new[] { new FieldError("name", _kit.Text(Page, frame, "stale")) };
        return Settings(frame.WithErrors(errors), schoolId, values with { Version = current.Version }, current, errors, SchoolSettingsFormValues.From(current), StatusCodes.Status409Conflict);
    }

    private StaffPageResult Settings(StaffFrame frame, string schoolId, SchoolSettingsFormValues values, VersionedSchool stored, IReadOnlyList<FieldError> errors, SchoolSettingsFormValues? newer, int status) =>
        _kit.Render(Page, frame, new()
        {
            ["form"] = values,
            ["err"] = SchoolSettingsForm.ErrorsByField(SettingsFieldIds, errors),
            ["zones"] = SchoolSettingsForm.Zones(values.TimeZone),
            ["languages"] = SchoolSettingsForm.Languages(values.Language),
            ["newer"] = newer is not null,
            ["stored"] = newer ?? values,
            ["terms_count"] = stored.School.Terms.Count,
            ["blackouts_count"] = stored.School.Blackouts.Count,
            ["action"] = StaffPaths.Settings(schoolId),
            ["terms_path"] = StaffPaths.Settings(schoolId) + "/terms",
            ["blackouts_path"] = StaffPaths.Settings(schoolId) + "/blackouts",
            ["dashboard_path"] = StaffPaths.Dashboard(schoolId),
            ["export_path"] = $"/api/admin/schools/{Uri.EscapeDataString(schoolId)}/participation.csv",
            ["events_path"] = $"/api/admin/schools/{Uri.EscapeDataString(schoolId)}/participation-events.csv",
            ["codebook_path"] = $"/api/admin/schools/{Uri.EscapeDataString(schoolId)}/participation.csv/codebook",
        }, status);

    private StaffPageResult Terms(StaffFrame frame, string schoolId, VersionedSchool stored, Term typed, IReadOnlyList<FieldError> errors, int status) =>
        _kit.Render(TermsPage, frame, new()
        {
            ["terms"] = stored.School.Terms,
            ["typed"] = typed,
            ["version"] = stored.Version,
            ["err"] = SchoolSettingsForm.ErrorsByField([.. TermFieldIds, "terms-list"], errors),
            ["action"] = StaffPaths.Settings(schoolId) + "/terms",
            ["settings_path"] = StaffPaths.Settings(schoolId),
        }, status);

    private StaffPageResult Blackouts(StaffFrame frame, string schoolId, VersionedSchool stored, Blackout typed, IReadOnlyList<FieldError> errors, int status) =>
        _kit.Render(BlackoutsPage, frame, new()
        {
            ["blackouts"] = stored.School.Blackouts.Select(b => new Blackout(b.From, b.To ?? "", b.Reason ?? "")).ToList(),
            ["typed"] = typed with { To = typed.To ?? "", Reason = typed.Reason ?? "" },
            ["version"] = stored.Version,
            ["err"] = SchoolSettingsForm.ErrorsByField([.. BlackoutFieldIds, "blackouts-list"], errors),
            ["action"] = StaffPaths.Settings(schoolId) + "/blackouts",
            ["settings_path"] = StaffPaths.Settings(schoolId),
        }, status);

    /// <summary>The errors in the order of the fields on the page, so the summary reads top to bottom.</summary>
    private static List<FieldError> Ordered(IEnumerable<FieldError> errors, IReadOnlyList<string> fields) =>
        [.. errors.OrderBy(e => fields.Contains(e.Field) ? fields.ToList().IndexOf(e.Field) : int.MaxValue)];

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
