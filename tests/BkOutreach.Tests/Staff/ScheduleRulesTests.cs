using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Staff;
using NodaTime;
using static BkOutreach.Tests.Scheduling.SchedulingFixtures;

namespace BkOutreach.Tests.Staff;

/// <summary>Days off and the online-meeting link: what is accepted, what they do to slots, reminders and the schedule form.</summary>
public sealed class ScheduleRulesTests
{
    private static readonly SlotCalculator Plain = new(new NoPrayers());

    private static readonly LocalDate Saturday = new(2027, 1, 16);
    private static readonly LocalDate Sunday = new(2027, 1, 17);

    private static CounselorSettings Weekend => Counselor with { Windows = [new(["Sat", "Sun"], "08:00", "10:00", "either")] };

    [Fact]
    public void DayOff_RemovesEverySlotOfThatDay_AndLeavesTheOtherDays()
    {
        var before = Plain.OpenSlots(Query(counselor: Weekend));
        var after = Plain.OpenSlots(Query(counselor: Weekend with { DaysOff = [new DayOff("2027-01-16", null, "Pelatihan")] }));

        Assert.Contains(before, s => s.Start.Date == Saturday);
        Assert.DoesNotContain(after, s => s.Start.Date == Saturday);
        Assert.Equal(before.Where(s => s.Start.Date == Sunday).Select(s => s.Id), after.Where(s => s.Start.Date == Sunday).Select(s => s.Id));
        Assert.Equal(before.Count(s => s.Start.Date != Saturday), after.Count);
    }

    [Fact]
    public void DayOffRange_IncludesBothEnds()
    {
        var slots = Plain.OpenSlots(Query(counselor: Weekend with { DaysOff = [new DayOff("2027-01-16", "2027-01-17", null)] }));

        Assert.DoesNotContain(slots, s => s.Start.Date == Saturday || s.Start.Date == Sunday);
        Assert.Contains(slots, s => s.Start.Date == new LocalDate(2027, 1, 23));
    }

    [Fact]
    public void DayOff_SlotOfThatDay_IsNotBookable()
    {
        var counselor = Weekend with { DaysOff = [new DayOff("2027-01-16", null, null)] };
        var slot = Plain.OpenSlots(Query(counselor: Weekend)).First(s => s.Start.Date == Saturday);

        Assert.False(Plain.TryGetBookable(slot.Id.ToString(), Query(counselor: counselor), out _, out var rejection));
        Assert.Equal(SlotRejection.NotOffered, rejection);
    }

    [Theory]
    [InlineData("2027-13-01", null, null, "daysOff[0].from")]
    [InlineData("2027-01-20", "2027-01-19", null, "daysOff[0]: from")]
    [InlineData("2027-01-20", "soon", null, "daysOff[0].to")]
    [InlineData("1999-12-31", null, null, "daysOff[0].from")]
    public void DaysOff_BadDates_AreProblemsNamingTheField(string from, string? to, string? reason, string expected)
    {
        var problems = SchedulingValidation.Validate(Counselor with { DaysOff = [new DayOff(from, to, reason)] }, new LocalDate(2027, 1, 11));

        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void DaysOff_TooFarAhead_LongReason_TooMany_OrNull_AreProblems()
    {
        var today = new LocalDate(2027, 1, 11);
        Assert.Contains(SchedulingValidation.Validate(Counselor with { DaysOff = [new DayOff("2033-01-01", null, null)] }, today), p => p.StartsWith("daysOff[0].from", StringComparison.Ordinal));
        Assert.Contains(SchedulingValidation.Validate(Counselor with { DaysOff = [new DayOff("2027-02-01", null, new string('x', 201))] }), p => p.StartsWith("daysOff[0].reason", StringComparison.Ordinal));
        var many = Enumerable.Range(0, DocumentLimits.MaxDaysOff + 1).Select(i => new DayOff("2027-02-01", null, null)).ToList();
        Assert.Contains(SchedulingValidation.Validate(Counselor with { DaysOff = many }), p => p.StartsWith("daysOff:", StringComparison.Ordinal));
        Assert.Contains(SchedulingValidation.Validate(Counselor with { DaysOff = null! }), p => p.StartsWith("daysOff:", StringComparison.Ordinal));
        Assert.Empty(SchedulingValidation.Validate(Counselor with { DaysOff = [new DayOff("2027-02-01", "2027-02-03", "Cuti")] }, today));
    }

    [Theory]
    [InlineData("https://meet.google.com/abc-defg-hij", true)]
    [InlineData("https://us02web.zoom.us/j/81234567890?pwd=abc", true)]
    [InlineData("https://teams.microsoft.com/l/meetup-join/19%3ameeting", true)]
    [InlineData("http://meet.google.com/abc-defg-hij", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("https://user:secret@meet.example.com/x", false)]
    [InlineData("https://localhost/x", false)]
    [InlineData("https://10.0.0.1/x", false)]
    [InlineData("https://meet.google.com/abc def", false)]
    [InlineData("meet.google.com/abc-defg-hij", false)]
    [InlineData("", false)]
    public void MeetingUrl_OnlyPlainHttpsOfANamedHost_IsAccepted(string url, bool accepted)
    {
        var problems = SchedulingValidation.Validate(Counselor with { MeetingUrl = url });

        Assert.Equal(accepted, !problems.Any(p => p.StartsWith("meetingUrl", StringComparison.Ordinal)));
    }

    [Fact]
    public void MeetingUrl_LongerThanTheLimit_IsAProblem_AndNullMeansNone()
    {
        var url = "https://meet.example.com/" + new string('a', DocumentLimits.MaxMeetingUrlLength);

        Assert.Contains(SchedulingValidation.Validate(Counselor with { MeetingUrl = url }), p => p.StartsWith("meetingUrl:", StringComparison.Ordinal) && p.Contains("characters", StringComparison.Ordinal));
        Assert.Empty(SchedulingValidation.Validate(Counselor with { MeetingUrl = null }));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("en")]
    public void Reminder_OfAnOnlineMeeting_CarriesTheMeetingLink_WithinBudget(string language)
    {
        var templates = new SmsTemplates(SmsFolder());
        var meetingUrl = "https://meet.google.com/abc-defg-hij";

        var sms = templates.Render(SmsTemplates.Reminder, language, LongModel() with { MeetingLink = meetingUrl });
        var without = templates.Render(SmsTemplates.Reminder, language, LongModel());

        Assert.Contains(meetingUrl + " ", sms.Text, StringComparison.Ordinal);
        Assert.True(sms.WithinBudget, sms.Text);
        Assert.DoesNotContain("meet.google", without.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Link", without.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void OverBudget_NamesTheReminder_WhenTheMeetingLinkIsTooLongForIt()
    {
        var templates = new SmsTemplates(SmsFolder());
        var school = "Madrasah Aliyah Aisyiyah 1 Palembang";
        var counselor = "Dra. Hj. Nur Aini Kusumawardhani, M.Pd.";
        var longUrl = "https://teams.microsoft.com/l/meetup-join/" + new string('x', 78);

        Assert.Empty(templates.OverBudget(school, counselor, "Asia/Jakarta", "https://bk.example.id", "https://meet.google.com/abc-defg-hij"));
        Assert.Contains(templates.OverBudget(school, counselor, "Asia/Jakarta", "https://bk.example.id", longUrl), r => r.Template == SmsTemplates.Reminder);
    }

    [Fact]
    public void Render_WhenNothingElseFits_DropsTheMeetingLinkBeforeGoingOverBudget()
    {
        var templates = new SmsTemplates(SmsFolder());
        var model = LongModel() with { SchoolName = new string('S', 100), CounselorName = new string('C', 100), MeetingLink = "https://teams.microsoft.com/l/meetup-join/" + new string('x', 78) };

        var sms = templates.Render(SmsTemplates.Reminder, "id", model);

        Assert.True(sms.WithinBudget, sms.Text);
        Assert.DoesNotContain("meetup-join", sms.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Covers_IsFalseForAMeetingOutsideTheNewWindows_OrOnADayOff()
    {
        var nine = AtWib(2027, 1, 16, 9, 0);
        var query = Query(counselor: Weekend);

        Assert.True(Plain.Covers(query, nine, nine + Duration.FromMinutes(30)));
        Assert.False(Plain.Covers(Query(counselor: Counselor with { Windows = [new(["Sat"], "13:00", "15:00", "either")] }), nine, nine + Duration.FromMinutes(30)));
        Assert.False(Plain.Covers(Query(counselor: Weekend with { DaysOff = [new DayOff("2027-01-16", null, null)] }), nine, nine + Duration.FromMinutes(30)));
        Assert.False(Plain.Covers(query, AtWib(2027, 1, 16, 9, 45), AtWib(2027, 1, 16, 10, 15)));
    }

    [Fact]
    public void Form_MapsValidatorPathsToTheInputOfTheRightRow_SkippingEmptyRows()
    {
        var form = new ScheduleForm
        {
            Rows = [new ScheduleRow(0, ["Sat"], "08:00", "10:00", "either"), new ScheduleRow(1, [], "", "", "either"), new ScheduleRow(2, ["Sun"], "09:00", "08:00", "online")],
        };

        Assert.Equal("w2-from", form.InputId("windows[1].from"));
        Assert.Equal("w2-to", form.InputId("windows[1].to"));
        Assert.Equal("w2-day-Mon", form.InputId("windows[1].days[0]"));
        Assert.Equal("w0-from", form.InputId("windows[0]"));
        Assert.Equal("slot-minutes", form.InputId("slotMinutes"));
        Assert.Equal("meeting-url", form.InputId("meetingUrl"));
        Assert.Equal("off-to", form.InputId("daysOff[0].to"));
        Assert.Equal(("windows[1].from", "'25:00' is not an HH:mm time."), ScheduleForm.Split("windows[1].from: '25:00' is not an HH:mm time."));
    }

    [Fact]
    public void Form_ToSettings_KeepsWhatIsNotOnTheForm_ReadsRows_AndReportsWhatIsNotANumberOrTime()
    {
        var current = Counselor with { DaysOff = [new DayOff("2027-02-01", null, "Cuti")], Name = "Bu Rahma" };
        var form = new ScheduleForm
        {
            Rows = [new ScheduleRow(0, ["Sat"], "13:00", "15:00", "in_person"), new ScheduleRow(1, [], "", "", "either"), new ScheduleRow(2, [], "9", "08:00", "online")],
            SlotMinutes = "tiga puluh",
            BufferMinutes = "5",
            Seats = "2",
            NoticeHours = "12",
            HorizonDays = "14",
            MeetingUrl = "",
        };

        var (settings, problems) = form.ToSettings(current, key => key);

        Assert.Equal("Bu Rahma", settings.Name);
        Assert.Equal(current.DaysOff, settings.DaysOff);
        Assert.Equal(2, settings.Windows.Count);
        Assert.Equal(["Sat"], settings.Windows[0].Days);
        Assert.Equal(("13:00", "15:00", "in_person"), (settings.Windows[0].From, settings.Windows[0].To, settings.Windows[0].Mode));
        Assert.Equal((5, 2, 12, 14), (settings.BufferMinutes, settings.Seats, settings.MinimumNoticeHours, settings.HorizonDays));
        Assert.Null(settings.MeetingUrl);
        Assert.Contains(("slotMinutes", "error_whole_number"), problems);
        Assert.Contains(("windows[1].days", "error_days"), problems);
        Assert.Contains(("windows[1].from", "error_time"), problems);
        Assert.Equal("w2-from", form.InputId("windows[1].from"));
    }

    [Fact]
    public void Form_DefaultPolicy_StoresNoWindows_AndIgnoresTheRows()
    {
        var form = ScheduleForm.From(Weekend, "v1") with { UseDefault = true };

        var (settings, problems) = form.ToSettings(Weekend, key => key);

        Assert.Empty(settings.Windows);
        Assert.Empty(problems);
        Assert.False(ScheduleForm.From(Weekend, "v1").UseDefault);
        Assert.True(ScheduleForm.From(Counselor, "v1").UseDefault);
        Assert.True(ScheduleForm.From(Weekend, "v1").Rows[^1].IsEmpty);
    }

    private static SmsTemplateModel LongModel() => new()
    {
        StudentNames = ["Muhammad Rizky Alfarizi Pratama Putra"],
        SchoolName = "Madrasah Aliyah Aisyiyah 1 Palembang",
        CounselorName = "Dra. Hj. Nur Aini Kusumawardhani, M.Pd.",
        Link = "https://bk-outreach.ma1plg.id/api/b/" + "Ab3dEf6hIj9lMn0pQr5tUv_xYz12",
        MeetingTime = "Rabu 29 Sep 10:30 WIB",
        Mode = "daring",
    };

    private static string SmsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "templates", "sms");
            if (File.Exists(Path.Combine(dir.FullName, "BkOutreach.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("templates/sms not found above " + AppContext.BaseDirectory);
    }

    private sealed class NoPrayers : IPrayerBlackoutCalculator
    {
        public IReadOnlyList<PrayerBlackout> For(LocalDate date, SchoolSettings school) => [];
    }
}
