using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BkOutreach.Core.Calendar;
using NodaTime;

namespace BkOutreach.Tests.Feeds;

public sealed class CalendarHttpTests
{
    private static readonly Instant Modified = Instant.FromUtc(2027, 1, 10, 3, 15, 42) + Duration.FromMilliseconds(250);

    [Fact]
    public void ETag_IsTheQuotedBase64UrlSha256OfTheBytes()
    {
        var body = Encoding.UTF8.GetBytes("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");

        var etag = CalendarHttp.ETag(body);

        Assert.Equal("\"" + Base64Url.EncodeToString(SHA256.HashData(body)) + "\"", etag);
        Assert.Matches("^\"[A-Za-z0-9_-]{43}\"$", etag);
        Assert.NotEqual(etag, CalendarHttp.ETag(Encoding.UTF8.GetBytes("BEGIN:VCALENDAR\r\nEND:VCALENDAR")));
    }

    [Fact]
    public void LastModified_IsTheLatestEventChange()
    {
        FeedEvent At(Instant changed) => new("u" + changed.ToUnixTimeTicks(), changed, changed + Duration.FromHours(1), "s", null, null, null, FeedEventStatus.Confirmed, 0, changed);

        Assert.Equal(Modified, CalendarHttp.LastModified([At(Modified - Duration.FromDays(1)), At(Modified), At(Modified - Duration.FromHours(1))]));
        Assert.Null(CalendarHttp.LastModified([]));
        Assert.Equal("Sun, 10 Jan 2027 03:15:42 GMT", CalendarHttp.HttpDate(Modified));
    }

    [Theory]
    [InlineData("\"abc\"", null, true)]
    [InlineData("W/\"abc\"", null, true)]
    [InlineData("\"x\", \"abc\"", null, true)]
    [InlineData("*", null, true)]
    [InlineData("\"other\"", null, false)]
    [InlineData("\"other\"", "Sun, 10 Jan 2027 03:15:42 GMT", false)]
    [InlineData(null, "Sun, 10 Jan 2027 03:15:42 GMT", true)]
    [InlineData(null, "Mon, 11 Jan 2027 00:00:00 GMT", true)]
    [InlineData(null, "Sun, 10 Jan 2027 03:15:41 GMT", false)]
    [InlineData(null, "yesterday", false)]
    [InlineData(null, null, false)]
    public void IsNotModified_FollowsRfc9110(string? ifNoneMatch, string? ifModifiedSince, bool expected)
    {
        Assert.Equal(expected, CalendarHttp.IsNotModified(ifNoneMatch, ifModifiedSince, "\"abc\"", Modified));
    }
}
