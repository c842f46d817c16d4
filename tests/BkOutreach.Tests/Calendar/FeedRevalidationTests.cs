using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;
using IcalCalendar = Ical.Net.Calendar;

namespace BkOutreach.Tests.Feeds;

/// <summary>
/// The calendar answers as a subscriber or cache revalidates them through the local runner: a feed whose
/// content changed without any counsellor document changing (a booking, a cancellation) is sent again to a
/// client holding the old ETag or asking If-Modified-Since; HEAD answers like GET without a body; the
/// parent's invite is a PUBLISH that a cancellation supersedes; slot titles read cleanly.
/// </summary>
public sealed class FeedRevalidationTests : IAsyncLifetime
{
    /// <summary>Monday 11 January 2027, 09:00 WIB.</summary>
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    /// <summary>The default policy's first weekend slot: Saturday 16 January 2027, 08:00–08:30 WIB.</summary>
    private const string SaturdaySlot = "bk-1.20270116T0800.30";

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private DateTimeOffset Now => _runner.Services.GetRequiredService<TimeProvider>().GetUtcNow();

    [Fact]
    public async Task SlotsFeed_AfterABooking_AClientWithTheOldValidatorsGetsTheFeedWithoutTheSlot()
    {
        var (school, token) = await OutreachJourney.SchoolWithParentAsync(_runner);
        var url = $"api/calendar/{school}/slots.ics";
        var before = await _runner.Http.GetAsync(url);
        var seen = Now;
        Assert.Contains($"UID:slot-{SaturdaySlot}@bkoutreach", await before.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await BookAsync(token)).StatusCode);
        var sinceSeen = await ConditionalGetAsync(url, ifModifiedSince: seen);
        var oldTag = await ConditionalGetAsync(url, ifNoneMatch: before.Headers.ETag);
        var newTag = await ConditionalGetAsync(url, ifNoneMatch: oldTag.Headers.ETag);

        Assert.Equal(HttpStatusCode.OK, sinceSeen.StatusCode);
        Assert.DoesNotContain($"UID:slot-{SaturdaySlot}@bkoutreach", await sinceSeen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, oldTag.StatusCode);
        Assert.NotEqual(before.Headers.ETag, oldTag.Headers.ETag);
        Assert.Equal(await sinceSeen.Content.ReadAsByteArrayAsync(), await oldTag.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotModified, newTag.StatusCode);
        Assert.Null(before.Content.Headers.LastModified);
    }

    [Fact]
    public async Task BookingsFeed_AfterABookingAndItsCancellation_IsSentAgainEachTime()
    {
        var (school, token) = await OutreachJourney.SchoolWithParentAsync(_runner);
        var url = await FeedPathAsync(school);
        var empty = await _runner.Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.Created, (await BookAsync(token)).StatusCode);
        var seen = Now;
        var booked = await ConditionalGetAsync(url, ifModifiedSince: seen);
        var bookedByTag = await ConditionalGetAsync(url, ifNoneMatch: empty.Headers.ETag);
        Assert.Equal(HttpStatusCode.NoContent, (await _runner.Http.DeleteAsync($"api/links/{token}/booking")).StatusCode);
        var cancelled = await ConditionalGetAsync(url, ifModifiedSince: Now);
        var cancelledByTag = await ConditionalGetAsync(url, ifNoneMatch: booked.Headers.ETag);

        Assert.Empty(IcalCalendar.Load(await empty.Content.ReadAsStringAsync())!.Events);
        Assert.Equal(HttpStatusCode.OK, booked.StatusCode);
        Assert.Equal("CONFIRMED", Assert.Single(IcalCalendar.Load(await booked.Content.ReadAsStringAsync())!.Events).Status);
        Assert.Equal(HttpStatusCode.OK, bookedByTag.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("CANCELLED", Assert.Single(IcalCalendar.Load(await cancelled.Content.ReadAsStringAsync())!.Events).Status);
        Assert.Equal(HttpStatusCode.OK, cancelledByTag.StatusCode);
        Assert.Equal(await cancelled.Content.ReadAsByteArrayAsync(), await cancelledByTag.Content.ReadAsByteArrayAsync());
        Assert.Null(booked.Content.Headers.LastModified);
    }

    [Fact]
    public async Task Head_OnEveryFeedAndTheInvite_AnswersAsGetWithoutABody()
    {
        var (school, token) = await OutreachJourney.SchoolWithParentAsync(_runner);
        var booking = await (await BookAsync(token)).Content.ReadFromJsonAsync<JsonElement>();
        var invite = new Uri(booking.GetProperty("icsUrl").GetString()!).PathAndQuery.TrimStart('/');

        foreach (var url in new[] { $"api/calendar/{school}/slots.ics", await FeedPathAsync(school), invite })
        {
            var get = await _runner.Http.GetAsync(url);
            var head = await _runner.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
            using var conditional = new HttpRequestMessage(HttpMethod.Head, url);
            conditional.Headers.IfNoneMatch.Add(get.Headers.ETag!);
            var notModified = await _runner.Http.SendAsync(conditional);

            Assert.True(HttpStatusCode.OK == head.StatusCode, $"HEAD {url}: {(int)head.StatusCode}");
            Assert.Equal(get.Headers.ETag, head.Headers.ETag);
            Assert.Equal(get.Headers.CacheControl, head.Headers.CacheControl);
            Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
            Assert.Equal(get.Content.Headers.ContentDisposition, head.Content.Headers.ContentDisposition);
            Assert.Equal((await get.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        var unknown = await _runner.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "api/calendar/no-such-school/slots.ics"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Invite_IsAPublishWithoutParticipants_AndACancelledPublishOfTheSameUidOnceCancelled()
    {
        var (_, token) = await OutreachJourney.SchoolWithParentAsync(_runner);
        var booking = await (await BookAsync(token)).Content.ReadFromJsonAsync<JsonElement>();
        var invite = new Uri(booking.GetProperty("icsUrl").GetString()!).PathAndQuery.TrimStart('/');

        var bookedText = await _runner.Http.GetStringAsync(invite);
        Assert.Equal(HttpStatusCode.NoContent, (await _runner.Http.DeleteAsync($"api/links/{token}/booking")).StatusCode);
        var cancelledText = await _runner.Http.GetStringAsync(invite);

        var booked = IcalCalendar.Load(bookedText)!;
        var cancelled = IcalCalendar.Load(cancelledText)!;
        Assert.Equal("PUBLISH", booked.Method);
        Assert.Equal("PUBLISH", cancelled.Method);
        var meeting = Assert.Single(booked.Events);
        var gone = Assert.Single(cancelled.Events);
        Assert.Equal($"booking-{booking.GetProperty("bookingId").GetString()}@bkoutreach", meeting.Uid);
        Assert.Equal(meeting.Uid, gone.Uid);
        Assert.Equal("CONFIRMED", meeting.Status);
        Assert.Equal("CANCELLED", gone.Status);
        Assert.True(gone.Sequence > meeting.Sequence, $"the cancellation's SEQUENCE {gone.Sequence} supersedes {meeting.Sequence}");
        Assert.All(new[] { bookedText, cancelledText }, text =>
        {
            Assert.DoesNotContain("ORGANIZER", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ATTENDEE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("REFRESH-INTERVAL", text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task SlotsFeed_OnlineSlotTitle_NamesTheModeWithoutNestedParentheses()
    {
        var (school, _) = await OutreachJourney.SchoolWithParentAsync(_runner);
        var online = await _runner.Admin.PutAsync($"api/admin/schools/{school}/counselors/bk-2", OutreachJourney.Json(new
        {
            name = "Guru bk-2",
            email = "bk-2@example.sch.id",
            windows = new[] { new { days = new[] { "Mon", "Tue" }, from = "19:30", to = "21:00", mode = "online" } },
        }));
        Assert.Equal(HttpStatusCode.OK, online.StatusCode);

        var feed = IcalCalendar.Load(await _runner.Http.GetStringAsync($"api/calendar/{school}/slots.ics"))!;

        var titles = feed.Events.Where(e => e.Uid!.StartsWith("slot-bk-2.", StringComparison.Ordinal)).Select(e => e.Summary).Distinct().ToList();
        Assert.Equal(["Jadwal temu BK: Guru bk-2 · daring (online)"], titles);
        Assert.Contains(feed.Events, e => e.Summary == "Jadwal temu BK: Guru bk-1 · tatap muka atau daring");
        Assert.DoesNotContain(feed.Events, e => e.Summary!.Contains("((", StringComparison.Ordinal) || e.Summary.Contains("))", StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> ConditionalGetAsync(string url, DateTimeOffset? ifModifiedSince = null, System.Net.Http.Headers.EntityTagHeaderValue? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfModifiedSince = ifModifiedSince;
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(ifNoneMatch);
        }

        return await _runner.Http.SendAsync(request);
    }

    private Task<HttpResponseMessage> BookAsync(string token) =>
        _runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = SaturdaySlot }));

    private async Task<string> FeedPathAsync(string school)
    {
        var counselor = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{school}/counselors/bk-1");
        return new Uri(counselor.GetProperty("feedUrl").GetString()!).PathAndQuery.TrimStart('/');
    }
}
