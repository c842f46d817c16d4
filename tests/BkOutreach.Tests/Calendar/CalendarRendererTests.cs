using System.Text;
using BkOutreach.Core.Calendar;
using NodaTime;
using Xunit.Abstractions;
using IcalCalendar = Ical.Net.Calendar;

namespace BkOutreach.Tests.Feeds;

public sealed class CalendarRendererTests(ITestOutputHelper output)
{
    private static readonly DateTimeZone Wib = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
    private static readonly Instant Edited = Instant.FromUtc(2027, 1, 10, 3, 15, 42);

    /// <summary>A name that tries every way out of a TEXT value.</summary>
    private const string Hostile = "Siti, \"Ibu\"; Aminah\\ \nEND:VEVENT\r\nBEGIN:VEVENT\rX-EVIL:1\u2028ATTENDEE:mailto:x@evil.example\0";

    private static FeedEvent Slot(string uid, int day, int hour, int minute = 0) => new(
        uid,
        Instant.FromUtc(2027, 1, day, hour - 7, minute),
        Instant.FromUtc(2027, 1, day, hour - 7, minute + 30),
        "Slot BK tersedia",
        "Pertemuan dengan guru BK",
        "Ruang BK",
        new Uri("https://bk.example/api/b/abc?slot=" + uid),
        FeedEventStatus.Confirmed,
        0,
        Edited);

    private static IReadOnlyList<FeedEvent> SomeSlots() =>
        [Slot("bk-1.20270116T0800.30@bkoutreach", 16, 8), Slot("bk-2.20270116T0800.30@bkoutreach", 16, 8), Slot("bk-1.20270112T2010.30@bkoutreach", 12, 20, 10)];

    private static IReadOnlyList<string> Unfolded(string text) =>
        text.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Feed_SameDataInAnyOrder_IsByteIdenticalWithTheSameETag()
    {
        var first = CalendarRenderer.RenderFeed("Slot BK", Wib, SomeSlots());
        var second = CalendarRenderer.RenderFeed("Slot BK", Wib, SomeSlots().Reverse());
        var edited = CalendarRenderer.RenderFeed("Slot BK", Wib, SomeSlots().Select((e, i) => i == 0 ? e with { Sequence = 1, LastModified = Edited + Duration.FromMinutes(1) } : e));
        output.WriteLine(first);

        Assert.Equal(CalendarHttp.Encode(first), CalendarHttp.Encode(second));
        Assert.Equal(CalendarHttp.ETag(CalendarHttp.Encode(first)), CalendarHttp.ETag(CalendarHttp.Encode(second)));
        Assert.NotEqual(CalendarHttp.ETag(CalendarHttp.Encode(first)), CalendarHttp.ETag(CalendarHttp.Encode(edited)));
        Assert.Equal(
            ["bk-1.20270112T2010.30@bkoutreach", "bk-1.20270116T0800.30@bkoutreach", "bk-2.20270116T0800.30@bkoutreach"],
            Unfolded(first).Where(l => l.StartsWith("UID:", StringComparison.Ordinal)).Select(l => l[4..]));
    }

    [Fact]
    public void Feed_CarriesCalendarPropertiesForSubscribers()
    {
        var text = CalendarRenderer.RenderFeed("Slot BK MA Aisyiyah 1", Wib, SomeSlots());
        var lines = Unfolded(text);

        var calendar = IcalCalendar.Load(text)!;

        Assert.Equal("PUBLISH", calendar.Method);
        Assert.Equal("Slot BK MA Aisyiyah 1", calendar.Properties["X-WR-CALNAME"]!.Value);
        Assert.Contains("X-WR-TIMEZONE:Asia/Jakarta", lines);
        Assert.Contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H", lines);
        Assert.Contains("X-PUBLISHED-TTL:PT1H", lines);
        Assert.Contains("VERSION:2.0", lines);
        Assert.Single(lines, l => l.StartsWith("PRODID:", StringComparison.Ordinal));
        Assert.Equal(3, calendar.Events.Count);
        Assert.Equal("BEGIN:VCALENDAR", lines[0]);
        Assert.Equal("END:VCALENDAR", lines[^1]);
    }

    [Theory]
    [InlineData("Asia/Jakarta", "+0700")]
    [InlineData("Asia/Makassar", "+0800")]
    [InlineData("Asia/Jayapura", "+0900")]
    public void Feed_VTimezone_HasTheZonesRealOffset_AndTimesRoundTrip(string zoneId, string offset)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var slot = Slot("one@bkoutreach", 16, 8);

        var text = CalendarRenderer.RenderFeed("Slot", zone, [slot]);
        var lines = Unfolded(text);
        var calendar = IcalCalendar.Load(text)!;

        var timezone = Assert.Single(calendar.TimeZones);
        Assert.Equal(zoneId, timezone.TzId);
        Assert.NotEmpty(timezone.TimeZoneInfos);
        Assert.Contains($"TZOFFSETTO:{offset}", lines);
        var item = Assert.Single(calendar.Events);
        Assert.Equal(zoneId, item.DtStart!.TzId);
        Assert.Equal(slot.Start.ToDateTimeUtc(), item.DtStart.AsUtc);
        Assert.Equal(slot.End.ToDateTimeUtc(), item.DtEnd!.AsUtc);
        var local = slot.Start.InZone(zone).LocalDateTime;
        Assert.Contains($"DTSTART;TZID={zoneId}:{local:yyyyMMdd'T'HHmmss}", lines);
    }

    [Fact]
    public void Feed_EventFields_RoundTripThroughIcalNet()
    {
        var slot = Slot("uid-1@bkoutreach", 16, 8) with { Sequence = 4, Status = FeedEventStatus.Tentative, Transparent = true };

        var item = Assert.Single(IcalCalendar.Load(CalendarRenderer.RenderFeed("Slot", Wib, [slot]))!.Events);

        Assert.Equal("uid-1@bkoutreach", item.Uid);
        Assert.Equal("Slot BK tersedia", item.Summary);
        Assert.Equal("Pertemuan dengan guru BK", item.Description);
        Assert.Equal("Ruang BK", item.Location);
        Assert.Equal(slot.Url, item.Url);
        Assert.Equal("TENTATIVE", item.Status);
        Assert.Equal(4, item.Sequence);
        Assert.Equal("TRANSPARENT", item.Transparency);
        Assert.Equal(Edited.ToDateTimeUtc(), item.DtStamp!.AsUtc);
        Assert.Equal(Edited.ToDateTimeUtc(), item.LastModified!.AsUtc);
    }

    [Fact]
    public void Feed_CancelledBooking_StaysWithStatusCancelledAndRaisedSequence()
    {
        var booked = Slot("booking-7@bkoutreach", 16, 8) with { Summary = "Pertemuan BK", Sequence = 0 };
        var cancelled = booked with { Status = FeedEventStatus.Cancelled, Sequence = 1, LastModified = Edited + Duration.FromHours(2) };

        var before = Assert.Single(IcalCalendar.Load(CalendarRenderer.RenderFeed("BK", Wib, [booked]))!.Events);
        var after = Assert.Single(IcalCalendar.Load(CalendarRenderer.RenderFeed("BK", Wib, [cancelled]))!.Events);

        Assert.Equal(before.Uid, after.Uid);
        Assert.Equal("CONFIRMED", before.Status);
        Assert.Equal("CANCELLED", after.Status);
        Assert.True(after.Sequence > before.Sequence);
        Assert.True(after.DtStamp!.AsUtc > before.DtStamp!.AsUtc);
    }

    [Fact]
    public void Feed_HostileTextEverywhere_StaysInsideItsValues()
    {
        var slot = Slot("uid-1@bkoutreach", 16, 8) with { Summary = Hostile, Description = Hostile, Location = Hostile };

        var text = CalendarRenderer.RenderFeed(Hostile, Wib, [slot]);
        output.WriteLine(text);
        var calendar = IcalCalendar.Load(text)!;
        var lines = Unfolded(text);

        var item = Assert.Single(calendar.Events);
        var expected = "Siti, \"Ibu\"; Aminah\\ \nEND:VEVENT\nBEGIN:VEVENT\nX-EVIL:1\nATTENDEE:mailto:x@evil.example";
        Assert.Equal(expected, item.Summary);
        Assert.Equal(expected, item.Description);
        Assert.Equal(expected, item.Location);
        Assert.Equal(expected, calendar.Properties["X-WR-CALNAME"]!.Value);
        Assert.Empty(item.Attendees);
        Assert.DoesNotContain(calendar.Properties, p => p.Name == "X-EVIL");
        Assert.DoesNotContain(item.Properties, p => p.Name == "X-EVIL");
        AssertOnlyKnownLines(lines);
        Assert.Single(lines, l => l == "BEGIN:VEVENT");
        Assert.Single(lines, l => l == "END:VEVENT");
        Assert.DoesNotContain('\0', text);
    }

    [Fact]
    public void Invite_HostileNamesInOrganizerAndAttendee_CannotAddProperties()
    {
        var meeting = Slot("booking-9@bkoutreach", 16, 8) with { Summary = "Pertemuan BK" };

        var text = CalendarRenderer.RenderInvite(
            meeting,
            Wib,
            new CalendarParticipant("rahmawati@school.example", Hostile),
            [new CalendarParticipant("parent@example.com", Hostile)]);
        var calendar = IcalCalendar.Load(text)!;
        var lines = Unfolded(text);

        var item = Assert.Single(calendar.Events);
        var attendee = Assert.Single(item.Attendees);
        Assert.Equal(new Uri("mailto:parent@example.com"), attendee.Value);
        Assert.Equal(new Uri("mailto:rahmawati@school.example"), item.Organizer!.Value);
        Assert.DoesNotContain('"', attendee.CommonName!);
        Assert.DoesNotContain('\n', attendee.CommonName!);
        Assert.StartsWith("Siti, ", item.Organizer.CommonName, StringComparison.Ordinal);
        AssertOnlyKnownLines(lines);
        Assert.Single(lines, l => l.StartsWith("ATTENDEE", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("ORGANIZER", StringComparison.Ordinal));
    }

    [Fact]
    public void Invite_IsARequestForOneEvent_AndCancellationCancelsTheSameUid()
    {
        var meeting = Slot("booking-9@bkoutreach", 16, 8) with { Summary = "Pertemuan BK", Sequence = 2 };
        var organizer = new CalendarParticipant("rahmawati@school.example", "Rahmawati Yusuf, S.Pd.");

        CalendarParticipant[] parent = [new("parent@example.com", "Siti Aminah")];
        var invite = IcalCalendar.Load(CalendarRenderer.RenderInvite(meeting, Wib, organizer, parent))!;
        var cancelText = CalendarRenderer.RenderCancellation(meeting with { Sequence = 3 }, Wib, organizer, parent);
        var cancel = IcalCalendar.Load(cancelText)!;

        Assert.Equal("REQUEST", invite.Method);
        var invited = Assert.Single(invite.Events);
        Assert.Equal("CONFIRMED", invited.Status);
        Assert.Equal("Rahmawati Yusuf, S.Pd.", invited.Organizer!.CommonName);
        Assert.Equal("NEEDS-ACTION", Assert.Single(invited.Attendees).ParticipationStatus);
        Assert.Throws<ArgumentException>(() => CalendarRenderer.RenderInvite(meeting, Wib, organizer, []));
        Assert.Throws<ArgumentException>(() => CalendarRenderer.RenderCancellation(meeting, Wib, organizer, []));
        Assert.Equal("CANCEL", cancel.Method);
        Assert.Single(Assert.Single(cancel.Events).Attendees);
        var cancelled = Assert.Single(cancel.Events);
        Assert.Equal(invited.Uid, cancelled.Uid);
        Assert.Equal("CANCELLED", cancelled.Status);
        Assert.Equal(3, cancelled.Sequence);
        Assert.Single(cancel.TimeZones);
        Assert.Contains("METHOD:CANCEL", Unfolded(cancelText));
    }

    [Fact]
    public void Download_IsAPublishOfOneEventWithoutParticipants_AndItsCancellationKeepsTheUid()
    {
        var meeting = Slot("booking-9@bkoutreach", 16, 8) with { Summary = "Pertemuan BK", Sequence = 1 };

        var text = CalendarRenderer.RenderEvent(meeting, Wib);
        var cancelledText = CalendarRenderer.RenderEvent(meeting with { Status = FeedEventStatus.Cancelled, Sequence = 2 }, Wib);
        var added = IcalCalendar.Load(text)!;
        var cancelled = IcalCalendar.Load(cancelledText)!;

        Assert.Equal("PUBLISH", added.Method);
        Assert.Equal("PUBLISH", cancelled.Method);
        var item = Assert.Single(added.Events);
        var gone = Assert.Single(cancelled.Events);
        Assert.Equal("CONFIRMED", item.Status);
        Assert.Equal("CANCELLED", gone.Status);
        Assert.Equal(item.Uid, gone.Uid);
        Assert.Equal(2, gone.Sequence);
        Assert.Single(added.TimeZones);
        Assert.All(Unfolded(text).Concat(Unfolded(cancelledText)), line =>
            Assert.False(line.StartsWith("ORGANIZER", StringComparison.Ordinal) || line.StartsWith("ATTENDEE", StringComparison.Ordinal) || line.StartsWith("REFRESH-INTERVAL", StringComparison.Ordinal), line));
        AssertOnlyKnownLines(Unfolded(text));
    }

    [Fact]
    public void Output_FoldsAt75OctetsWithoutCuttingCharacters()
    {
        var longText = string.Concat(Enumerable.Repeat("Bimbingan dan Konseling é 😀 👨‍👩‍👧 ", 12));
        var slot = Slot("uid-1@bkoutreach", 16, 8) with { Description = longText };

        var text = CalendarRenderer.RenderFeed("BK", Wib, [slot]);
        var bytes = CalendarHttp.Encode(text);

        Assert.Equal(text, new UTF8Encoding(false, true).GetString(bytes));
        Assert.DoesNotContain("\n", text.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.All(text.Split("\r\n"), line => Assert.True(Encoding.UTF8.GetByteCount(line) <= 75, $"{Encoding.UTF8.GetByteCount(line)} octets: {line}"));
        Assert.DoesNotContain('\uFFFD', text);
        Assert.Equal(longText, Assert.Single(IcalCalendar.Load(text)!.Events).Description);
    }

    [Fact]
    public void Feed_Refuses_DuplicateUidsAndBrokenEvents()
    {
        Assert.Throws<ArgumentException>(() => CalendarRenderer.RenderFeed("BK", Wib, [Slot("same", 16, 8), Slot("same", 17, 8)]));
        Assert.Throws<ArgumentException>(() => CalendarRenderer.RenderFeed("BK", Wib, [Slot("bad\nUID:x", 16, 8)]));
        var slot = Slot("ok", 16, 8);
        Assert.Throws<ArgumentException>(() => CalendarRenderer.RenderFeed("BK", Wib, [slot with { End = slot.Start }]));
        Assert.Throws<ArgumentException>(() => CalendarRenderer.RenderInvite(slot, Wib, new CalendarParticipant("a@b.c\r\nX-EVIL:1"), [new CalendarParticipant("parent@example.com")]));
    }

    [Fact]
    public void Feed_WithoutEvents_IsStillAValidCalendar()
    {
        var text = CalendarRenderer.RenderFeed("Kosong", Wib, []);

        var calendar = IcalCalendar.Load(text)!;

        Assert.Empty(calendar.Events);
        Assert.Single(calendar.TimeZones);
        Assert.Equal(text, CalendarRenderer.RenderFeed("Kosong", Wib, []));
    }

    private static void AssertOnlyKnownLines(IEnumerable<string> lines)
    {
        string[] known =
        [
            "BEGIN", "END", "VERSION", "PRODID", "METHOD", "CALSCALE", "X-WR-CALNAME", "X-WR-TIMEZONE", "REFRESH-INTERVAL",
            "X-PUBLISHED-TTL", "TZID", "X-LIC-LOCATION", "DTSTART", "DTEND", "RRULE", "TZNAME", "TZOFFSETFROM", "TZOFFSETTO",
            "UID", "DTSTAMP", "LAST-MODIFIED", "SUMMARY", "DESCRIPTION", "LOCATION", "URL", "STATUS", "SEQUENCE", "TRANSP",
            "ORGANIZER", "ATTENDEE",
        ];
        foreach (var line in lines)
        {
            var name = line[..line.IndexOfAny([':', ';'])];
            Assert.Contains(name, known);
        }
    }
}
