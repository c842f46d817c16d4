using BkOutreach.Core.Access;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Tests.Outreach;
using NodaTime;

namespace BkOutreach.Tests.Scheduling;

/// <summary>
/// School, counsellor, staff and id problems in both languages, as <see cref="ProblemWordingTests"/> pins them
/// for campaigns and plans: the JSON routes' English, and Bahasa Indonesia for the staff pages' settings,
/// terms, blackouts and staff forms. Each case is a handful of wrong values; a check worded only in English
/// fails here.
/// </summary>
public sealed class SettingsProblemWordingTests
{
    private static readonly LocalDate Today = new(2027, 2, 1);
    private static readonly SchoolSettings School = new() { Name = "MA Uji", TimeZone = "Asia/Makassar", Latitude = -5.14, Longitude = 119.41 };
    private static readonly CounselorSettings Counselor = new() { Name = "Bu Rina" };

    public static TheoryData<string, SchoolSettings> BadSchools => new()
    {
        { "nothing right", School with { Name = "", TimeZone = "Mars/Base", Latitude = 91, Longitude = 999, Language = "xx", SendingWindow = null!, Terms = null!, Blackouts = null! } },
        {
            "values unreadable",
            School with
            {
                Name = new string('n', 101),
                Longitude = double.NaN,
                SendingWindow = new TimeWindow("25:00", "x"),
                Terms = [null!, new Term("", "2027-13-01", "2027/06/19")],
                Blackouts = [null!, new Blackout("19-03-2027", "besok", new string('r', 201))],
            }
        },
        {
            "ranges backwards, too long or too far",
            School with
            {
                SendingWindow = new TimeWindow("20:00", "08:00"),
                Terms =
                [
                    new Term(new string('t', 101), "2027-02-01", "2027-01-01"),
                    new Term("Lama", "1999-12-31", "2101-01-01"),
                    new Term("Panjang", "2029-01-01", "2030-06-01"),
                    new Term("Jauh", "2033-01-01", "2033-02-01"),
                ],
                Blackouts = [new Blackout("2027-02-10", "2027-02-01", null)],
            }
        },
        {
            "terms named or dated alike",
            School with
            {
                Terms =
                [
                    new Term("Genap", "2027-01-04", "2027-06-19"),
                    new Term("genap", "2027-07-12", "2027-12-18"),
                    new Term("Kelas A/B", "2028-01-03", "2028-03-01"),
                    new Term("Kelas A-B", "2028-02-01", "2028-06-01"),
                ],
            }
        },
        {
            "too many terms and blackouts",
            School with
            {
                Terms = [.. Enumerable.Range(0, 21).Select(i => new Term($"T{i}", "2027-01-04", "2027-01-04"))],
                Blackouts = [.. Enumerable.Range(0, 401).Select(_ => new Blackout("2027-03-19", null, null))],
            }
        },
        {
            "prayer margins wrong",
            School with { PrayerBlackouts = new PrayerBlackoutSettings { Dhuhr = null!, Asr = new PrayerMargin(-5, 500), Jumatan = new TimeWindow("11:30", "1pm") } }
        },
        { "too big to store", School with { Blackouts = [.. Enumerable.Range(0, 300).Select(_ => new Blackout("2027-03-19", null, new string('r', 190)))] } },
    };

    public static TheoryData<string, CounselorSettings> BadCounselors => new()
    {
        {
            "nothing right",
            Counselor with { Name = "", Email = "bad", SlotMinutes = 1, BufferMinutes = -1, Seats = 0, MinimumNoticeHours = -1, HorizonDays = 0, Windows = null!, DaysOff = null! }
        },
        {
            "windows wrong",
            Counselor with
            {
                Name = new string('n', 101),
                Email = "bu rina@sekolah.id",
                Windows =
                [
                    null!,
                    new AvailabilityWindow([], "25:00", "x", "kadang"),
                    new AvailabilityWindow(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"], "08:00", "12:00"),
                    new AvailabilityWindow(["Mon", "Xyz"], "10:00", "09:00"),
                    new AvailabilityWindow(["Tue"], "10:00", "10:10", "online"),
                    new AvailabilityWindow(["Wed"], "08:00", "12:00"),
                    new AvailabilityWindow(["Wed"], "11:00", "13:00"),
                ],
            }
        },
        {
            "too many windows and days off",
            Counselor with
            {
                Windows = [.. Enumerable.Range(0, 29).Select(_ => new AvailabilityWindow(["Sat"], "08:00", "12:00"))],
                DaysOff = [.. Enumerable.Range(0, 101).Select(_ => new DayOff("2027-03-19", null, null))],
            }
        },
        {
            "days off and link wrong",
            Counselor with
            {
                DaysOff = [null!, new DayOff("x", null, new string('r', 201)), new DayOff("2027-02-10", "2027-02-01", null), new DayOff("2033-01-01", null, null)],
                MeetingUrl = "http://meet.google.com/abc",
            }
        },
        { "link too long", Counselor with { MeetingUrl = "https://meet.example.id/" + new string('a', 120) } },
    };

    public static TheoryData<string, string, StaffAssignment, bool> BadAssignments => new()
    {
        { "no email, no role", "bad <x>\"email", new StaffAssignment(null, null), false },
        { "counsellor without one", "ok@s1.sch.id", new StaffAssignment("counselor", null), false },
        { "unknown counsellor", "ok@s1.sch.id", new StaffAssignment("counselor", "bk-9"), false },
        { "admin with a counsellor", "ok@s1.sch.id", new StaffAssignment("school_admin", "bk-1"), true },
    };

    [Theory]
    [MemberData(nameof(BadSchools))]
    public void SchoolProblems_NameTheSameFieldsInBothLanguages_AndNoneStaysEnglishForTheStaffPages(string mistake, SchoolSettings school)
    {
        var english = SchedulingValidation.ValidateForStorage(school, Today);
        var indonesian = SchedulingValidation.ValidateForStorage(school, Today, "id");

        AssertIndonesian(mistake, english, indonesian);
    }

    [Theory]
    [MemberData(nameof(BadCounselors))]
    public void CounselorProblems_NameTheSameFieldsInBothLanguages_AndNoneStaysEnglishForTheStaffPages(string mistake, CounselorSettings counselor)
    {
        var english = SchedulingValidation.ValidateForStorage(counselor, Today);
        var indonesian = SchedulingValidation.ValidateForStorage(counselor, Today, "id");

        AssertIndonesian(mistake, english, indonesian);
    }

    [Theory]
    [MemberData(nameof(BadAssignments))]
    public void StaffProblems_NameTheSameFieldsInBothLanguages_AndNoneStaysEnglishForTheStaffPage(string mistake, string email, StaffAssignment body, bool counselorKnown)
    {
        var english = StaffAdmin.AssignmentProblems(email, body, counselorKnown);
        var indonesian = StaffAdmin.AssignmentProblems(email, body, counselorKnown, "id");

        AssertIndonesian(mistake, english, indonesian);
    }

    [Fact]
    public void IdAndSmsBudgetProblems_AreWordedInBothLanguages()
    {
        var over = new RenderedSms("reminder", "id", "…", 3, true);
        var causes = Enum.GetValues<SchoolAdmin.SmsLengthCause>();
        AssertIndonesian(
            "id and budget",
            [.. SchoolAdmin.IdProblems("counselorId", "BK 3!"), .. causes.Select(c => SchoolAdmin.SegmentProblem(c, over))],
            [.. SchoolAdmin.IdProblems("counselorId", "BK 3!", "id"), .. causes.Select(c => SchoolAdmin.SegmentProblem(c, over, "id"))]);
        Assert.Empty(SchoolAdmin.IdProblems("counselorId", "bk-3", "id"));
    }

    [Fact]
    public void JsonRouteWording_IsUnchanged()
    {
        // Scripts and the contract's examples read these; the staff pages' words must not leak into them.
        var problems = SchedulingValidation.Validate(School with { Name = "", Longitude = 999, Terms = [new Term("Genap", "2027-02-01", "2027-01-01")], Blackouts = [new Blackout("2027-02-10", "2027-02-01", null)] }, Today);
        Assert.Equal(
            [
                "name: required.",
                "longitude: 999 is outside -180..180.",
                "terms[0]: firstDay (2027-02-01) is after lastDay (2027-01-01).",
                "blackouts[0]: from (2027-02-10) is after to (2027-02-01).",
            ],
            problems);
        Assert.Equal(["email: must be an email address (local@domain), without spaces or | / \\ # ?.", "counselorId: only for role counselor (a school admin sees every counsellor)."], StaffAdmin.AssignmentProblems("x", new StaffAssignment("school_admin", "bk-1"), true));
        Assert.Equal(["counselorId: use 1-63 lower-case letters, digits and '-', got 'BK 3!'."], SchoolAdmin.IdProblems("counselorId", "BK 3!"));
    }

    /// <summary>
    /// Both lists name the same fields in order (<see cref="ProblemWordingTests.AssertWordedInBoth"/>), and no
    /// Indonesian message, values in quotes aside, carries the English validators' words.
    /// </summary>
    private static void AssertIndonesian(string mistake, IReadOnlyList<string> english, IReadOnlyList<string> indonesian)
    {
        ProblemWordingTests.AssertWordedInBoth(mistake, english, indonesian);
        string[] markers = ["required", "is not", "must", "outside", "is after", "is before", "at most", "items", "characters", "overlaps", "give", "shorter", "longer", " use ", "only", "got", "segments", "email address", "ahead", "object", "list", "one of"];
        foreach (var problem in indonesian)
        {
            var message = System.Text.RegularExpressions.Regex.Replace(problem[(problem.IndexOf(':', StringComparison.Ordinal) + 1)..], "'[^']*'", "''");
            var found = markers.FirstOrDefault(m => message.Contains(m, StringComparison.OrdinalIgnoreCase));
            Assert.True(found is null, $"{mistake}: '{problem}' has the English '{found}'");
        }
    }
}
