using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

public sealed record BookingRequestBody(string? SlotId, string? Mode);

/// <summary>
/// <c>POST /api/links/{token}/booking</c> <c>{ "slotId" }</c> → 201 with the booking (also when it moved an
/// existing one, or when the same request came twice); 409 <c>slot_taken</c>; 404 unknown or expired link;
/// 422 not bookable (past, inside notice, outside the window, another counsellor's, or a <c>mode</c> other
/// than <c>online</c> / <c>in_person</c>: reason <c>invalid_mode</c>).
/// </summary>
public sealed class CreateLinkBooking(BookingService booking, PostThrottle throttle)
{
    [Function(nameof(CreateLinkBooking))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "links/{token}/booking")] HttpRequest request,
        string token,
        CancellationToken cancellationToken)
    {
        if (BookingHttp.Throttled(throttle, request, token) is { } throttled)
        {
            return throttled;
        }

        var (body, error) = await HttpJson.ReadAsync<BookingRequestBody>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var link = await booking.OpenForBookingAsync(token, cancellationToken);
        if (link is null)
        {
            return new NotFoundObjectResult(new { error = "unknown_link" });
        }

        var result = await booking.BookAsync(link, body!.SlotId, body.Mode, BkOutreach.Core.Participation.ParticipationChannel.Web, cancellationToken);
        return result.Outcome switch
        {
            BookOutcome.GuardianErased => new NotFoundObjectResult(new { error = "unknown_link" }),
            BookOutcome.SlotTaken => new ConflictObjectResult(new { error = "slot_taken" }),
            BookOutcome.NotBookable => new UnprocessableEntityObjectResult(new { error = "slot_not_bookable", reason = result.Reason }),
            _ => new ObjectResult(BookingHttp.Json(booking, token, result.Booking!)) { StatusCode = StatusCodes.Status201Created },
        };
    }
}
