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
/// the dashboard's form post, which is redirected back). An attended meeting sends one feedback SMS.
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
            back = form["return"].FirstOrDefault();
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
        return HttpJson.From(
            result,
            b => back is not null && back.StartsWith("/api/admin/", StringComparison.Ordinal)
                ? new RedirectResult(back, permanent: false)
                : new OkObjectResult(new { bookingId = b.Id, status }),
            "unknown_booking");
    }
}
