using BkOutreach.Core.Booking.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Booking;

/// <summary>Writes a <see cref="PageResponse"/>: HTML that is never cached (it shows live seats), or a 303.</summary>
public sealed class PageResult(PageResponse page) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
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
