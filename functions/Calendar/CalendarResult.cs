using BkOutreach.Core.Calendar;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Calendar;

/// <summary>Writes a feed with ETag and Last-Modified, or 304 when the client already has these bytes.</summary>
public sealed class CalendarResult(RenderedFeed feed, string? fileName = null) : IActionResult
{
    public async Task ExecuteResultAsync(ActionContext context)
    {
        var request = context.HttpContext.Request;
        var response = context.HttpContext.Response;
        response.Headers.ETag = feed.ETag;
        if (feed.LastModified is { } modified)
        {
            response.Headers.LastModified = CalendarHttp.HttpDate(modified);
        }

        response.Headers.CacheControl = "no-cache";
        if (CalendarHttp.IsNotModified(request.Headers.IfNoneMatch, request.Headers.IfModifiedSince, feed.ETag, feed.LastModified))
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
        await response.Body.WriteAsync(feed.Body, context.HttpContext.RequestAborted);
    }
}
