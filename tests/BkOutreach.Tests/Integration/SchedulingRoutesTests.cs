using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BkOutreach.Core.Scheduling;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using Calendar = Ical.Net.Calendar;
using NodaTime;

namespace BkOutreach.Tests.Integration;

/// <summary>Issue 3 through the local runner: settings routes, feeds, conditional requests, the demo school's slots.</summary>
public sealed class SchedulingRoutesTests : IAsyncLifetime
{
    private const string DemoSchool = "ma-aisyiyah-1-palembang";

    // Saturday 2027-01-09 09:00 WIB: the Genap term starts on the 4th.
    private static readonly DateTimeOffset Clock = new(2027, 1, 9, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Demo = true, Clock = Clock });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task PutSchool_WithManyProblems_Is400ListingEveryOne()
    {
        var response = await _runner.Admin.PutAsync("api/admin/schools/bad-school", Json(new
        {
            name = "",
            timeZone = "Asia/Atlantis",
            latitude = 123.0,
            longitude = 104.7,
            sendingWindow = new { from = "20:00", to = "08:00" },
            terms = new[] { new { name = "T", firstDay = "2027-06-01", lastDay = "2027-01-01" } },
        }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var problems = body.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problems.Count >= 4, string.Join(" | ", problems));
        Assert.Contains(problems, p => p.Contains("timeZone", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(problems, p => p.Contains("latitude", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task PutSchool_WithoutCoordinates_Is400NamingThem_AndStoresNothing()
    {
        // Omitted numbers would read as 0, 0 and put Maghrib hours away from the school's.
        var response = await _runner.Admin.PutAsync("api/admin/schools/no-coordinates", Json(new
        {
            name = "MA Tanpa Koordinat",
            timeZone = "Asia/Jakarta",
            longitude = 104.7,
            terms = new[] { new { name = "2026/2027 Genap", firstDay = "2027-01-04", lastDay = "2027-06-19" } },
        }));
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        var withBoth = await _runner.Admin.PutAsync("api/admin/schools/no-coordinates", Json(new { name = "MA Tanpa Koordinat", timeZone = "Asia/Jakarta", LATITUDE = -2.97, longitude = 104.7 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("latitude: required", Assert.Single(problems), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, withBoth.StatusCode);
    }

    [Fact]
    public async Task AdminRoutes_RefuseAMissingKey()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _runner.Http.PutAsync("api/admin/schools/x", Json(new { name = "x" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _runner.Http.GetAsync($"api/admin/schools/{DemoSchool}/counselors/bk-1")).StatusCode);
    }

    [Fact]
    public async Task PutCounselor_ForUnknownSchool_Is404_AndWrongContentTypeIs415()
    {
        var unknown = await _runner.Admin.PutAsync("api/admin/schools/no-such-school/counselors/bk-9", Json(new { name = "X" }));
        var text = await _runner.Admin.PutAsync($"api/admin/schools/{DemoSchool}/counselors/bk-9", new StringContent("name=X", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
    }

    [Fact]
    public async Task SchoolFeed_IsByteIdentical_AndAnswers304()
    {
        var first = await _runner.Http.GetAsync($"api/calendar/{DemoSchool}/slots.ics");
        var second = await _runner.Http.GetAsync($"api/calendar/{DemoSchool}/slots.ics");
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"api/calendar/{DemoSchool}/slots.ics");
        conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var notModified = await _runner.Http.SendAsync(conditional);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("text/calendar", first.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", first.Content.Headers.ContentType.CharSet);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Null(first.Content.Headers.LastModified);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.GetAsync("api/calendar/no-such-school/slots.ics")).StatusCode);
    }

    [Fact]
    public async Task DemoSlots_AreOnWeekendsOrWeekdayEvenings_AndClearOfJumatanMaghribAndIsya()
    {
        var text = await _runner.Http.GetStringAsync($"api/calendar/{DemoSchool}/slots.ics");
        var calendar = Calendar.Load(text)!;
        var zone = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
        var prayers = new PrayerBlackouts();
        var school = (await _runner.Services.GetRequiredService<BkOutreach.Core.Schools.SchoolDirectory>().GetSchoolAsync(DemoSchool, CancellationToken.None))!;

        Assert.NotEmpty(calendar.Events);
        Assert.Contains("VTIMEZONE", text, StringComparison.Ordinal);
        foreach (var e in calendar.Events)
        {
            var start = Instant.FromDateTimeUtc(e.Start!.AsUtc).InZone(zone).LocalDateTime;
            var end = Instant.FromDateTimeUtc(e.End!.AsUtc).InZone(zone).LocalDateTime;
            var weekend = start.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday;
            Assert.True(weekend || start.TimeOfDay >= new LocalTime(18, 0), $"{start} is neither at a weekend nor in the evening");

            var times = PrayerTimes.For(start.Date, school.Latitude, school.Longitude, zone);
            Assert.False(start.TimeOfDay < times.Isha.TimeOfDay.PlusMinutes(10) && end.TimeOfDay > times.Maghrib.TimeOfDay, $"{start} overlaps Maghrib–Isya");
            if (start.DayOfWeek == IsoDayOfWeek.Friday)
            {
                Assert.False(start.TimeOfDay < new LocalTime(13, 0) && end.TimeOfDay > new LocalTime(11, 30), $"{start} overlaps Jumatan");
            }

            Assert.All(prayers.For(start.Date, school), b => Assert.False(b.Overlaps(start, end), $"{start} overlaps a prayer blackout"));
        }
    }

    [Fact]
    public async Task CounselorFeed_NeedsItsKey_AndRotationRetiresTheOldUrl()
    {
        var counselor = await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{DemoSchool}/counselors/bk-2");
        var feedUrl = new Uri(counselor.GetProperty("feedUrl").GetString()!);

        var withKey = await _runner.Http.GetAsync(feedUrl.PathAndQuery.TrimStart('/'));
        var wrongKey = await _runner.Http.GetAsync($"api/calendar/{DemoSchool}/counselors/bk-2/bookings.ics?key=guess");
        var noKey = await _runner.Http.GetAsync($"api/calendar/{DemoSchool}/counselors/bk-2/bookings.ics");
        var rotated = await _runner.Admin.PostAsync($"api/admin/schools/{DemoSchool}/counselors/bk-2/feed-key", null);
        var oldUrl = await _runner.Http.GetAsync(feedUrl.PathAndQuery.TrimStart('/'));
        var newUrl = new Uri((await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("feedUrl").GetString()!);

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Contains("BEGIN:VCALENDAR", await withKey.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, oldUrl.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _runner.Http.GetAsync(newUrl.PathAndQuery.TrimStart('/'))).StatusCode);
    }

    [Fact]
    public async Task PutCounselor_ChangesTheFeed_AndStoresTheSettings()
    {
        var before = await _runner.Http.GetAsync($"api/calendar/{DemoSchool}/slots.ics");
        var put = await _runner.Admin.PutAsync($"api/admin/schools/{DemoSchool}/counselors/bk-3", Json(new
        {
            name = "Guru; BK, \\Tiga\nX-INJECTED:1",
            email = "bk3@example.sch.id",
            windows = new[] { new { days = new[] { "Sun" }, from = "08:00", to = "10:00", mode = "online" } },
            slotMinutes = 30,
            bufferMinutes = 0,
            seats = 3,
            minimumNoticeHours = 12,
            horizonDays = 14,
        }));
        var after = await _runner.Http.GetStringAsync($"api/calendar/{DemoSchool}/slots.ics");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.NotEqual(before.Headers.ETag!.Tag, (await _runner.Http.GetAsync($"api/calendar/{DemoSchool}/slots.ics")).Headers.ETag!.Tag);
        Assert.DoesNotContain("\r\nX-INJECTED", after, StringComparison.Ordinal);
        var events = Calendar.Load(after)!.Events.Where(e => e.Summary!.Contains("Tiga", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal(DayOfWeek.Sunday, Instant.FromDateTimeUtc(e.Start!.AsUtc).InZone(DateTimeZoneProviders.Tzdb["Asia/Jakarta"]).ToDateTimeUnspecified().DayOfWeek));
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
