using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

public sealed record AttendanceBody(string? Status);

/// <summary>
/// <c>POST /api/admin/bookings/{bookingId}/attendance</c> <c>{ "status": "attended" | "no_show" }</c> (JSON, or
/// the dashboard's form post, which is redirected back to its <c>return</c> path when that is a local
/// <c>/api/admin/…</c> path of safe characters; any other value is ignored). 409 <c>meeting_not_started</c>
/// before the meeting begins. The first "attended" sends one feedback SMS (through the booking's outbox).
/// </summary>
public sealed class MarkAttendance(FollowUps followUps)
{
    [Function(nameof(MarkAttendance))]
    [Access(AccessScope.Booking, StaffRole.Counselor)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/bookings/{bookingId}/attendance")] HttpRequest request,
        string bookingId,
        CancellationToken cancellationToken)
    {
        string? status;
        string? back = null;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            status = form["status"].FirstOrDefault();
            back = SafeReturnPath(form["return"].FirstOrDefault());
        }
        else
        {
            var (body, error) = await HttpJson.ReadAsync<AttendanceBody>(request, cancellationToken);
            if (error is not null)
            {
                return error;
            }

            status = body!.Status;
        }

        Attendance? attendance = status switch
        {
            "attended" => Attendance.Attended,
            "no_show" => Attendance.NoShow,
            _ => null,
        };
        if (attendance is null)
        {
            return HttpJson.Problem(StatusCodes.Status400BadRequest, "invalid", ["status: must be attended or no_show."]);
        }

        var result = await followUps.MarkAttendanceAsync(bookingId, attendance.Value, cancellationToken);
        return result.Outcome switch
        {
            AttendanceOutcome.UnknownBooking => new NotFoundObjectResult(new { error = "unknown_booking" }),
            AttendanceOutcome.NotStarted => new ConflictObjectResult(new { error = "meeting_not_started", start = result.Booking!.Start }),
            _ when back is not null => new RedirectResult(back, permanent: false),
            _ => new OkObjectResult(new { bookingId = result.Booking!.Id, status }),
        };
    }

    /// <summary>
    /// The form's return path, decided before anything is done: only a local admin path of URL-safe ASCII
    /// (no CR/LF, no scheme, no "//") may become a Location header; anything else is ignored.
    /// </summary>
    internal static string? SafeReturnPath(string? value) =>
        value is { Length: > 0 and <= 512 }
        && value.StartsWith("/api/admin/", StringComparison.Ordinal)
        && !value.Contains("//", StringComparison.Ordinal)
        && value.All(c => char.IsAsciiLetterOrDigit(c) || "/-_.~?&=%".Contains(c))
            ? value
            : null;
}
