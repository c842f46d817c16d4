using BkOutreach.Core.Calendar;
using BkOutreach.Functions.Calendar;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace BkOutreach.Tests.Feeds;

public sealed class CalendarResultTests
{
    private static async Task<(HttpResponse Response, int Renders)> AnswerAsync(string? ifNoneMatch, string? ifModifiedSince = null, string method = "GET")
    {
        var renders = 0;
        var feed = new RenderedFeed(
            () =>
            {
                renders++;
                return "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"u8.ToArray();
            },
            "\"v1\"");
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Response.Body = new MemoryStream();
        if (ifNoneMatch is not null)
        {
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
        }

        if (ifModifiedSince is not null)
        {
            context.Request.Headers.IfModifiedSince = ifModifiedSince;
        }

        await new CalendarResult(feed).ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        return (context.Response, renders);
    }

    [Fact]
    public async Task NotModified_IsAnsweredWithoutRenderingTheFeed()
    {
        var (response, renders) = await AnswerAsync("\"v1\"");

        Assert.Equal(304, response.StatusCode);
        Assert.Equal("\"v1\"", response.Headers.ETag.ToString());
        Assert.Equal(0, response.Body.Length);
        Assert.Equal(0, renders);
    }

    [Fact]
    public async Task ChangedFeed_IsRenderedOnceAndSentWhole_WithoutLastModified()
    {
        var (response, renders) = await AnswerAsync("\"v0\"");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(1, renders);
        Assert.Equal(CalendarRenderer.ContentType, response.ContentType);
        Assert.Equal(32, response.Body.Length);
        Assert.False(response.Headers.ContainsKey("Last-Modified"));
    }

    [Fact]
    public async Task IfModifiedSince_AloneNeverGets304()
    {
        // Any date in the future of every change the feed could have had: still sent, as a feed has no Last-Modified.
        var (response, renders) = await AnswerAsync(null, "Fri, 31 Dec 9999 23:59:59 GMT");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(1, renders);
        Assert.Equal(32, response.Body.Length);
    }

    [Fact]
    public async Task Head_GetsTheStatusAndHeadersOfGet_WithoutTheBody()
    {
        var (get, _) = await AnswerAsync("\"v0\"");
        var (head, _) = await AnswerAsync("\"v0\"", method: "HEAD");
        var (headNotModified, renders) = await AnswerAsync("\"v1\"", method: "HEAD");

        Assert.Equal(200, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal(get.Headers.CacheControl, head.Headers.CacheControl);
        Assert.Equal(get.ContentType, head.ContentType);
        Assert.Equal(32, head.ContentLength);
        Assert.Equal(0, head.Body.Length);
        Assert.Equal(304, headNotModified.StatusCode);
        Assert.Equal(0, renders);
    }
}
