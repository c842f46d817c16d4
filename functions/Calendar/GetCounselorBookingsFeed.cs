using BkOutreach.Core.Access;
using BkOutreach.Core.Calendar;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Calendar;

/// <summary>
/// <c>GET /api/calendar/{schoolId}/counselors/{counselorId}/bookings.ics?key=…</c> (and HEAD): the counsellor's booked
/// meetings. The key is the credential (a calendar app cannot send headers); a wrong key is 404, like an
/// unknown counsellor, so the route tells nothing to someone guessing.
/// </summary>
public sealed class GetCounselorBookingsFeed(CalendarFeeds feeds)
{
    [Function(nameof(GetCounselorBookingsFeed))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "calendar/{schoolId}/counselors/{counselorId}/bookings.ics")] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken) =>
        await feeds.CounselorBookingsAsync(schoolId, counselorId, request.Query["key"].FirstOrDefault(), cancellationToken) is { } feed
            ? new CalendarResult(feed)
            : new NotFoundResult();
}
