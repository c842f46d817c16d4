using BkOutreach.Core.Calendar;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Calendar;

/// <summary>
/// Writes a feed with its ETag (and no Last-Modified: see <see cref="CalendarHttp"/>), or 304 when the
/// client already has these bytes. HEAD (calendar subscribers and link checkers send it) gets the same
/// status and headers as GET, Content-Length included, without the body.
/// </summary>
public sealed class CalendarResult(RenderedFeed feed, string? fileName = null) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var request = context.HttpContext.Request;
        var response = context.HttpContext.Response;
        response.Headers.ETag = feed.ETag;
        response.Headers.CacheControl = "no-cache";
        if (CalendarHttp.IsNotModified(request.Headers.IfNoneMatch, feed.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = CalendarRenderer.ContentType;
        if (fileName is not null)
        {
            response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        }

        response.ContentLength = feed.Body.Length;
        if (!HttpMethods.IsHead(request.Method))
        {
            await response.Body.WriteAsync(feed.Body, context.HttpContext.RequestAborted);
        }
    }
}
