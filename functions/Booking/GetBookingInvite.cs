using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Calendar;
using BkOutreach.Functions.Calendar;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using NodaTime;

namespace BkOutreach.Functions.Booking;

/// <summary>
/// <c>GET /api/bookings/{bookingId}/invite.ics?token=…</c> (and HEAD): the booking as a file to add to a calendar
/// (METHOD:PUBLISH, stable UID, the school's VTIMEZONE; STATUS:CANCELLED with a higher SEQUENCE once
/// cancelled), not an iTIP invitation: there is no organizer's mailbox for a parent to answer. Only the
/// link that made the booking opens it.
/// </summary>
public sealed class GetBookingInvite(BookingService booking)
{
    [Function(nameof(GetBookingInvite))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "bookings/{bookingId}/invite.ics")] HttpRequest request,
        string bookingId,
        CancellationToken cancellationToken)
    {
        var link = await booking.OpenAsync(request.Query["token"].FirstOrDefault(), cancellationToken);
        var own = link is null ? null : await booking.GetOwnAsync(link, bookingId, cancellationToken);
        if (own is null)
        {
            return new NotFoundResult();
        }

        var zone = DateTimeZoneProviders.Tzdb[link!.School.TimeZone];
        var meeting = CalendarFeeds.BookingEvent(link.School, own, link.Guardian) with { Url = new Uri(booking.ManageUrl(link.Grant.Token)) };
        var body = CalendarHttp.Encode(CalendarRenderer.RenderEvent(meeting, zone));
        return new CalendarResult(new RenderedFeed(body, CalendarHttp.ETag(body)), $"bk-{own.Id}.ics");
    }
}
