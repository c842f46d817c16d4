using BkOutreach.Core.Booking;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Booking;

/// <summary>What every parent-facing booking trigger shares: the throttle answer and the JSON shape of a booking.</summary>
public static class BookingHttp
{
    /// <summary>429 with Retry-After when this token or address posted too often; null to go on.</summary>
    public static IActionResult? Throttled(PostThrottle throttle, HttpRequest request, string token, Func<int, IActionResult>? page = null)
    {
        var wait = throttle.Check(token, request.HttpContext.Connection.RemoteIpAddress?.ToString());
        if (wait is null)
        {
            return null;
        }

        var seconds = (int)Math.Ceiling(wait.Value.TotalSeconds);
        request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return page?.Invoke(seconds) ?? new ObjectResult(new { error = "too_many_requests", retryAfterSeconds = seconds }) { StatusCode = StatusCodes.Status429TooManyRequests };
    }

    public static object Json(BookingService service, string token, Core.Booking.Booking booking) => new
    {
        bookingId = booking.Id,
        start = booking.Start.ToOffset(OffsetOf(booking)),
        end = booking.End.ToOffset(OffsetOf(booking)),
        mode = booking.Mode,
        counselorId = booking.CounselorId,
        status = booking.Status == BookingStatus.Cancelled ? "cancelled" : "confirmed",
        icsUrl = service.InviteUrl(token, booking.Id),
        manageUrl = service.ManageUrl(token),
    };

    /// <summary>The school's offset is kept in the slot id's local time; recover it from start.</summary>
    private static TimeSpan OffsetOf(Core.Booking.Booking booking) =>
        Core.Scheduling.SlotId.TryParse(booking.SlotId, out var id)
            ? id.Start.ToDateTimeUnspecified() - booking.Start.UtcDateTime
            : TimeSpan.Zero;
}
