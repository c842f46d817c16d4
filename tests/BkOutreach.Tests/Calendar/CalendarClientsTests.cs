using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.Feeds;

/// <summary>
/// The school's open-slot feed and a parent's invite as calendar software reads them: the npm parser
/// ical.js (tests/node/ical-events.mjs), which resolves times through the file's own VTIMEZONE, and
/// Debian's khal, which imports the feed into a calendar folder and lists it.
/// </summary>
public sealed partial class CalendarClientsTests : IAsyncLifetime
{
    /// <summary>Monday 11 January 2027, 09:00 WIB.</summary>
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    /// <summary>The default policy's first weekend slot: Saturday 16 January 2027, 08:00–08:30 WIB.</summary>
    private const string SaturdaySlot = "bk-1.20270116T0800.30";

    private TestRunner _runner = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        await SystemPrograms.EnsureInstalledAsync();
        _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });
        _folder = Directory.CreateTempSubdirectory("bk-calendar-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _runner.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task SchoolFeed_ParsedByIcalJs_HasTheOpenSlotsAtTheirJakartaTimes()
    {
        var (school, token) = await OutreachJourney.SchoolWithParentAsync(_runner);
        var slots = await _runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots");

        var feed = await ParseAsync(await _runner.Http.GetStringAsync($"api/calendar/{school}/slots.ics"), "feed.ics");

        Assert.Equal("PUBLISH", feed.GetProperty("method").GetString());
        Assert.Equal(["Asia/Jakarta"], feed.GetProperty("timezones").EnumerateArray().Select(z => z.GetString()));
        var events = feed.GetProperty("events").EnumerateArray().ToDictionary(e => e.GetProperty("uid").GetString()!);
        Assert.NotEmpty(slots.EnumerateArray());
        foreach (var slot in slots.EnumerateArray())
        {
            var uid = $"slot-{slot.GetProperty("id").GetString()}@bkoutreach";
            Assert.True(events.TryGetValue(uid, out var e), $"{uid} is in the feed");
            AssertTime(slot.GetProperty("start").GetString()!, e.GetProperty("start"));
            AssertTime(slot.GetProperty("end").GetString()!, e.GetProperty("end"));
            Assert.Equal("CONFIRMED", e.GetProperty("status").GetString());
        }

        var saturday = events[$"slot-{SaturdaySlot}@bkoutreach"];
        Assert.Equal("2027-01-16T08:00:00", saturday.GetProperty("start").GetProperty("local").GetString());
        Assert.Equal("2027-01-16T01:00:00.000Z", saturday.GetProperty("start").GetProperty("utc").GetString());
        Assert.Equal("2027-01-16T08:30:00", saturday.GetProperty("end").GetProperty("local").GetString());
        Assert.StartsWith("Jadwal temu BK: Guru bk-1", saturday.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.All(events.Values, e =>
        {
            Assert.Equal("Asia/Jakarta", e.GetProperty("start").GetProperty("zone").GetString());
            Assert.Equal(420, e.GetProperty("start").GetProperty("offsetMinutes").GetInt32());
            var start = DateTime.Parse(e.GetProperty("start").GetProperty("local").GetString()!, CultureInfo.InvariantCulture);
            Assert.True(start.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday || start.Hour >= 18, $"{e.GetProperty("uid")} at {start:ddd HH:mm} is on a weekend or a weekday evening");
        });
    }

    [Fact]
    public async Task BookingInvite_ParsedByIcalJs_IsAPublishAtTheSlotsJakartaTime_AndCancelledOnceCancelled()
    {
        var (school, token) = await OutreachJourney.SchoolWithParentAsync(_runner);
        var booked = await _runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = SaturdaySlot }));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var booking = await booked.Content.ReadFromJsonAsync<JsonElement>();
        var icsUrl = booking.GetProperty("icsUrl").GetString()!;
        var uid = $"booking-{booking.GetProperty("bookingId").GetString()}@bkoutreach";

        var invite = await ParseAsync(await _runner.Http.GetStringAsync(icsUrl), "invite.ics");
        var feedAfter = await ParseAsync(await _runner.Http.GetStringAsync($"api/calendar/{school}/slots.ics"), "feed-after.ics");
        Assert.Equal(HttpStatusCode.NoContent, (await _runner.Http.DeleteAsync($"api/links/{token}/booking")).StatusCode);
        var cancelled = await ParseAsync(await _runner.Http.GetStringAsync(icsUrl), "cancel.ics");

        Assert.Equal("PUBLISH", invite.GetProperty("method").GetString());
        var meeting = Assert.Single(invite.GetProperty("events").EnumerateArray());
        Assert.Equal(uid, meeting.GetProperty("uid").GetString());
        Assert.Equal("CONFIRMED", meeting.GetProperty("status").GetString());
        Assert.Equal("Asia/Jakarta", meeting.GetProperty("start").GetProperty("zone").GetString());
        Assert.Equal("2027-01-16T08:00:00", meeting.GetProperty("start").GetProperty("local").GetString());
        Assert.Equal("2027-01-16T01:00:00.000Z", meeting.GetProperty("start").GetProperty("utc").GetString());
        Assert.Equal("2027-01-16T08:30:00", meeting.GetProperty("end").GetProperty("local").GetString());
        Assert.Equal("2027-01-16T01:30:00.000Z", meeting.GetProperty("end").GetProperty("utc").GetString());
        Assert.DoesNotContain(feedAfter.GetProperty("events").EnumerateArray(), e =>
            e.GetProperty("uid").GetString() == $"slot-{SaturdaySlot}@bkoutreach" && e.GetProperty("status").GetString() == "CONFIRMED");

        Assert.Equal("PUBLISH", cancelled.GetProperty("method").GetString());
        var gone = Assert.Single(cancelled.GetProperty("events").EnumerateArray());
        Assert.Equal(uid, gone.GetProperty("uid").GetString());
        Assert.Equal("CANCELLED", gone.GetProperty("status").GetString());
        Assert.True(gone.GetProperty("sequence").GetInt32() > meeting.GetProperty("sequence").GetInt32(), "the cancellation supersedes the invite");
        Assert.Equal("2027-01-16T08:00:00", gone.GetProperty("start").GetProperty("local").GetString());
    }

    [Fact]
    public async Task SchoolFeed_ImportsIntoKhal_WithoutErrors_AndListsTheSlotsInJakartaAndUtc()
    {
        var (school, token) = await OutreachJourney.SchoolWithParentAsync(_runner);
        var slots = await _runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots");
        var feed = await _runner.Http.GetStringAsync($"api/calendar/{school}/slots.ics");
        var feedFile = Path.Combine(_folder, "slots.ics");
        await File.WriteAllTextAsync(feedFile, feed);
        var jakarta = await KhalConfigAsync("jakarta", "Asia/Jakarta");
        var utc = await KhalConfigAsync("utc", "UTC");

        var import = await KhalAsync(jakarta, "import", "--batch", "-a", "sekolah", feedFile);
        var listed = await KhalAsync(jakarta, "list", "--format", "{start-date} {start-time}-{end-time} {title}", "--day-format", "", "2027-01-16", "1d");
        var listedUtc = await KhalAsync(utc, "list", "--format", "{start-date} {start-time}-{end-time} {title}", "--day-format", "", "2027-01-16", "1d");

        Assert.True(import.ExitCode == 0 && !ErrorOrWarning().IsMatch(import.Stderr + import.Stdout), $"khal import: exit {import.ExitCode}\n{import.Stdout}\n{import.Stderr}");
        Assert.Equal(EventCount().Count(feed), Directory.GetFiles(Path.Combine(_folder, "sekolah"), "*.ics").Length);
        var lines = listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var expected = slots.EnumerateArray()
            .Select(s => (Start: DateTimeOffset.Parse(s.GetProperty("start").GetString()!, CultureInfo.InvariantCulture), End: DateTimeOffset.Parse(s.GetProperty("end").GetString()!, CultureInfo.InvariantCulture)))
            .Where(s => s.Start.Date == new DateTime(2027, 1, 16, 0, 0, 0, DateTimeKind.Unspecified))
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"2027-01-16 {s.Start:HH:mm}-{s.End:HH:mm} Jadwal temu BK: Guru bk-1"))
            .ToList();
        Assert.NotEmpty(expected);
        Assert.All(expected, e => Assert.Contains(lines, l => l.StartsWith(e, StringComparison.Ordinal)));
        Assert.Equal(Regex.Count(feed, "DTSTART;TZID=Asia/Jakarta:20270116T"), lines.Length);
        Assert.Contains(listedUtc.Stdout.Split('\n'), l => l.StartsWith("2027-01-16 01:00-01:30 Jadwal temu BK: Guru bk-1", StringComparison.Ordinal));
        Assert.DoesNotContain(listedUtc.Stdout.Split('\n'), l => l.StartsWith("2027-01-16 08:00-08:30", StringComparison.Ordinal));
    }

    private async Task<JsonElement> ParseAsync(string ics, string fileName)
    {
        var path = Path.Combine(_folder, fileName);
        await File.WriteAllTextAsync(path, ics);
        using var json = JsonDocument.Parse(await NodeTools.RunScriptAsync("ical-events.mjs", path));
        return json.RootElement.Clone();
    }

    /// <summary>The API's ISO time with offset and ical.js's reading of the feed name the same wall time and instant.</summary>
    private static void AssertTime(string iso, JsonElement parsed)
    {
        var expected = DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(7), expected.Offset);
        Assert.Equal(expected.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), parsed.GetProperty("local").GetString());
        Assert.Equal(expected.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), parsed.GetProperty("utc").GetString());
    }

    /// <summary>A khal configuration with one calendar folder (shared by both configs) and its own cache database.</summary>
    private async Task<string> KhalConfigAsync(string name, string zone)
    {
        Directory.CreateDirectory(Path.Combine(_folder, "sekolah"));
        var config = Path.Combine(_folder, $"khal-{name}.conf");
        await File.WriteAllTextAsync(config, $"""
            [calendars]
            [[sekolah]]
            path = {Path.Combine(_folder, "sekolah")}
            type = calendar

            [locale]
            local_timezone = {zone}
            default_timezone = {zone}
            timeformat = %H:%M
            dateformat = %Y-%m-%d
            longdateformat = %Y-%m-%d
            datetimeformat = %Y-%m-%d %H:%M
            longdatetimeformat = %Y-%m-%d %H:%M

            [default]
            default_calendar = sekolah

            [sqlite]
            path = {Path.Combine(_folder, $"khal-{name}.db")}

            """);
        return config;
    }

    private async Task<ProgramResult> KhalAsync(string config, params string[] arguments)
    {
        var result = await ExternalProgram.RunAsync("khal", ["-c", config, .. arguments], _folder, new Dictionary<string, string>
        {
            ["XDG_CONFIG_HOME"] = _folder,
            ["XDG_DATA_HOME"] = _folder,
            ["LC_ALL"] = "C.UTF-8",
        });
        Assert.True(result.ExitCode == 0, $"khal {string.Join(' ', arguments)}: exit {result.ExitCode}\n{result.Stderr}");
        return result;
    }

    [GeneratedRegex("error|warning|traceback", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorOrWarning();

    [GeneratedRegex("^BEGIN:VEVENT", RegexOptions.Multiline)]
    private static partial Regex EventCount();
}
