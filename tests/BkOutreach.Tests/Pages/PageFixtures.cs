using System.Text.RegularExpressions;
using BkOutreach.Core.Booking.Pages;
using BkOutreach.Core.Scheduling;
using NodaTime;

namespace BkOutreach.Tests.Pages;

/// <summary>Realistic page models and the HTML checks the page tests share.</summary>
internal static partial class PageFixtures
{
    public const string Token = "Ab3dEf6hIj9lMn0pQr5tUv_x";
    public const string PageUrl = "/api/b/" + Token;
    public const string Hostile = "<script>alert(1)</script> \"Siti\" 'Nur' & <b>Co</b>";

    public static readonly DateTimeZone Wib = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
    public static readonly LocalDate FirstDay = new(2027, 1, 16);

    private static readonly HashSet<string> VoidElements = new(StringComparer.Ordinal) { "meta", "input", "br", "hr", "img", "link" };

    public static BookingPages Renderer { get; } = new(new PageTemplates(RepositoryPages()));

    /// <summary>
    /// A counsellor's 28 days of 6 slots: weekends in person from 08:00, weekday evenings online from
    /// 18:30, Sundays mixed (in person, then online), every fifth slot a group slot with seats left.
    /// </summary>
    public static IReadOnlyList<OpenSlot> Slots(string counselorId, int days = 28, int perDay = 6, DateTimeZone? zone = null)
    {
        zone ??= Wib;
        var slots = new List<OpenSlot>();
        for (var d = 0; d < days; d++)
        {
            var date = FirstDay.PlusDays(d);
            var weekend = date.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday;
            var first = weekend ? new LocalTime(8, 0) : new LocalTime(18, 30);
            for (var i = 0; i < perDay; i++)
            {
                var start = date.At(first.PlusMinutes(i * 40));
                var mode = date.DayOfWeek switch
                {
                    IsoDayOfWeek.Saturday => MeetingMode.InPerson,
                    IsoDayOfWeek.Sunday => i < perDay / 2 ? MeetingMode.InPerson : MeetingMode.Online,
                    _ => MeetingMode.Online,
                };
                var group = slots.Count % 5 == 4;
                slots.Add(new OpenSlot(
                    new SlotId(counselorId, start, 30),
                    start.InZoneStrictly(zone),
                    start.PlusMinutes(30).InZoneStrictly(zone),
                    mode,
                    group ? 4 : 1,
                    group ? 3 : 1));
            }
        }

        return slots;
    }

    public static BookingPageModel TwoCounselors(string language) => new()
    {
        Language = language,
        SchoolName = "Madrasah Aliyah Aisyiyah 1 Palembang",
        PageUrl = PageUrl,
        StudentNames = ["Muhammad Rizky Alfarizi Pratama", "Anisa Nurul Hidayah Putri"],
        Counselors =
        [
            new CounselorSection
            {
                CounselorId = "bk-1",
                CounselorName = "Dra. Hj. Nur Aini Kusumawardhani, M.Pd.",
                StudentNames = ["Muhammad Rizky Alfarizi Pratama"],
                Slots = Slots("bk-1"),
            },
            new CounselorSection
            {
                CounselorId = "bk-2",
                CounselorName = "Ahmad Fauzan Hidayatullah, S.Pd., M.Psi.",
                StudentNames = ["Anisa Nurul Hidayah Putri"],
                Slots = Slots("bk-2"),
            },
        ],
    };

    public static BookingPageModel OneCounselor(string language, PageMeeting? booking = null, PageNotice notice = PageNotice.None, int days = 3) => new()
    {
        Language = language,
        SchoolName = "MA Aisyiyah 1 Palembang",
        PageUrl = PageUrl,
        StudentNames = ["Rizky Pratama"],
        Notice = notice,
        Counselors =
        [
            new CounselorSection
            {
                CounselorId = "bk-1",
                CounselorName = "Bu Nur Aini",
                StudentNames = ["Rizky Pratama"],
                Slots = Slots("bk-1", days),
                Booking = booking,
            },
        ],
    };

    public static PageMeeting Meeting(MeetingMode mode = MeetingMode.InPerson, string? joinUrl = null)
    {
        var start = new LocalDateTime(2027, 1, 16, 9, 20).InZoneStrictly(Wib);
        return new PageMeeting(start, start.PlusMinutes(30), mode) { OnlineJoinUrl = joinUrl };
    }

    public static ConfirmationPageModel Confirmation(string language, MeetingMode mode = MeetingMode.InPerson, string? joinUrl = null) => new()
    {
        Language = language,
        SchoolName = "MA Aisyiyah 1 Palembang",
        StudentNames = ["Rizky Pratama"],
        CounselorName = "Bu Nur Aini",
        Meeting = Meeting(mode, joinUrl),
        IcsUrl = "/api/bookings/bkg-7f3a/invite.ics?token=" + Token,
        WebcalUrl = "webcal://bk.example/api/calendar/ma-aisyiyah-1-palembang/slots.ics",
        ManageUrl = PageUrl,
    };

    /// <summary>Every page in both languages, for the checks that hold on all of them.</summary>
    public static TheoryData<string, string> EveryPage()
    {
        var data = new TheoryData<string, string>();
        foreach (var page in new[] { "booking", "booking_with_meeting", "confirmation", "not_found", "about_bk", "too_many_requests" })
        {
            data.Add(page, "id");
            data.Add(page, "en");
        }

        return data;
    }

    public static string Render(string page, string language) => page switch
    {
        "booking" => Renderer.Booking(TwoCounselors(language)),
        "booking_with_meeting" => Renderer.Booking(OneCounselor(language, Meeting(MeetingMode.Online, "https://teams.microsoft.com/l/meetup-join/abc"), PageNotice.SlotTaken)),
        "confirmation" => Renderer.Confirmation(Confirmation(language, MeetingMode.Online, "https://teams.microsoft.com/l/meetup-join/abc")),
        "not_found" => Renderer.NotFound(new NotFoundPageModel { Language = language }),
        "about_bk" => Renderer.AboutBk(language),
        "too_many_requests" => Renderer.TooManyRequests(new TooManyRequestsPageModel { Language = language, BackUrl = PageUrl }),
        _ => throw new ArgumentOutOfRangeException(nameof(page), page, null),
    };

    public static int Utf8Bytes(string html) => System.Text.Encoding.UTF8.GetByteCount(html);

    /// <summary>
    /// Balanced tags: every '&lt;' opens a tag or the doctype, every element but the void ones is closed in
    /// order, attribute values are quoted (an unquoted one is a stray '&lt;'), and nothing follows &lt;/html&gt;. Returns the problems found.
    /// </summary>
    public static IReadOnlyList<string> TagProblems(string html)
    {
        var problems = new List<string>();
        var open = new Stack<string>();
        var body = html.TrimEnd();
        if (!body.StartsWith("<!DOCTYPE html>", StringComparison.Ordinal))
        {
            problems.Add("does not start with <!DOCTYPE html>");
        }

        var position = body.IndexOf('<', "<!DOCTYPE html>".Length);
        while (position >= 0)
        {
            var match = Tag().Match(body, position);
            if (!match.Success || match.Index != position)
            {
                problems.Add($"stray '<' at {position}: {Excerpt(body, position)}");
                position = body.IndexOf('<', position + 1);
                continue;
            }

            var name = match.Groups["name"].Value;
            if (match.Groups["close"].Success)
            {
                if (open.Count == 0 || open.Peek() != name)
                {
                    problems.Add($"</{name}> closes {(open.Count == 0 ? "nothing" : "<" + open.Peek() + ">")} at {position}");
                }
                else
                {
                    open.Pop();
                }
            }
            else if (!VoidElements.Contains(name))
            {
                open.Push(name);
            }

            var next = match.Index + match.Length;
            if (name == "style" && !match.Groups["close"].Success)
            {
                next = body.IndexOf("</style>", next, StringComparison.Ordinal);
            }

            if (open.Count == 0 && name == "html" && next < body.Length)
            {
                problems.Add("content after </html>");
            }

            position = next < 0 ? -1 : body.IndexOf('<', next);
        }

        if (open.Count > 0)
        {
            problems.Add("never closed: " + string.Join(", ", open));
        }

        return problems;
    }

    /// <summary>The start tags of <paramref name="element"/>, with their attributes as a dictionary.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Elements(string html, string element) =>
        Tag().Matches(html)
            .Where(m => m.Groups["name"].Value == element && !m.Groups["close"].Success)
            .Select(m => (IReadOnlyDictionary<string, string>)Attribute().Matches(m.Groups["attrs"].Value)
                .ToDictionary(a => a.Groups["name"].Value, a => a.Groups["value"].Success ? a.Groups["value"].Value : ""))
            .ToList();

    public static string RepositoryPages()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "templates", "pages");
            if (File.Exists(Path.Combine(dir.FullName, "BkOutreach.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("templates/pages not found above " + AppContext.BaseDirectory);
    }

    private static string Excerpt(string text, int at) => text.Substring(at, Math.Min(40, text.Length - at));

    [GeneratedRegex("""<(?<close>/)?(?<name>[a-z][a-z0-9]*)(?<attrs>(?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>""")]
    private static partial Regex Tag();

    [GeneratedRegex("""\s(?<name>[a-z-]+)(?:="(?<value>[^"]*)")?""")]
    private static partial Regex Attribute();
}
