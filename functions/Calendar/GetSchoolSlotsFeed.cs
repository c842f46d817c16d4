using BkOutreach.Core.Access;
using BkOutreach.Core.Calendar;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Calendar;

/// <summary><c>GET /api/calendar/{schoolId}/slots.ics</c> (and HEAD): the school's open slots, public, for any calendar to subscribe to.</summary>
public sealed class GetSchoolSlotsFeed(CalendarFeeds feeds)
{
    [Function(nameof(GetSchoolSlotsFeed))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "calendar/{schoolId}/slots.ics")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        await feeds.SchoolSlotsAsync(schoolId, cancellationToken) is { } feed ? new CalendarResult(feed) : new NotFoundResult();
}
