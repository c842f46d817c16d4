using BkOutreach.Core.Access;
using BkOutreach.Core.Booking.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary><c>GET /api/about-bk?lang=id|en</c>: what a guru BK does, for every student.</summary>
public sealed class AboutBk(BookingPages pages)
{
    [Function(nameof(AboutBk))]
    [Access(AccessScope.Public)]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "about-bk")] HttpRequest request) =>
        new PageResult(new PageResponse(200, pages.AboutBk(request.Query["lang"].FirstOrDefault())));
}
