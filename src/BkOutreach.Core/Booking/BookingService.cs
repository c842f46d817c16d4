using BkOutreach.Core.Configuration;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NodaTime;

namespace BkOutreach.Core.Booking;

/// <summary>Everything a parent's link opens: whose link it is and which counsellors they can book.</summary>
public sealed record LinkContext(
    LinkGrant Grant,
    SchoolSettings School,
    Campaign Campaign,
    Guardian Guardian,
    IReadOnlyList<CounselorEntry> Counselors)
{
    public DateTimeZone Zone => DateTimeZoneProviders.Tzdb[School.TimeZone];

    public IReadOnlyList<Student> StudentsOf(string counselorId) =>
        [.. Guardian.Students.Where(s => string.Equals(s.CounselorId, counselorId, StringComparison.Ordinal))];
}

/// <summary>One counsellor's part of a booking page: their open slots and the guardian's current booking.</summary>
public sealed record CounselorSlots(CounselorEntry Counselor, IReadOnlyList<Student> Students, IReadOnlyList<OpenSlot> Slots, Booking? Current);

public enum BookOutcome
{
    Booked,
    Rescheduled,

    /// <summary>The same slot in the other mode.</summary>
    ModeChanged,
    Unchanged,
    SlotTaken,

    /// <summary>Past, inside notice, beyond the horizon or the booking window, not offered, or another counsellor's slot.</summary>
    NotBookable,

    /// <summary>The guardian was erased since the link was read: answered as an unknown link.</summary>
    GuardianErased,
}

public sealed record BookResult(BookOutcome Outcome, Booking? Booking, string? Reason = null);

/// <summary>
/// The parent's side of booking: what a link may book, taking a seat (atomically, in <see cref="BookingStore"/>),
/// rescheduling and cancelling. The request ends when the seat transaction commits: what follows a change —
/// confirmation SMS, the counsellor's calendar, the evidence, the reminders — is written in that transaction
/// as an outbox row and carried out by <see cref="BookingEventHandler"/>, so a provider that is down never
/// slows or fails a booking, and nothing is lost when an instance stops.
/// </summary>
public sealed partial class BookingService(
    LinkTokens links,
    SchoolDirectory directory,
    CampaignStore campaigns,
    SlotService slots,
    BookingStore bookings,
    CalendarSyncStore calendarSync,
    ICounselorCalendar calendar,
    IOptions<LinksOptions> linkOptions,
    ILogger<BookingService> logger)
{
    /// <summary>The refusal of a <c>mode</c> that is neither <c>online</c> nor <c>in_person</c>.</summary>
    public const string InvalidMode = "invalid_mode";

    /// <summary>The link's context, or null when the token is unknown, forged or expired (the caller answers 404).</summary>
    public Task<LinkContext?> OpenAsync(string? token, CancellationToken cancellationToken) =>
        OpenAsync(token, recentGrant: false, cancellationToken);

    /// <summary>
    /// As <see cref="OpenAsync(string?, CancellationToken)"/> for a booking request, whose link was usually
    /// just opened: the grant read within the last seconds is used again (<see cref="LinkTokens.LookupRecentAsync"/>),
    /// which saves the token's read. Safe because only <see cref="BookAsync"/> follows, and an erased
    /// guardian's pointer rows are sealed before their links are deleted: the seat read or the seat
    /// transaction sees the seal and the answer is <see cref="BookOutcome.GuardianErased"/>, never a booking.
    /// </summary>
    public Task<LinkContext?> OpenForBookingAsync(string? token, CancellationToken cancellationToken) =>
        OpenAsync(token, recentGrant: true, cancellationToken);

    private async Task<LinkContext?> OpenAsync(string? token, bool recentGrant, CancellationToken cancellationToken)
    {
        var grant = recentGrant ? await links.LookupRecentAsync(token, cancellationToken) : await links.LookupAsync(token, cancellationToken);
        if (grant is null)
        {
            return null;
        }

        // Read within the last seconds is good enough here (RecentReads): none of these decides a seat. The
        // four are independent, so those not read recently are read at the same time.
        var schoolRead = directory.GetSchoolRecentAsync(grant.SchoolId, cancellationToken);
        var campaignRead = campaigns.GetRecentAsync(grant.SchoolId, grant.CampaignId, cancellationToken);
        var guardianRead = directory.GetGuardianRecentAsync(grant.SchoolId, grant.GuardianId, cancellationToken);
        var counselorsRead = directory.ListCounselorsRecentAsync(grant.SchoolId, cancellationToken);
        await Task.WhenAll(schoolRead, campaignRead, guardianRead, counselorsRead);
        var (school, campaign, guardian) = (await schoolRead, await campaignRead, await guardianRead);
        if (school is null || campaign is null || guardian is null)
        {
            return null;
        }

        var wanted = guardian.Students.Select(s => s.CounselorId).ToHashSet(StringComparer.Ordinal);
        var counselors = (await counselorsRead).Where(c => wanted.Contains(c.Id)).ToList();
        return new LinkContext(grant, school, campaign, guardian, counselors);
    }

    /// <summary>Per counsellor of the guardian's children: open slots inside the booking window, and the current booking.</summary>
    public async Task<IReadOnlyList<CounselorSlots>> SlotsAsync(LinkContext link, CancellationToken cancellationToken)
    {
        var result = new List<CounselorSlots>();
        foreach (var counselor in link.Counselors)
        {
            var (seats, query) = await slots.QueryForGuardianAsync(link.Grant.SchoolId, link.School, counselor.Id, counselor.Counselor, link.Grant.CampaignId, link.Guardian.Id, cancellationToken);
            var open = slots.OpenSlots(query).Where(s => InBookingWindow(link, s)).ToList();
            result.Add(new CounselorSlots(counselor, link.StudentsOf(counselor.Id), open, seats.Active));
        }

        return result;
    }

    /// <summary>Books the slot, or moves the guardian's booking with that counsellor to it.</summary>
    /// <param name="mode">
    /// For a slot offered both ways, the parent's choice (<c>online</c> or <c>in_person</c>); null or empty for
    /// none. Any other word is refused (<c>invalid_mode</c>) before anything is read, rather than booked as in
    /// person. A slot offered one way only takes its own mode whatever is asked: the page's one mode choice
    /// is sent with every slot of the form, also with those that have no choice.
    /// </param>
    /// <param name="via">Where the parent asked: the booking page or JSON route (web) or an SMS reply (sms).</param>
    public async Task<BookResult> BookAsync(LinkContext link, string? slotId, string? mode, Participation.ParticipationChannel via, CancellationToken cancellationToken)
    {
        mode = string.IsNullOrEmpty(mode) ? null : mode;
        if (mode is not (null or "online" or "in_person"))
        {
            return new BookResult(BookOutcome.NotBookable, null, InvalidMode);
        }

        if (!SlotId.TryParse(slotId, out var id))
        {
            return new BookResult(BookOutcome.NotBookable, null, SlotRejection.Malformed.ToWire());
        }

        var counselor = link.Counselors.FirstOrDefault(c => string.Equals(c.Id, id.CounselorId, StringComparison.Ordinal));
        if (counselor is null)
        {
            return new BookResult(BookOutcome.NotBookable, null, SlotRejection.WrongCounselor.ToWire());
        }

        // What this instance saw of the counsellor's partition a moment ago (or one read of it) serves the slot
        // check and the seat transaction's first try. A refusal from that view (the slot taken, or the
        // guardian's own booking answered as such) is given only once the rows it rests on are confirmed
        // unchanged; otherwise the partition is read afresh and checked again.
        var (seats, query) = await slots.QueryForGuardianAsync(link.Grant.SchoolId, link.School, counselor.Id, counselor.Counselor, link.Grant.CampaignId, link.Guardian.Id, cancellationToken, recentSeats: true);
        var bookable = slots.TryGetBookable(slotId!, query, out var slot, out var rejection);
        if (!bookable && seats.FromView)
        {
            var start = link.Zone.AtLeniently(id.Start).ToInstant().ToDateTimeOffset();
            var around = TimeSpan.FromMinutes(counselor.Counselor.BufferMinutes + 5);
            if (!await bookings.StillAsSeenAsync(seats, start - around, start.AddMinutes(id.Minutes) + around, IsBookedIn(seats.Active, id), cancellationToken))
            {
                (seats, query) = await slots.QueryForGuardianAsync(link.Grant.SchoolId, link.School, counselor.Id, counselor.Counselor, link.Grant.CampaignId, link.Guardian.Id, cancellationToken);
                bookable = slots.TryGetBookable(slotId!, query, out slot, out rejection);
            }
        }

        if (seats.GuardianErased)
        {
            return new BookResult(BookOutcome.GuardianErased, null);
        }

        var current = seats.Active;
        if (!bookable)
        {
            // Booked by us already (a repeated submit) counts as success, not as "taken" — unless the parent
            // asks for the other mode, which cannot be done any more: said so, not answered as done.
            if (current is not null && IsBookedIn(current, id))
            {
                return mode is null || mode == current.Mode
                    ? new BookResult(BookOutcome.Unchanged, current)
                    : new BookResult(BookOutcome.NotBookable, current, "mode_not_changed");
            }

            return rejection == SlotRejection.Taken
                ? new BookResult(BookOutcome.SlotTaken, null, rejection.ToWire())
                : new BookResult(BookOutcome.NotBookable, null, rejection.ToWire());
        }

        if (!InBookingWindow(link, slot!))
        {
            return new BookResult(BookOutcome.NotBookable, null, "outside_booking_window");
        }

        var chosenMode = slot!.Mode switch
        {
            Scheduling.MeetingMode.Online => "online",
            Scheduling.MeetingMode.InPerson => "in_person",
            // Either way: the parent's choice; a repeated submit that names none keeps the booking's mode.
            _ => mode is "online" or "in_person" ? mode
                : current is not null && current.Start == slot.Start.ToDateTimeOffset() && current.End == slot.End.ToDateTimeOffset() ? current.Mode
                : "in_person",
        };
        var students = link.StudentsOf(counselor.Id);
        var seat = await bookings.TakeSeatAsync(
            new SeatRequest(link.Grant.SchoolId, counselor.Id, link.Guardian.Id, link.Grant.CampaignId, slot.Id.ToString(), slot.Start.ToDateTimeOffset(), slot.End.ToDateTimeOffset(), slot.Capacity, chosenMode, [.. students.Select(s => s.Id)], via, [.. students.Select(s => s.Class).Distinct(StringComparer.Ordinal)]),
            seats,
            cancellationToken);
        switch (seat.Outcome)
        {
            case SeatOutcome.SlotTaken:
                return new BookResult(BookOutcome.SlotTaken, null, SlotRejection.Taken.ToWire());
            case SeatOutcome.GuardianErased:
                return new BookResult(BookOutcome.GuardianErased, null);
            case SeatOutcome.Unchanged:
                return new BookResult(BookOutcome.Unchanged, seat.Booking);
        }

        var booking = seat.Booking!;
        var outcome = seat.Outcome switch
        {
            SeatOutcome.Rescheduled => BookOutcome.Rescheduled,
            SeatOutcome.ModeChanged => BookOutcome.ModeChanged,
            _ => BookOutcome.Booked,
        };
        LogBooked(logger, booking.Id, outcome, counselor.Id);
        return new BookResult(outcome, booking);
    }

    /// <summary>Cancels the guardian's bookings of this campaign (with one counsellor, or all) from the page or the JSON route; returns what was cancelled.</summary>
    public async Task<IReadOnlyList<Booking>> CancelAsync(LinkContext link, string? counselorId, CancellationToken cancellationToken)
    {
        var cancelled = new List<Booking>();
        foreach (var counselor in link.Counselors.Where(c => counselorId is null || string.Equals(c.Id, counselorId, StringComparison.Ordinal)))
        {
            var booking = await bookings.CancelAsync(link.Grant.SchoolId, counselor.Id, link.Grant.CampaignId, link.Guardian.Id, Participation.ParticipationChannel.Web, cancellationToken);
            if (booking is not null)
            {
                cancelled.Add(booking);
                LogCancelled(logger, booking.Id, counselor.Id);
            }
        }

        return cancelled;
    }

    /// <summary>A booking of this link's guardian and campaign, by id; null for anyone else's.</summary>
    /// <remarks>Read by key: the id names its partition (also for a counsellor the guardian's children no longer have).</remarks>
    public async Task<Booking?> GetOwnAsync(LinkContext link, string bookingId, CancellationToken cancellationToken)
    {
        var booking = await bookings.GetAsync(bookingId, cancellationToken);
        return booking is not null && booking.GuardianId == link.Guardian.Id && booking.CampaignId == link.Grant.CampaignId && booking.SchoolId == link.Grant.SchoolId
            ? booking
            : null;
    }

    /// <summary>
    /// The link of an online booking: the Teams link once the counsellor's Microsoft 365 calendar has made
    /// one, otherwise the counsellor's own fixed meeting link (<see cref="CounselorSettings.MeetingUrl"/>), if set.
    /// </summary>
    public async Task<string?> JoinUrlAsync(Booking booking, CancellationToken cancellationToken)
    {
        if (booking.Mode != "online")
        {
            return null;
        }

        var teams = calendar.IsEnabled ? (await calendarSync.GetStateAsync(booking.Id, cancellationToken))?.JoinUrl : null;
        return teams ?? (await directory.GetCounselorAsync(booking.SchoolId, booking.CounselorId, cancellationToken))?.MeetingUrl;
    }

    public string ManageUrl(string token) => LinkTokens.BookingUrl(linkOptions.Value.BaseUrl, token);

    public string InviteUrl(string token, string bookingId) =>
        $"{linkOptions.Value.BaseUrl.TrimEnd('/')}/api/bookings/{Uri.EscapeDataString(bookingId)}/invite.ics?token={Uri.EscapeDataString(token)}";

    public string FeedUrl(string schoolId) => $"{linkOptions.Value.BaseUrl.TrimEnd('/')}/api/calendar/{Uri.EscapeDataString(schoolId)}/slots.ics";

    /// <summary>Whether <paramref name="booking"/> is the guardian's booking of exactly this slot (a repeated submit, or the other mode asked for).</summary>
    private static bool IsBookedIn(Booking? booking, SlotId id) => booking is not null && SlotId.TryParse(booking.SlotId, out var booked) && booked == id;

    private static bool InBookingWindow(LinkContext link, OpenSlot slot)
    {
        var from = CampaignValidation.ParseDate(link.Campaign.Definition.BookingWindow?.From);
        var to = CampaignValidation.ParseDate(link.Campaign.Definition.BookingWindow?.To);
        var date = slot.Start.Date;
        return (from is null || date >= from) && (to is null || date <= to);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking {BookingId}: {Outcome} with counsellor {CounselorId}")]
    private static partial void LogBooked(ILogger logger, string bookingId, BookOutcome outcome, string counselorId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking {BookingId}: Cancelled with counsellor {CounselorId}")]
    private static partial void LogCancelled(ILogger logger, string bookingId, string counselorId);
}
