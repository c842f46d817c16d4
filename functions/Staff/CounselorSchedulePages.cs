using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Staff;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>
/// The counsellor's "Jadwal saya" page (<see cref="StaffPaths.Schedule"/>) and its forms: availability
/// (<c>POST …/schedule</c>), days off (<c>POST …/schedule/days-off</c>), a new feed link (<c>POST …/schedule/feed</c>)
/// and attendance (<c>POST …/meetings/{bookingId}/attendance</c>). The access step lets a counsellor open only
/// their own counsellor id; a saved form answers 303 back to the page, a refused one the page again with
/// its errors and the values typed (400, or 409 when someone saved in between).
/// </summary>
public sealed class CounselorSchedulePages(SchedulePage schedule, StaffFrames frames, StaffPages pages)
{
    private const string Route = "staff/schools/{schoolId}/counselors/{counselorId}/schedule";

    [Function(nameof(GetSchedulePage))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true)]
    public async Task<IActionResult> GetSchedulePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var done = request.Query["done"].ToString();
        var notice = done is "saved" or "day_off_added" or "day_off_removed" or "feed" or "attendance" ? schedule.Text(lang, "done_" + done) : "";
        return await PageAsync(request, schoolId, counselorId, lang, null, null, [], notice, StatusCodes.Status200OK, cancellationToken);
    }

    [Function(nameof(PostSchedulePage))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true)]
    public async Task<IActionResult> PostSchedulePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var posted = await StaffPageHttp.FormAsync(request, cancellationToken);
        var form = ScheduleForm.Read(name => StaffPageHttp.Field(posted, name), name => [.. posted[name].Select(v => v ?? "")]);
        if (StaffPageHttp.Field(posted, "action") == "add_row")
        {
            return await PageAsync(request, schoolId, counselorId, lang, form.WithRowAdded(), null, [], "", StatusCodes.Status200OK, cancellationToken);
        }

        var saved = await schedule.SaveAsync(schoolId, counselorId, form, lang, cancellationToken);
        return saved.Status switch
        {
            ScheduleSaveStatus.Saved => StaffPageHttp.SeeOther(StaffPaths.Schedule(schoolId, counselorId), "saved"),
            ScheduleSaveStatus.Missing => new NotFoundResult(),
            // The form comes back as typed, now on the newer version: saving it again replaces that save knowingly.
            ScheduleSaveStatus.Stale => await PageAsync(request, schoolId, counselorId, lang, form with { Version = "" }, null, saved.Errors, "", StatusCodes.Status409Conflict, cancellationToken),
            _ => await PageAsync(request, schoolId, counselorId, lang, form, null, saved.Errors, "", StatusCodes.Status400BadRequest, cancellationToken),
        };
    }

    [Function(nameof(PostScheduleDaysOff))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true)]
    public async Task<IActionResult> PostScheduleDaysOff(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/days-off")] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var posted = await StaffPageHttp.FormAsync(request, cancellationToken);
        var version = StaffPageHttp.Field(posted, "version");
        var dayOff = new DayOffForm(StaffPageHttp.Field(posted, "from"), StaffPageHttp.Field(posted, "to"), StaffPageHttp.Field(posted, "reason"));
        var remove = StaffPageHttp.Field(posted, "remove");
        var saved = remove.Length > 0
            ? await schedule.RemoveDayOffAsync(schoolId, counselorId, int.TryParse(remove, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : -1, version, lang, cancellationToken)
            : await schedule.AddDayOffAsync(schoolId, counselorId, dayOff, version, lang, cancellationToken);
        var errors = saved.Status == ScheduleSaveStatus.Stale && saved.Errors.Count == 0
            ? [new FieldError("off-from", schedule.Text(lang, "error_stale"))]
            : saved.Errors;
        return saved.Status switch
        {
            ScheduleSaveStatus.Saved => StaffPageHttp.SeeOther(StaffPaths.Schedule(schoolId, counselorId), remove.Length > 0 ? "day_off_removed" : "day_off_added"),
            ScheduleSaveStatus.Missing => new NotFoundResult(),
            ScheduleSaveStatus.Stale => await PageAsync(request, schoolId, counselorId, lang, null, dayOff, errors, "", StatusCodes.Status409Conflict, cancellationToken),
            _ => await PageAsync(request, schoolId, counselorId, lang, null, dayOff, errors, "", StatusCodes.Status400BadRequest, cancellationToken),
        };
    }

    [Function(nameof(PostScheduleFeed))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true)]
    public async Task<IActionResult> PostScheduleFeed(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/feed")] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken)
    {
        var posted = await StaffPageHttp.FormAsync(request, cancellationToken);
        if (StaffPageHttp.Field(posted, "confirm") != "yes")
        {
            var lang = StaffPageHttp.Language(request);
            return await PageAsync(request, schoolId, counselorId, lang, null, null, [new FieldError("feed-confirm", schedule.Text(lang, "error_feed_confirm"))], "", StatusCodes.Status400BadRequest, cancellationToken);
        }

        return await schedule.NewFeedLinkAsync(schoolId, counselorId, cancellationToken)
            ? StaffPageHttp.SeeOther(StaffPaths.Schedule(schoolId, counselorId), "feed")
            : new NotFoundResult();
    }

    [Function(nameof(PostScheduleAttendance))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true)]
    public async Task<IActionResult> PostScheduleAttendance(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/counselors/{counselorId}/meetings/{bookingId}/attendance")] HttpRequest request,
        string schoolId,
        string counselorId,
        string bookingId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var posted = await StaffPageHttp.FormAsync(request, cancellationToken);
        Attendance? attendance = StaffPageHttp.Field(posted, "status") switch
        {
            "attended" => Attendance.Attended,
            "no_show" => Attendance.NoShow,
            _ => null,
        };
        if (attendance is null)
        {
            return await PageAsync(request, schoolId, counselorId, lang, null, null, [new FieldError("meetings", schedule.Text(lang, "error_attendance"))], "", StatusCodes.Status400BadRequest, cancellationToken);
        }

        return await schedule.MarkAttendanceAsync(schoolId, counselorId, bookingId, attendance.Value, cancellationToken) switch
        {
            AttendanceMark.Marked => StaffPageHttp.SeeOther(StaffPaths.Schedule(schoolId, counselorId), "attendance"),
            AttendanceMark.NotStarted => await PageAsync(request, schoolId, counselorId, lang, null, null, [new FieldError("meetings", schedule.Text(lang, "error_not_started"))], "", StatusCodes.Status409Conflict, cancellationToken),
            _ => new NotFoundResult(),
        };
    }

    private async Task<IActionResult> PageAsync(
        HttpRequest request, string schoolId, string counselorId, string lang, ScheduleForm? form, DayOffForm? dayOff, IReadOnlyList<FieldError> errors, string notice, int status, CancellationToken cancellationToken)
    {
        var values = await schedule.ValuesAsync(schoolId, counselorId, lang, form, dayOff, errors, cancellationToken);
        if (values is null)
        {
            return new NotFoundResult();
        }

        var frame = (await frames.BuildAsync(AccessGate.CallerOf(request)!, schoolId, lang, StaffSection.Schedule, cancellationToken)).WithErrors(errors) with { Notice = notice };
        return new StaffPageResult(pages.Render(SchedulePage.Page, frame, values), status);
    }
}
