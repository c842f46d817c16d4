using System.Security.Cryptography;
using System.Text;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Calendar;

/// <summary>
/// A feed ready to answer: its ETag, known before rendering, and the exact bytes, rendered only when
/// <see cref="Body"/> is first read, so a 304 costs no rendering. No Last-Modified: see <see cref="CalendarHttp"/>.
/// </summary>
public sealed class RenderedFeed
{
    private readonly Lazy<byte[]> _body;

    public RenderedFeed(byte[] body, string etag)
        : this(() => body, etag)
    {
    }

    public RenderedFeed(Func<byte[]> render, string etag)
    {
        _body = new Lazy<byte[]>(render);
        ETag = etag;
    }

    public string ETag { get; }

    public byte[] Body => _body.Value;
}

/// <summary>The public open-slot feed of a school and the private booked-meetings feed of each counsellor.</summary>
public sealed class CalendarFeeds(SlotService slots, SchoolDirectory directory, BookingStore bookings)
{
    public const string UidDomain = "bkoutreach";

    private readonly RenderedBodies _rendered = new(maxBytes: 32 * 1024 * 1024);

    /// <summary>Open slots of every counsellor; null for an unknown school.</summary>
    public async Task<RenderedFeed?> SchoolSlotsAsync(string schoolId, CancellationToken cancellationToken)
    {
        var found = await slots.SchoolSlotsAsync(schoolId, cancellationToken);
        if (found is null)
        {
            return null;
        }

        var zone = DateTimeZoneProviders.Tzdb[found.School.TimeZone];
        var events = found.Slots.Select(s => SlotEvent(found.School, s.Counselor, s.Slot)).ToList();
        return Render($"Jadwal temu BK · {found.School.Name}", zone, events);
    }

    /// <summary>Booked meetings of one counsellor, cancelled ones kept as CANCELLED; null for an unknown counsellor or a wrong key.</summary>
    public async Task<RenderedFeed?> CounselorBookingsAsync(string schoolId, string counselorId, string? key, CancellationToken cancellationToken)
    {
        var expected = await directory.GetFeedKeyAsync(schoolId, counselorId, cancellationToken);
        if (expected is null || key is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(key)))
        {
            return null;
        }

        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        var counselor = await directory.GetCounselorAsync(schoolId, counselorId, cancellationToken);
        if (school is null || counselor is null)
        {
            return null;
        }

        var guardians = new Dictionary<string, Guardian?>(StringComparer.Ordinal);
        var events = new List<FeedEvent>();
        foreach (var booking in await bookings.ListAsync(schoolId, counselorId, cancellationToken))
        {
            if (!guardians.TryGetValue(booking.GuardianId, out var guardian))
            {
                guardian = guardians[booking.GuardianId] = await directory.GetGuardianAsync(schoolId, booking.GuardianId, cancellationToken);
            }

            events.Add(BookingEvent(school, booking, guardian, counselor.MeetingUrl));
        }

        return Render($"Pertemuan BK · {counselor.Name}", DateTimeZoneProviders.Tzdb[school.TimeZone], events);
    }

    /// <summary>One booking as the VEVENT every calendar sees: feed, invite and cancellation share UID and SEQUENCE.</summary>
    /// <param name="meetingUrl">The counsellor's fixed online-meeting link: written into an online meeting's description and URL.</param>
    public static FeedEvent BookingEvent(SchoolSettings school, Booking.Booking booking, Guardian? guardian, string? meetingUrl = null)
    {
        var students = guardian?.Students.Where(s => booking.StudentIds.Count == 0 || booking.StudentIds.Contains(s.Id)).ToList() ?? [];
        var who = students.Count == 0 ? "" : " · " + string.Join(", ", students.Select(s => $"{s.Name} ({s.Class})"));
        var link = booking.Mode == "online" && meetingUrl is not null && Uri.TryCreate(meetingUrl, UriKind.Absolute, out var parsed) ? parsed : null;
        var description = $"Wali: {guardian?.Name ?? "-"}{who}\nMode: {ModeText(booking.Mode)}{(link is null ? "" : "\nLink: " + meetingUrl)}";
        return new FeedEvent(
            $"booking-{booking.Id}@{UidDomain}",
            Instant.FromDateTimeOffset(booking.Start),
            Instant.FromDateTimeOffset(booking.End),
            $"Pertemuan BK dengan orang tua/wali{who}",
            description,
            booking.Mode == "online" ? "Daring" : school.Name,
            link,
            booking.Status == BookingStatus.Cancelled ? FeedEventStatus.Cancelled : FeedEventStatus.Confirmed,
            booking.Sequence,
            Instant.FromDateTimeOffset(booking.UpdatedAt));
    }

    /// <summary>
    /// The mode as parents read it, with the English word beside the Indonesian one where people use both
    /// ("daring (online)"); so where it follows other text it goes after " · ", never inside more parentheses.
    /// </summary>
    public static string ModeText(string mode) => mode switch
    {
        "online" => "daring (online)",
        "in_person" => "tatap muka",
        _ => "tatap muka atau daring",
    };

    private static FeedEvent SlotEvent(SchoolSettings school, CounselorEntry counselor, OpenSlot slot) =>
        new($"slot-{slot.Id}@{UidDomain}",
            slot.Start.ToInstant(),
            slot.End.ToInstant(),
            $"Jadwal temu BK: {counselor.Counselor.Name} · {ModeText(slot.Mode.ToWire())}",
            slot.Capacity > 1 ? $"Sesi kelompok, {slot.Capacity} kursi. Pesan lewat tautan pada SMS dari sekolah." : "Pesan lewat tautan pada SMS dari sekolah.",
            slot.Mode.ToWire() == "online" ? "Daring" : school.Name,
            null,
            FeedEventStatus.Confirmed,
            0,
            Instant.FromDateTimeOffset(counselor.UpdatedAt))
        {
            Transparent = true,
        };

    /// <summary>
    /// The ETag comes from the events themselves (<see cref="CalendarHttp.Validator"/>), so a client that
    /// already holds the feed gets its 304 without the feed being rendered; the bytes of a feed that is
    /// rendered are kept by that ETag, so the next subscriber asking for the same feed gets them unrendered.
    /// </summary>
    private RenderedFeed Render(string name, DateTimeZone zone, IReadOnlyList<FeedEvent> events)
    {
        var etag = CalendarHttp.Validator(name, zone, events);
        return new RenderedFeed(
            () => _rendered.GetOrAdd(etag, () => CalendarHttp.Encode(CalendarRenderer.RenderFeed(name, zone, events))),
            etag);
    }
}
