using BkOutreach.Core.Calendar;
using BkOutreach.Functions.Calendar;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using NodaTime;

namespace BkOutreach.Tests.Feeds;

public sealed class CalendarResultTests
{
    private static readonly Instant Modified = Instant.FromUtc(2027, 1, 10, 3, 15, 42);

    private static async Task<(HttpResponse Response, int Renders)> AnswerAsync(string? ifNoneMatch)
    {
        var renders = 0;
        var feed = new RenderedFeed(
            () =>
            {
                renders++;
                return "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"u8.ToArray();
            },
            "\"v1\"",
            Modified);
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        if (ifNoneMatch is not null)
        {
            context.Request.Headers.IfNoneMatch = ifNoneMatch;
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
    public async Task ChangedFeed_IsRenderedOnceAndSentWhole()
    {
        var (response, renders) = await AnswerAsync("\"v0\"");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(1, renders);
        Assert.Equal(CalendarRenderer.ContentType, response.ContentType);
        Assert.Equal(32, response.Body.Length);
        Assert.Equal(CalendarHttp.HttpDate(Modified), response.Headers.LastModified.ToString());
    }
}
