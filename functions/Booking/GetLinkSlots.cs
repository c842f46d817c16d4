using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary>
/// <c>GET /api/links/{token}/slots</c>: the open slots this link may book, times with the school's UTC offset.
/// It counts as opening the link, as the booking page does, so a parent who books through the JSON routes is
/// in the funnel's "opened" too.
/// </summary>
public sealed class GetLinkSlots(BookingService booking, ParticipationFacts facts)
{
    [Function(nameof(GetLinkSlots))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "links/{token}/slots")] HttpRequest request,
        string token,
        CancellationToken cancellationToken)
    {
        var link = await booking.OpenAsync(token, cancellationToken);
        if (link is null)
        {
            return new NotFoundObjectResult(new { error = "unknown_link" });
        }

        // The fact is written while the slots are read: it never fails the request and adds no wait.
        var opened = facts.LinkOpenedAsync(link, cancellationToken);
        var slots = await booking.SlotsAsync(link, cancellationToken);
        await opened;
        return new OkObjectResult(slots.SelectMany(c => c.Slots).Select(s => new
        {
            id = s.Id.ToString(),
            start = s.Start.ToDateTimeOffset(),
            end = s.End.ToDateTimeOffset(),
            mode = s.Mode.ToWire(),
            counselorId = s.CounselorId,
            remaining = s.Remaining,
        }));
    }
}
