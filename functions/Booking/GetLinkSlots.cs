using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary><c>GET /api/links/{token}/slots</c>: the open slots this link may book, times with the school's UTC offset.</summary>
public sealed class GetLinkSlots(BookingService booking)
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

        var slots = await booking.SlotsAsync(link, cancellationToken);
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
