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

    private static FeedEvent Slot(int i) => new(
        $"slot-{i}@bkoutreach",
        Modified + Duration.FromHours(i),
        Modified + Duration.FromHours(i) + Duration.FromMinutes(30),
        "Jadwal temu BK",
        "Pesan lewat tautan",
        "MA",
        null,
        FeedEventStatus.Confirmed,
        0,
        Modified) { Transparent = true };

    public static TheoryData<string> EveryField() =>
        ["uid", "start", "end", "summary", "description", "description-null", "location", "url", "status", "sequence", "last-modified", "transparent"];

    [Theory]
    [MemberData(nameof(EveryField))]
    public void Validator_ChangesWithEveryFieldThatChangesTheBytes(string field)
    {
        var zone = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
        var events = Enumerable.Range(0, 5).Select(Slot).ToList();
        var e = events[2];
        events[2] = field switch
        {
            "uid" => e with { Uid = "slot-x@bkoutreach" },
            "start" => e with { Start = e.Start - Duration.FromMinutes(1) },
            "end" => e with { End = e.End + Duration.FromMinutes(1) },
            "summary" => e with { Summary = e.Summary + "!" },
            "description" => e with { Description = "Pesan lewat  tautan" },
            "description-null" => e with { Description = null },
            "location" => e with { Location = "Daring" },
            "url" => e with { Url = new Uri("https://example.test/x") },
            "status" => e with { Status = FeedEventStatus.Cancelled },
            "sequence" => e with { Sequence = 1 },
            "last-modified" => e with { LastModified = e.LastModified + Duration.FromSeconds(1) },
            "transparent" => e with { Transparent = false },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        var original = Enumerable.Range(0, 5).Select(Slot).ToList();

        // The change shows in the bytes, and so in the validator computed without them.
        Assert.NotEqual(CalendarRenderer.RenderFeed("BK", zone, original), CalendarRenderer.RenderFeed("BK", zone, events));
        Assert.NotEqual(CalendarHttp.Validator("BK", zone, original), CalendarHttp.Validator("BK", zone, events));
    }

    [Fact]
    public void Validator_IsTheSameForTheSameEventsInAnyOrder_AndDiffersByNameAndZone()
    {
        var jakarta = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
        var events = Enumerable.Range(0, 20).Select(Slot).ToList();
        var shuffled = events.OrderBy(_ => Random.Shared.Next()).ToList();

        var validator = CalendarHttp.Validator("BK", jakarta, events);

        Assert.Equal(validator, CalendarHttp.Validator("BK", jakarta, shuffled));
        Assert.Matches("^\"[A-Za-z0-9_-]{43}\"$", validator);
        Assert.NotEqual(validator, CalendarHttp.Validator("BK 2", jakarta, events));
        Assert.NotEqual(validator, CalendarHttp.Validator("BK", DateTimeZoneProviders.Tzdb["Asia/Makassar"], events));
        Assert.NotEqual(validator, CalendarHttp.Validator("BK", jakarta, events.Take(19).ToList()));
        Assert.NotEqual(CalendarHttp.Validator("BK", jakarta, []), validator);

        // A field boundary cannot be moved to give the same text: "ab"+"c" is not "a"+"bc".
        var split = Slot(0) with { Summary = "ab", Description = "c" };
        var moved = Slot(0) with { Summary = "a", Description = "bc" };
        Assert.NotEqual(CalendarHttp.Validator("BK", jakarta, [split]), CalendarHttp.Validator("BK", jakarta, [moved]));
    }

    [Fact]
    public void RenderedBodies_KeepsWhatFits_DropsTheLeastRecentlyUsed_AndRendersOnlyOnce()
    {
        var bodies = new RenderedBodies(maxBytes: 300);
        var renders = 0;
        byte[] Render(int size)
        {
            renders++;
            return new byte[size];
        }

        var a = bodies.GetOrAdd("a", () => Render(100));
        Assert.Same(a, bodies.GetOrAdd("a", () => Render(100)));
        bodies.GetOrAdd("b", () => Render(100));
        bodies.GetOrAdd("c", () => Render(100));
        bodies.GetOrAdd("a", () => Render(100)); // a is now the most recent; b the least
        bodies.GetOrAdd("d", () => Render(100)); // 400 > 300: b goes

        Assert.Equal(4, renders);
        Assert.Equal(3, bodies.Count);
        Assert.Same(a, bodies.GetOrAdd("a", () => Render(100)));
        bodies.GetOrAdd("b", () => Render(100));
        Assert.Equal(5, renders);

        // Larger than the whole allowance: answered, not kept.
        bodies.GetOrAdd("huge", () => Render(301));
        bodies.GetOrAdd("huge", () => Render(301));
        Assert.Equal(7, renders);
    }

    [Theory]
    [InlineData("\"abc\"", true)]
    [InlineData("W/\"abc\"", true)]
    [InlineData("\"x\", \"abc\"", true)]
    [InlineData("*", true)]
    [InlineData("\"other\"", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsNotModified_ComparesIfNoneMatchWeakly(string? ifNoneMatch, bool expected)
    {
        Assert.Equal(expected, CalendarHttp.IsNotModified(ifNoneMatch, "\"abc\""));
    }
}
