using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using NodaTime;
using IcalCalendar = Ical.Net.Calendar;

namespace BkOutreach.Core.Calendar;

/// <summary>
/// Renders feeds and invites as RFC 5545 text with Ical.Net. Times are written in the school's zone
/// (DTSTART;TZID=…) with a VTIMEZONE carrying its real offsets, so clients in any zone show the right hour.
/// Nothing depends on the clock: DTSTAMP is each event's LastModified and events are sorted, so the same
/// data gives the same bytes (stable ETags, and no "changed" feed every poll).
/// </summary>
public static class CalendarRenderer
{
    public const string ContentType = "text/calendar; charset=utf-8";
    private const string ProductId = "-//BkOutreach//BkOutreach Scheduling//ID";

    /// <summary>A subscribable feed (METHOD:PUBLISH), e.g. a school's open slots or a counsellor's bookings.</summary>
    public static string RenderFeed(string calendarName, DateTimeZone zone, IEnumerable<FeedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(events);
        var sorted = events.OrderBy(e => e.Start).ThenBy(e => e.Uid, StringComparer.Ordinal).ToList();
        var duplicate = sorted.GroupBy(e => e.Uid, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"UID '{duplicate.Key}' appears twice; every event of a feed needs its own.", nameof(events));
        }

        var calendar = NewCalendar(CalendarMethods.Publish, zone, sorted);
        calendar.AddProperty("X-WR-CALNAME", CalendarText.Clean(calendarName) ?? "");
        calendar.AddProperty("X-WR-TIMEZONE", zone.Id);
        var refresh = new CalendarProperty("REFRESH-INTERVAL", "PT1H");
        refresh.Parameters.Add("VALUE", "DURATION");
        calendar.Properties.Add(refresh);
        calendar.AddProperty("X-PUBLISHED-TTL", "PT1H");
        foreach (var item in sorted)
        {
            calendar.Events.Add(ToEvent(item, zone));
        }

        return Serialize(calendar);
    }

    /// <summary>
    /// One event as a file to add to a calendar, e.g. the parent's "Tambahkan ke kalender" download:
    /// METHOD:PUBLISH with no ORGANIZER or ATTENDEE, so no client takes it for an invitation to answer. A
    /// cancelled event goes out the same way with STATUS:CANCELLED, the same UID and a higher
    /// <see cref="FeedEvent.Sequence"/>, which replaces the copy already added. (RFC 5546 lists ORGANIZER for
    /// PUBLISH as well; like the feeds, and most published calendars, the file leaves it out, as the
    /// counsellor's mailbox is not given to parents, and calendar apps import it as a plain event.)
    /// </summary>
    public static string RenderEvent(FeedEvent item, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(zone);
        var calendar = NewCalendar(CalendarMethods.Publish, zone, [item]);
        calendar.Events.Add(ToEvent(item, zone));
        return Serialize(calendar);
    }

    /// <summary>
    /// A mailed meeting invite (METHOD:REQUEST) for one booking. RFC 5546 §3.2.2 requires an ORGANIZER and
    /// at least one ATTENDEE in a REQUEST, so both are required here; a file to download is <see cref="RenderEvent"/>.
    /// </summary>
    public static string RenderInvite(
        FeedEvent meeting,
        DateTimeZone zone,
        CalendarParticipant organizer,
        IReadOnlyList<CalendarParticipant> attendees) =>
        RenderMessage(CalendarMethods.Request, meeting, zone, organizer, attendees);

    /// <summary>
    /// Cancels a mailed invite (METHOD:CANCEL, STATUS:CANCELLED) — same UID, ORGANIZER and ATTENDEEs as the
    /// invite (RFC 5546 §3.2.5 requires them) and a higher <see cref="FeedEvent.Sequence"/>, which the caller
    /// raises. Feeds and downloads cancel by keeping the event with STATUS:CANCELLED instead.
    /// </summary>
    public static string RenderCancellation(
        FeedEvent meeting,
        DateTimeZone zone,
        CalendarParticipant organizer,
        IReadOnlyList<CalendarParticipant> attendees)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        return RenderMessage(CalendarMethods.Cancel, meeting with { Status = FeedEventStatus.Cancelled }, zone, organizer, attendees);
    }

    private static string RenderMessage(
        string method,
        FeedEvent meeting,
        DateTimeZone zone,
        CalendarParticipant organizer,
        IReadOnlyList<CalendarParticipant> attendees)
    {
        ArgumentNullException.ThrowIfNull(meeting);
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(organizer);
        ArgumentNullException.ThrowIfNull(attendees);
        if (attendees.Count == 0)
        {
            throw new ArgumentException($"METHOD:{method} needs at least one ATTENDEE (RFC 5546).", nameof(attendees));
        }

        var calendar = NewCalendar(method, zone, [meeting]);
        var item = ToEvent(meeting, zone);
        item.Organizer = new Organizer(MailTo(organizer.Email)) { CommonName = CalendarText.CleanParameter(organizer.Name) };
        foreach (var attendee in attendees)
        {
            item.Attendees.Add(new Attendee(MailTo(attendee.Email))
            {
                CommonName = CalendarText.CleanParameter(attendee.Name),
                Role = ParticipationRole.RequiredParticipant,
                ParticipationStatus = method == CalendarMethods.Cancel ? null : EventParticipationStatus.NeedsAction,
            });
        }

        calendar.Events.Add(item);
        return Serialize(calendar);
    }

    private static IcalCalendar NewCalendar(string method, DateTimeZone zone, IReadOnlyList<FeedEvent> events)
    {
        var calendar = new IcalCalendar { ProductId = ProductId, Method = method };
        calendar.AddProperty("CALSCALE", "GREGORIAN");

        // Ical.Net writes the zone's rules from this date on; taking it from the data (not the clock)
        // keeps the VTIMEZONE, and so the bytes, the same for the same events.
        var earliest = events.Count == 0 ? Instant.FromUtc(2020, 1, 1, 0, 0) : events.Min(e => e.Start);
        calendar.AddTimeZone(zone.Id, earliest.InZone(zone).LocalDateTime.ToDateTimeUnspecified(), false);
        return calendar;
    }

    private static CalendarEvent ToEvent(FeedEvent item, DateTimeZone zone)
    {
        if (!CalendarText.IsSingleLine(item.Uid) || item.Uid.Length > 255)
        {
            throw new ArgumentException($"UID '{item.Uid}' must be 1–255 printable characters on one line.", nameof(item));
        }

        if (item.End <= item.Start)
        {
            throw new ArgumentException($"Event '{item.Uid}' ends before it starts.", nameof(item));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(item.Sequence);
        var stamp = new CalDateTime(item.LastModified.ToDateTimeUtc(), true);
        return new CalendarEvent
        {
            Uid = item.Uid,
            DtStamp = stamp,
            LastModified = stamp,
            DtStart = Local(item.Start, zone),
            DtEnd = Local(item.End, zone),
            Summary = CalendarText.Clean(item.Summary),
            Description = CalendarText.Clean(item.Description),
            Location = CalendarText.Clean(item.Location),
            Url = item.Url,
            Status = item.Status switch
            {
                FeedEventStatus.Confirmed => EventStatus.Confirmed,
                FeedEventStatus.Tentative => EventStatus.Tentative,
                FeedEventStatus.Cancelled => EventStatus.Cancelled,
                _ => throw new ArgumentOutOfRangeException(nameof(item), item.Status, "Unknown status."),
            },
            Sequence = item.Sequence,
            Transparency = item.Transparent ? TransparencyType.Transparent : TransparencyType.Opaque,
        };
    }

    private static CalDateTime Local(Instant instant, DateTimeZone zone)
    {
        var local = instant.InZone(zone).LocalDateTime;
        return new CalDateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, local.Second, zone.Id);
    }

    private static string MailTo(string email)
    {
        if (!CalendarText.IsSingleLine(email) || email.Any(c => c is ' ' or '"' or ';' or ':' or ','))
        {
            throw new ArgumentException($"'{email}' is not a mailbox for ORGANIZER/ATTENDEE.", nameof(email));
        }

        return "mailto:" + email;
    }

    private static string Serialize(IcalCalendar calendar) =>
        CalendarText.Refold(new CalendarSerializer().SerializeToString(calendar) ?? "");
}
