using BkOutreach.Core.Scheduling;
using NodaTime;

namespace BkOutreach.Core.Booking.Pages;

/// <summary>
/// What the booking page says above the slots after a form post. The texts live in the templates;
/// <see cref="PageNotices.FromRejection"/> maps the slot calculator's reasons.
/// </summary>
public enum PageNotice
{
    None,

    /// <summary>The seat went to someone else first (HTTP 409): the page again with the remaining slots.</summary>
    SlotTaken,

    /// <summary>The slot has already begun or passed (422).</summary>
    Past,

    /// <summary>The slot starts sooner than the counsellor's minimum notice (422).</summary>
    InsideNotice,

    /// <summary>Not a slot this link can book: unknown, another counsellor's, beyond the window (422).</summary>
    NotOffered,

    /// <summary>The form came without a <c>slot</c> (old browsers ignore <c>required</c>).</summary>
    NoSlotChosen,

    /// <summary>The form's <c>mode</c> is neither in person nor online: a form that is not the page's own (422).</summary>
    InvalidMode,

    /// <summary>The booking was cancelled: a confirmation, the slots stay on the page for a new booking.</summary>
    Cancelled,
}

public static class PageNotices
{
    public static PageNotice FromRejection(SlotRejection rejection) => rejection switch
    {
        SlotRejection.None => PageNotice.None,
        SlotRejection.Taken => PageNotice.SlotTaken,
        SlotRejection.Past => PageNotice.Past,
        SlotRejection.InsideNotice => PageNotice.InsideNotice,
        _ => PageNotice.NotOffered,
    };

    internal static string ToTemplate(this PageNotice notice) => notice switch
    {
        PageNotice.None => "",
        PageNotice.SlotTaken => "slot_taken",
        PageNotice.Past => "past",
        PageNotice.InsideNotice => "inside_notice",
        PageNotice.NotOffered => "not_offered",
        PageNotice.NoSlotChosen => "no_slot",
        PageNotice.InvalidMode => "invalid_mode",
        PageNotice.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(notice), notice, null),
    };
}

/// <summary>A guardian's booked meeting as the pages show it: times in the school's zone.</summary>
public sealed record PageMeeting(ZonedDateTime Start, ZonedDateTime End, MeetingMode Mode)
{
    /// <summary>The Teams (or other) join link of an online meeting, when the calendar sync has it.</summary>
    public string? OnlineJoinUrl { get; init; }

    /// <summary>A stored booking in the school's <paramref name="zone"/>; a mode the page cannot read shows as "either".</summary>
    public static PageMeeting From(Booking booking, DateTimeZone zone, string? onlineJoinUrl = null)
    {
        MeetingModes.TryParse(booking.Mode, out var mode);
        return new PageMeeting(
            Instant.FromDateTimeOffset(booking.Start).InZone(zone),
            Instant.FromDateTimeOffset(booking.End).InZone(zone),
            mode)
        {
            OnlineJoinUrl = onlineJoinUrl,
        };
    }
}

/// <summary>One counsellor on the booking page: their open slots and the guardian's meeting with them, if any.</summary>
public sealed record CounselorSection
{
    /// <summary>Posted back by the cancel form (field <c>counselor</c>) so siblings' bookings can be told apart.</summary>
    public required string CounselorId { get; init; }

    public required string CounselorName { get; init; }

    /// <summary>The children this counsellor is for; shown only when the page has several counsellors.</summary>
    public IReadOnlyList<string> StudentNames { get; init; } = [];

    /// <summary>Open slots in start order, as <see cref="SlotService.OpenSlots"/> gives them (the booked slot left out or not: it is never offered twice).</summary>
    public IReadOnlyList<OpenSlot> Slots { get; init; } = [];

    public PageMeeting? Booking { get; init; }
}

/// <summary>
/// <c>GET /api/b/{token}</c> (and the 409/422 answers to its form post). The slot form posts to
/// <see cref="PageUrl"/>, the cancel form to <c>{PageUrl}/cancel</c>.
/// </summary>
public sealed record BookingPageModel
{
    /// <summary><c>id</c> or <c>en</c>; anything else is Bahasa Indonesia.</summary>
    public string? Language { get; init; }

    public required string SchoolName { get; init; }

    /// <summary>The page's own path, <c>/api/b/{token}</c>.</summary>
    public required string PageUrl { get; init; }

    /// <summary>All the guardian's children the link is about.</summary>
    public IReadOnlyList<string> StudentNames { get; init; } = [];

    /// <summary>One section per counsellor (siblings may have different counsellors).</summary>
    public required IReadOnlyList<CounselorSection> Counselors { get; init; }

    public PageNotice Notice { get; init; }

    /// <summary>
    /// The first day to list, from the page's <c>from</c> query parameter (<see cref="BookingPages.TryParseFrom"/>);
    /// null lists from the earliest open slot. The page lists as many whole days as fit its weight budget and
    /// links to <c>{PageUrl}?from={next day}</c> for the rest.
    /// </summary>
    public LocalDate? From { get; init; }
}

/// <summary>The page after the POST-redirect-GET of a booking or a reschedule.</summary>
public sealed record ConfirmationPageModel
{
    public string? Language { get; init; }

    public required string SchoolName { get; init; }

    public IReadOnlyList<string> StudentNames { get; init; } = [];

    public required string CounselorName { get; init; }

    public required PageMeeting Meeting { get; init; }

    /// <summary><c>/api/bookings/{bookingId}/invite.ics?token=…</c>.</summary>
    public required string IcsUrl { get; init; }

    /// <summary>The school's open-slot feed as <c>webcal://…/slots.ics</c>; empty leaves the line out.</summary>
    public string WebcalUrl { get; init; } = "";

    /// <summary>The booking page, <c>/api/b/{token}</c>, to reschedule or cancel.</summary>
    public required string ManageUrl { get; init; }

    /// <summary>True when an existing booking moved: the heading says so.</summary>
    public bool Rescheduled { get; init; }

    /// <summary>The booking shown, posted back by the channel form so its answer returns to this page.</summary>
    public string BookingId { get; init; } = "";

    /// <summary>Where the channel form posts, <c>/api/b/{token}/channel</c>; empty leaves the form out.</summary>
    public string ChannelUrl { get; init; } = "";

    /// <summary>The guardian's chosen channel, checked in the form; null checks none (the school's default applies).</summary>
    public Schools.MessageChannel? Channel { get; init; }

    public ChannelNotice ChannelNotice { get; init; }
}

/// <summary>What the confirmation page says at its channel form.</summary>
public enum ChannelNotice
{
    None,

    /// <summary>The choice was saved (after the form's 303).</summary>
    Saved,

    /// <summary>The form came without a channel (422).</summary>
    Missing,
}

/// <summary>The 404 page of an unknown or expired link. It shows nothing the link could not already prove.</summary>
public sealed record NotFoundPageModel
{
    public string? Language { get; init; }

    /// <summary>Only when the caller knows it from a link that was valid once (an expired window); otherwise empty.</summary>
    public string SchoolName { get; init; } = "";
}

/// <summary>The 429 page; the caller also sends <c>Retry-After</c>.</summary>
public sealed record TooManyRequestsPageModel
{
    public string? Language { get; init; }

    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A link back to the booking page; empty leaves it out.</summary>
    public string BackUrl { get; init; } = "";
}
