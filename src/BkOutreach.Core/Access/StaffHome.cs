using BkOutreach.Core.Booking;
using BkOutreach.Core.Booking.Pages;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Staff;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Access;

/// <summary>A task on the staff home: a same-origin path, never with a key or token in it.</summary>
public sealed record StaffLink(string Label, string Href);

/// <summary>A meeting on the staff home: its time (and day, for one awaiting attendance), the student(s), the mode, the counsellor.</summary>
public sealed record HomeMeeting(string When, string Students, string Mode, string Counselor);

/// <summary>A counsellor's inbox on the staff home: unread parents' messages and the way there.</summary>
public sealed record HomeInbox(string Counselor, int Unread, string Href);

/// <summary>One school of the signed-in person on the staff home, what needs doing there first, then every page the role may open.</summary>
public sealed record StaffHomeSchool(
    string Id,
    string Name,
    string Role,
    string RoleLabel,
    bool IsCounselor,
    string TodayLabel,
    string TomorrowLabel,
    IReadOnlyList<HomeMeeting> Today,
    IReadOnlyList<HomeMeeting> Tomorrow,
    int Unread,
    IReadOnlyList<HomeInbox> Inboxes,
    int AwaitingAttendance,
    IReadOnlyList<HomeMeeting> Unmarked,
    string AttendanceHref,
    string NextWave,
    IReadOnlyList<StaffLink> Links,
    string FeedUrl);

public sealed record StaffHomeModel(string Who, bool Signed, IReadOnlyList<StaffHomeSchool> Schools);

/// <summary>
/// <c>GET /api/staff</c>: per school of the caller, what needs doing first — meetings today and tomorrow,
/// unread parents' messages, meetings that started and have no attendance mark, and (for admins) the next
/// wave to go out — then a link to every staff page of the role. Reads stay bounded: per counsellor one
/// filtered query of the bookings starting in the last <see cref="AttendanceLookBack"/> up to the end of
/// tomorrow and one read of the inbox's thread rows; per school the campaigns and their wave markers;
/// never the participation log. A counsellor's private feed address is shown as text to copy into a
/// calendar app, not as a link (it carries the feed key).
/// </summary>
public sealed class StaffHome
{
    public const string Page = "home";

    /// <summary>How far back a meeting without an attendance mark is still asked about.</summary>
    public static readonly TimeSpan AttendanceLookBack = TimeSpan.FromDays(30);

    /// <summary>Meetings listed per day or per "awaiting attendance" (the count says how many there are).</summary>
    public const int ListedMeetings = 10;

    private readonly SchoolDirectory _directory;
    private readonly SchoolAdmin _admin;
    private readonly BookingStore _bookings;
    private readonly ParentMessages _messages;
    private readonly CampaignStore _campaigns;
    private readonly StorageAccount _storage;
    private readonly StaffFrames _frames;
    private readonly StaffPages _pages;
    private readonly TimeProvider _time;

    public StaffHome(
        SchoolDirectory directory, SchoolAdmin admin, BookingStore bookings, ParentMessages messages, CampaignStore campaigns,
        StorageAccount storage, StaffFrames frames, StaffPages pages, TimeProvider time)
    {
        _directory = directory;
        _admin = admin;
        _bookings = bookings;
        _messages = messages;
        _campaigns = campaigns;
        _storage = storage;
        _frames = frames;
        _pages = pages;
        _time = time;
        pages.Allow<StaffHomeSchool>();
        pages.Allow<StaffLink>();
        pages.Allow<HomeMeeting>();
        pages.Allow<HomeInbox>();
    }

    public static string DefaultFolder => Path.Combine(PageTemplates.DefaultFolder, "staff");

    public async Task<StaffHomeModel> BuildAsync(Caller caller, string lang, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        lang = StaffPages.Language(lang);
        var grants = caller.IsPlatformAdmin
            ? [.. (await _directory.ListSchoolIdsAsync(cancellationToken)).Select(id => new StaffGrant(id, StaffRole.PlatformAdmin, null))]
            : caller.Grants;
        var schools = new List<StaffHomeSchool>();
        foreach (var grant in grants.OrderBy(g => g.SchoolId, StringComparer.Ordinal))
        {
            var school = await _directory.GetSchoolAsync(grant.SchoolId, cancellationToken);
            if (school is not null)
            {
                schools.Add(await SchoolAsync(grant, school, lang, cancellationToken));
            }
        }

        var who = caller.Kind switch
        {
            CallerKind.Principal => caller.Name,
            CallerKind.PlatformKey => T(lang, "platform_key"),
            _ => T(lang, "school_key"),
        };
        return new StaffHomeModel(who, caller.Kind == CallerKind.Principal, schools);
    }

    /// <summary>The page: the caller's schools, with the menu of the school when they have only one.</summary>
    public async Task<string> RenderAsync(Caller caller, string lang, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var model = await BuildAsync(caller, lang, cancellationToken);
        var frame = await _frames.BuildAsync(caller, model.Schools.Count == 1 ? model.Schools[0].Id : null, lang, StaffSection.Home, cancellationToken);
        return _pages.Render(Page, frame, new Dictionary<string, object?>
        {
            ["who"] = model.Who,
            ["signed"] = model.Signed,
            ["schools"] = model.Schools,
        });
    }

    private async Task<StaffHomeSchool> SchoolAsync(StaffGrant grant, SchoolSettings school, string lang, CancellationToken cancellationToken)
    {
        var schoolId = grant.SchoolId;
        var zone = SendingWindow.ZoneOf(school);
        var now = _time.GetUtcNow();
        var today = Instant.FromDateTimeOffset(now).InZone(zone).Date;
        var todayStart = zone.AtStartOfDay(today).ToDateTimeOffset();
        var tomorrowStart = zone.AtStartOfDay(today.PlusDays(1)).ToDateTimeOffset();
        var afterTomorrow = zone.AtStartOfDay(today.PlusDays(2)).ToDateTimeOffset();
        var lookBack = now - AttendanceLookBack < todayStart ? now - AttendanceLookBack : todayStart;
        var isCounselor = grant is { Role: StaffRole.Counselor, CounselorId: not null };
        var counselors = await _directory.ListCounselorsAsync(schoolId, cancellationToken);
        var mine = isCounselor ? counselors.Where(c => c.Id == grant.CounselorId).ToList() : [.. counselors];

        var todays = new List<(DateTimeOffset At, HomeMeeting Meeting)>();
        var tomorrows = new List<(DateTimeOffset At, HomeMeeting Meeting)>();
        var unmarked = new List<(DateTimeOffset At, HomeMeeting Meeting)>();
        var inboxes = new List<HomeInbox>();
        var guardians = new Dictionary<string, Guardian?>(StringComparer.Ordinal);
        var awaiting = 0;
        foreach (var counselor in mine)
        {
            foreach (var booking in await _bookings.ListStartingAsync(schoolId, counselor.Id, lookBack, afterTomorrow, cancellationToken))
            {
                if (booking.Status != BookingStatus.Confirmed)
                {
                    continue;
                }

                var started = booking.Start <= now && booking.Start >= now - AttendanceLookBack && booking.Attendance == Attendance.Unknown;
                awaiting += started ? 1 : 0;
                var list = booking.Start >= tomorrowStart ? tomorrows : booking.Start >= todayStart ? todays : null;
                if (list is null && !started)
                {
                    continue;
                }

                var (start, end) = (Instant.FromDateTimeOffset(booking.Start).InZone(zone), Instant.FromDateTimeOffset(booking.End).InZone(zone));
                var time = $"{PageText.TimeRange(start, end)} {PageText.Zone(start)}";
                var students = await StudentsAsync(schoolId, booking, guardians, cancellationToken);
                var mode = MeetingText.Mode(booking.Mode, lang);
                if (list is not null && list.Count < ListedMeetings)
                {
                    list.Add((booking.Start, new HomeMeeting(time, students, mode, counselor.Counselor.Name)));
                }

                if (started && unmarked.Count < ListedMeetings)
                {
                    unmarked.Add((booking.Start, new HomeMeeting($"{PageText.Date(start.Date, lang)} {time}", students, mode, counselor.Counselor.Name)));
                }
            }

            var unread = await _messages.UnreadAsync(schoolId, counselor.Id, cancellationToken);
            if (isCounselor || unread > 0)
            {
                inboxes.Add(new HomeInbox(counselor.Counselor.Name, unread, StaffPaths.Messages(schoolId, counselor.Id)));
            }
        }

        var feed = isCounselor ? (await _admin.GetCounselorAsync(schoolId, grant.CounselorId!, cancellationToken)).Value?.FeedUrl ?? "" : "";
        return new StaffHomeSchool(
            schoolId,
            school.Name,
            StaffRoles.ToWire(grant.Role),
            T(lang, grant.Role switch { StaffRole.Counselor => "role_counselor", StaffRole.SchoolAdmin => "role_school_admin", _ => "role_platform_admin" }),
            isCounselor,
            PageText.Date(today, lang),
            PageText.Date(today.PlusDays(1), lang),
            [.. todays.OrderBy(m => m.At).Select(m => m.Meeting)],
            [.. tomorrows.OrderBy(m => m.At).Select(m => m.Meeting)],
            inboxes.Sum(i => i.Unread),
            inboxes,
            awaiting,
            [.. unmarked.OrderBy(m => m.At).Select(m => m.Meeting)],
            isCounselor ? StaffPaths.Schedule(schoolId, grant.CounselorId!) : StaffPaths.Dashboard(schoolId),
            isCounselor ? "" : await NextWaveAsync(schoolId, zone, today, lang, cancellationToken),
            Links(grant, lang),
            feed);
    }

    /// <summary>"Kenali guru BK · pesan pertama · Senin, 11 Januari 2027": the earliest wave not yet gone that will still go; empty when none.</summary>
    private async Task<string> NextWaveAsync(string schoolId, DateTimeZone zone, LocalDate today, string lang, CancellationToken cancellationToken)
    {
        (LocalDate Date, string Text)? next = null;
        foreach (var campaign in await _campaigns.ListAsync(schoolId, cancellationToken))
        {
            if (CampaignValidation.ParseDate(campaign.Definition.BookingWindow?.To) is { } last && today > last)
            {
                continue;
            }

            var dates = CampaignValidation.WaveDates(campaign.Definition);
            var dispatched = await CampaignDispatcher.DispatchedWavesAsync(_storage, campaign, zone, cancellationToken);
            for (var wave = 0; wave < dates.Count; wave++)
            {
                if (dispatched.ContainsKey(wave) || campaign.SkippedWaves.Contains(wave))
                {
                    continue;
                }

                if (next is null || dates[wave] < next.Value.Date)
                {
                    var kind = campaign.Definition.Waves[wave].Kind;
                    var kindText = kind switch
                    {
                        SmsTemplates.Outreach => T(lang, "wave_outreach"),
                        SmsTemplates.FollowUp => T(lang, "wave_follow_up"),
                        _ => T(lang, "wave_survey"),
                    };
                    next = (dates[wave], $"{campaign.Definition.Name} · {kindText} · {PageText.Date(dates[wave], lang)}");
                }

                break;
            }
        }

        return next?.Text ?? "";
    }

    private async Task<string> StudentsAsync(string schoolId, Booking.Booking booking, Dictionary<string, Guardian?> guardians, CancellationToken cancellationToken)
    {
        if (!guardians.TryGetValue(booking.GuardianId, out var guardian))
        {
            guardian = await _directory.GetGuardianAsync(schoolId, booking.GuardianId, cancellationToken);
            guardians[booking.GuardianId] = guardian;
        }

        var students = guardian?.Students.Where(s => booking.StudentIds.Contains(s.Id) || (booking.StudentIds.Count == 0 && s.CounselorId == booking.CounselorId)).ToList() ?? [];
        return students.Count > 0
            ? string.Join(", ", students.Select(s => $"{s.Name} ({s.Class})"))
            : string.Join(", ", booking.Classes);
    }

    private List<StaffLink> Links(StaffGrant grant, string lang)
    {
        var schoolId = grant.SchoolId;
        var root = $"/api/admin/schools/{Uri.EscapeDataString(schoolId)}";
        if (grant is { Role: StaffRole.Counselor, CounselorId: { } counselorId })
        {
            return
            [
                new(T(lang, "link_schedule"), StaffPaths.Schedule(schoolId, counselorId)),
                new(T(lang, "link_messages"), StaffPaths.Messages(schoolId, counselorId)),
                new(T(lang, "link_my_dashboard"), StaffPaths.Dashboard(schoolId)),
            ];
        }

        return
        [
            new(T(lang, "link_settings"), StaffPaths.Settings(schoolId)),
            new(T(lang, "link_staff"), StaffPaths.Staff(schoolId)),
            new(T(lang, "link_roster"), StaffPaths.Roster(schoolId)),
            new(T(lang, "link_guardians"), StaffPaths.Guardians(schoolId)),
            new(T(lang, "link_campaigns"), StaffPaths.Campaigns(schoolId)),
            new(T(lang, "link_dashboard"), StaffPaths.Dashboard(schoolId)),
            new(T(lang, "link_participation_csv"), root + "/participation.csv"),
            new(T(lang, "link_events_csv"), root + "/participation-events.csv"),
            new(T(lang, "link_codebook"), root + "/codebook"),
        ];
    }

    private string T(string lang, string key) => _pages.Text(Page, lang, key);
}
