using System.Globalization;
using BkOutreach.Core.Scheduling;
using NodaTime;

namespace BkOutreach.Core.Booking.Pages;

/// <summary>
/// Renders the parents' pages from <see cref="PageTemplates"/>. Each method returns a complete HTML
/// document; the HTTP status is the caller's (booking page 200, or 409/422 after a failed post; not-found
/// 404; too-many-requests 429 with <c>Retry-After</c>). Dates and times are written here, in the school's
/// zone, with the page's own day and month names; wording is in the templates.
/// </summary>
public sealed class BookingPages
{
    public const string BookingPage = "booking";
    public const string ConfirmationPage = "confirmation";
    public const string NotFoundPage = "not_found";
    public const string AboutBkPage = "about_bk";
    public const string TooManyRequestsPage = "too_many_requests";

    /// <summary>The "what BK does" page (CONTRACTS: no token, the language in the query).</summary>
    public const string AboutBkPath = "/api/about-bk";

    /// <summary>
    /// What the slot list of one page may weigh (estimated, see <see cref="SlotCost"/>): with the rest of the
    /// page (≈ 5 KB with two bookings and a notice) it stays under 30 KB before compression, the budget for a
    /// prepaid phone with nothing cached.
    /// </summary>
    public const int SlotListBudgetBytes = 23 * 1024;

    private const int DayCost = 72;

    private readonly PageTemplates _templates;

    public BookingPages(PageTemplates templates)
    {
        _templates = templates;
        _templates.Allow<CounselorView>();
        _templates.Allow<MeetingView>();
        _templates.Allow<DayView>();
        _templates.Allow<SlotView>();
    }

    public static string AboutBkUrl(string language) => AboutBkPath + "?lang=" + PageText.Language(language);

    /// <summary>Reads the booking page's <c>from</c> query parameter (<c>yyyy-MM-dd</c>); anything else means "from the start".</summary>
    public static bool TryParseFrom(string? text, out LocalDate from) => ScheduleText.TryParseDate(text, out from);

    /// <summary><c>GET /api/b/{token}</c>: the guardian's counsellor(s), their booking(s) and the open slots.</summary>
    public string Booking(BookingPageModel model)
    {
        var lang = PageText.Language(model.Language);
        var several = model.Counselors.Count > 1;
        var (from, until) = Window(model);
        var counselors = model.Counselors.Select((c, i) => new CounselorView(
            Index: i + 1,
            Id: c.CounselorId,
            Name: c.CounselorName,
            Students: several ? Names(c.StudentNames, lang) : "",
            Booked: c.Booking is not null,
            Booking: c.Booking is null ? MeetingView.None : Meeting(c.Booking, lang),
            Days: Days(c.Slots.Where(s => s.Start.Date >= from && (until is null || s.Start.Date < until)), lang),
            Later: until is not null && c.Slots.Any(s => s.Start.Date >= until),
            Either: c.Slots.Any(s => s.Start.Date >= from && (until is null || s.Start.Date < until) && s.Mode == MeetingMode.Either))).ToList();

        return Render(BookingPage, lang, new()
        {
            ["next_url"] = until is null ? "" : model.PageUrl + "?from=" + until.Value.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture),
            ["next_date"] = until is null ? "" : PageText.Date(until.Value, lang),
            ["first_url"] = model.From is null ? "" : model.PageUrl,
            ["school_name"] = model.SchoolName,
            ["students"] = Names(model.StudentNames, lang),
            ["page_url"] = model.PageUrl,
            ["cancel_url"] = model.PageUrl.TrimEnd('/') + "/cancel",
            ["about_url"] = AboutBkUrl(lang),
            ["notice"] = model.Notice.ToTemplate(),
            ["several"] = several,
            ["counselors"] = counselors,
        });
    }

    /// <summary>After the POST-redirect-GET: the meeting, calendar links and the way back to manage it.</summary>
    public string Confirmation(ConfirmationPageModel model)
    {
        var lang = PageText.Language(model.Language);
        return Render(ConfirmationPage, lang, new()
        {
            ["school_name"] = model.SchoolName,
            ["students"] = Names(model.StudentNames, lang),
            ["counselor_name"] = model.CounselorName,
            ["meeting"] = Meeting(model.Meeting, lang),
            ["ics_url"] = model.IcsUrl,
            ["webcal_url"] = model.WebcalUrl,
            ["manage_url"] = model.ManageUrl,
            ["rescheduled"] = model.Rescheduled,
            ["about_url"] = AboutBkUrl(lang),
            ["booking_id"] = model.BookingId,
            ["channel_url"] = model.ChannelUrl,
            ["channel"] = model.Channel is { } channel ? Outreach.GuardianChannels.ToWire(channel) : "",
            ["channel_notice"] = model.ChannelNotice switch
            {
                ChannelNotice.Saved => "saved",
                ChannelNotice.Missing => "missing",
                _ => "",
            },
        });
    }

    /// <summary>Unknown or expired link (404): how to reach the school, and nothing from the link itself.</summary>
    public string NotFound(NotFoundPageModel model)
    {
        var lang = PageText.Language(model.Language);
        return Render(NotFoundPage, lang, new()
        {
            ["school_name"] = model.SchoolName,
            ["about_url"] = AboutBkUrl(lang),
        });
    }

    /// <summary><c>GET /api/about-bk?lang=…</c>: what a guru BK does, for every student.</summary>
    public string AboutBk(string? language)
    {
        var lang = PageText.Language(language);
        var other = lang == PageText.English ? PageText.Indonesian : PageText.English;
        return Render(AboutBkPage, lang, new()
        {
            ["other_language_url"] = AboutBkUrl(other),
        });
    }

    /// <summary>429: too many tries from this link or address; try again after <see cref="TooManyRequestsPageModel.RetryAfter"/>.</summary>
    public string TooManyRequests(TooManyRequestsPageModel model)
    {
        var lang = PageText.Language(model.Language);
        var seconds = Math.Max(1, (int)Math.Ceiling(model.RetryAfter.TotalSeconds));
        return Render(TooManyRequestsPage, lang, new()
        {
            ["retry_minutes"] = seconds > 90 ? (seconds + 59) / 60 : 0,
            ["retry_seconds"] = seconds,
            ["back_url"] = model.BackUrl,
        });
    }

    private string Render(string page, string lang, Dictionary<string, object?> values)
    {
        values["lang"] = lang;
        return _templates.Render(page, lang, values);
    }

    private static MeetingView Meeting(PageMeeting meeting, string lang) => new(
        Date: PageText.Date(meeting.Start.Date, lang),
        Time: PageText.TimeRange(meeting.Start, meeting.End) + " " + PageText.Zone(meeting.Start),
        Mode: PageText.Mode(meeting.Mode, lang),
        Online: meeting.Mode == MeetingMode.Online,
        JoinUrl: WebUrl(meeting.OnlineJoinUrl));

    /// <summary>The join link comes from the counsellor's calendar: only an absolute http(s) URL becomes a link.</summary>
    private static string WebUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? url : "";

    /// <summary>
    /// Slots by local date, in start order. A day whose slots share one mode names it once in its legend
    /// instead of on every slot: with 28 days of slots the page stays small.
    /// </summary>
    /// <summary>
    /// The days this page lists: whole days from <see cref="BookingPageModel.From"/> (or the first open slot),
    /// every counsellor's slots of a day together, until the next day would pass
    /// <see cref="SlotListBudgetBytes"/>; at least one day. <c>until</c> is the first day left for the next
    /// page, or null when everything fits.
    /// </summary>
    private static (LocalDate From, LocalDate? Until) Window(BookingPageModel model)
    {
        var from = model.From ?? LocalDate.MinIsoValue;
        var costByDay = model.Counselors
            .SelectMany(c => c.Slots)
            .Where(s => s.Start.Date >= from)
            .GroupBy(s => s.Start.Date)
            .OrderBy(g => g.Key)
            .Select(g => (Date: g.Key, Cost: g.Sum(SlotCost) + (DayCost * g.Select(s => s.CounselorId).Distinct().Count())))
            .ToList();
        var total = 0;
        for (var i = 0; i < costByDay.Count; i++)
        {
            total += costByDay[i].Cost;
            if (total > SlotListBudgetBytes && i > 0)
            {
                return (from, costByDay[i].Date);
            }
        }

        return (from, null);
    }

    /// <summary>The bytes one slot adds to the page: its label and radio (≈ 75) and its id, with room for a mode and seats.</summary>
    private static int SlotCost(OpenSlot slot) => 100 + slot.Id.ToString().Length;

    private static List<DayView> Days(IEnumerable<OpenSlot> slots, string lang)
    {
        var days = new List<DayView>();
        var first = true;
        foreach (var day in slots.OrderBy(s => s.Start.ToInstant()).GroupBy(s => s.Start.Date))
        {
            var modes = day.Select(s => s.Mode).Distinct().ToList();
            var shared = modes.Count == 1;
            days.Add(new DayView(
                Label: PageText.Date(day.Key, lang),
                Mode: shared ? PageText.Mode(modes[0], lang) : "",
                Slots: day.Select((s, i) => new SlotView(
                    Id: s.Id.ToString(),
                    Time: PageText.TimeRange(s.Start, s.End) + " " + PageText.Zone(s.Start),
                    Mode: shared ? "" : PageText.Mode(s.Mode, lang),
                    Seats: s.Remaining > 1 ? s.Remaining : 0,
                    Required: first && i == 0)).ToList()));
            first = false;
        }

        return days;
    }

    /// <summary>"Rizky", "Rizky dan Anisa", "Rizky, Anisa dan Nur" (English: "and").</summary>
    private static string Names(IReadOnlyList<string> names, string lang)
    {
        var cleaned = names.Select(n => string.Join(' ', n.Split(' ', StringSplitOptions.RemoveEmptyEntries))).Where(n => n.Length > 0).ToList();
        if (cleaned.Count <= 1)
        {
            return cleaned.FirstOrDefault() ?? "";
        }

        var and = lang == PageText.English ? " and " : " dan ";
        return string.Join(", ", cleaned[..^1]) + and + cleaned[^1];
    }

    // Liquid with strict variables reads a null member as undefined, so "no booking" is a flag and an empty meeting.
    /// <param name="Either">Some listed slot may be in person or online: the form asks which the parent wants.</param>
    internal sealed record CounselorView(int Index, string Id, string Name, string Students, bool Booked, MeetingView Booking, IReadOnlyList<DayView> Days, bool Later, bool Either);

    internal sealed record MeetingView(string Date, string Time, string Mode, bool Online, string JoinUrl)
    {
        public static MeetingView None { get; } = new("", "", "", false, "");
    }

    internal sealed record DayView(string Label, string Mode, IReadOnlyList<SlotView> Slots);

    internal sealed record SlotView(string Id, string Time, string Mode, int Seats, bool Required);
}
