using BkOutreach.Core.Booking.Pages;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Booking;

/// <summary>Writes a <see cref="PageResponse"/>: HTML with the <see cref="SecurityHeaders"/> (never cached: it shows live seats), or a 303.</summary>
public sealed class PageResult(PageResponse page) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        SecurityHeaders.Apply(response, page.Html);
        response.StatusCode = page.Status;
        if (page.Location is not null)
        {
            response.Headers.Location = page.Location;
            return;
        }

        response.ContentType = "text/html; charset=utf-8";
        await response.WriteAsync(page.Html ?? "", context.HttpContext.RequestAborted);
    }
}
