using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary><c>DELETE /api/links/{token}/booking[?counselorId=]</c>: cancels the guardian's booking(s) of this campaign; 204, or 404 when there is none.</summary>
public sealed class DeleteLinkBooking(BookingService booking, PostThrottle throttle)
{
    [Function(nameof(DeleteLinkBooking))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "links/{token}/booking")] HttpRequest request,
        string token,
        CancellationToken cancellationToken)
    {
        if (BookingHttp.Throttled(throttle, request, token) is { } throttled)
        {
            return throttled;
        }

        var link = await booking.OpenAsync(token, cancellationToken);
        if (link is null)
        {
            return new NotFoundObjectResult(new { error = "unknown_link" });
        }

        var cancelled = await booking.CancelAsync(link, request.Query["counselorId"].FirstOrDefault(), cancellationToken);
        return cancelled.Count > 0 ? new NoContentResult() : new NotFoundObjectResult(new { error = "no_booking" });
    }
}
