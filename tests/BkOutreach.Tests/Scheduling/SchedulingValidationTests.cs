using System.Text.Json;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;

namespace BkOutreach.Tests.Scheduling;

public sealed class SchedulingValidationTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Validate_DemoSchoolAndCounselors_HaveNoProblems()
    {
        using var demo = SchedulingFixtures.DemoData();
        var school = demo.RootElement.GetProperty("school").Deserialize<SchoolSettings>(Web)!;
        Assert.Empty(SchedulingValidation.Validate(school));
        foreach (var counselor in demo.RootElement.GetProperty("counselors").EnumerateArray())
        {
            Assert.Empty(SchedulingValidation.Validate(counselor.Deserialize<CounselorSettings>(Web)!));
        }
    }

    [Fact]
    public void Validate_SchoolWithManyMistakes_ListsEveryFieldOnce()
    {
        var school = SchedulingFixtures.Palembang with
        {
            TimeZone = "Asia/Jakarat",
            Latitude = -91,
            Longitude = double.NaN,
            Language = "fr",
            SendingWindow = new TimeWindow("20:00", "08:00"),
            Terms = [new Term("", "2027-13-01", "2027-06-19"), new Term("Genap", "2027-06-19", "2027-01-04")],
            Blackouts = [new Blackout("2027-03-12", "2027-03-08", "Idul Fitri"), new Blackout("12/03/2027", null, null)],
            PrayerBlackouts = new PrayerBlackoutSettings { Asr = new PrayerMargin(-5, 500), Jumatan = new TimeWindow("11:30", "1pm") },
        };

        var problems = SchedulingValidation.Validate(school);

        string[] fields =
        [
            "timeZone:", "latitude:", "longitude:", "language:", "sendingWindow:", "terms[0].name:", "terms[0].firstDay:",
            "terms[1]:", "blackouts[0]:", "blackouts[1].from:", "prayerBlackouts.asr.before:", "prayerBlackouts.asr.after:",
            "prayerBlackouts.jumatan.to:",
        ];
        foreach (var field in fields)
        {
            Assert.Single(problems, p => p.StartsWith(field, StringComparison.Ordinal));
        }

        Assert.Equal(fields.Length, problems.Count);
    }

    [Theory]
    [InlineData("Kelas A/B", "Kelas A-B")]
    [InlineData("2026/2027 Genap", "2026-2027 GENAP")]
    public void Validate_TermNamesGivingOneCampaignId_AreRefused_NamingBoth(string one, string other)
    {
        var school = SchedulingFixtures.Palembang with { Terms = [new Term(one, "2027-01-04", "2027-03-19"), new Term(other, "2027-07-12", "2027-12-18")] };

        var problem = Assert.Single(SchedulingValidation.Validate(school));

        Assert.StartsWith("terms:", problem, StringComparison.Ordinal);
        Assert.Contains($"'{one}'", problem, StringComparison.Ordinal);
        Assert.Contains($"'{other}'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2027-06-19", "2027-12-18", true)]
    [InlineData("2027-06-20", "2027-12-18", false)]
    [InlineData("2027-02-01", "2027-02-10", true)]
    public void Validate_OverlappingTerms_AreRefused_AdjacentOnesAreNot(string first, string last, bool overlaps)
    {
        // Listed in any order: the second term starts on, after or inside the first one.
        var school = SchedulingFixtures.Palembang with { Terms = [new Term("Antara", first, last), new Term("2026/2027 Genap", "2027-01-04", "2027-06-19")] };

        var problems = SchedulingValidation.Validate(school);

        if (overlaps)
        {
            Assert.Contains("overlaps", Assert.Single(problems), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(problems);
        }
    }

    [Fact]
    public void Validate_CounselorWithManyMistakes_ListsEveryFieldOnce()
    {
        var counselor = SchedulingFixtures.Counselor with
        {
            Name = " ",
            Email = "not an email",
            SlotMinutes = 4,
            BufferMinutes = 121,
            Seats = 0,
            MinimumNoticeHours = 721,
            HorizonDays = 181,
            Windows =
            [
                new AvailabilityWindow(["Sat", "Saturday"], "08:00", "12:00", "in_person"),
                new AvailabilityWindow([], "8:00", "12:00", "zoom"),
                new AvailabilityWindow(["Mon"], "21:00", "19:30"),
            ],
        };

        var problems = SchedulingValidation.Validate(counselor);

        string[] fields =
        [
            "name:", "email:", "slotMinutes:", "bufferMinutes:", "seats:", "minimumNoticeHours:", "horizonDays:",
            "windows[0].days[1]:", "windows[1].days:", "windows[1].mode:", "windows[1].from:", "windows[2]:",
        ];
        foreach (var field in fields)
        {
            Assert.Single(problems, p => p.StartsWith(field, StringComparison.Ordinal));
        }

        Assert.Equal(fields.Length, problems.Count);
    }

    [Fact]
    public void Validate_OverlappingWindowsOnADay_AreAProblem()
    {
        var counselor = SchedulingFixtures.Counselor with
        {
            Windows = [new(["Sat", "Sun"], "08:00", "12:00"), new(["Sun"], "11:00", "13:00", "online")],
        };

        var problem = Assert.Single(SchedulingValidation.Validate(counselor));
        Assert.StartsWith("windows[1]: overlaps windows[0] on Sunday", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WindowShorterThanASlot_IsAProblem()
    {
        var counselor = SchedulingFixtures.Counselor with { SlotMinutes = 60, Windows = [new(["Sat"], "08:00", "08:45")] };

        Assert.StartsWith("windows[0]:", Assert.Single(SchedulingValidation.Validate(counselor)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Asia/Jakarta")]
    [InlineData("Asia/Makassar")]
    [InlineData("Asia/Jayapura")]
    public void Validate_IndonesianZones_AreAccepted(string zone)
    {
        Assert.Empty(SchedulingValidation.Validate(SchedulingFixtures.Palembang with { TimeZone = zone }));
    }

    [Fact]
    public void DefaultAvailability_IsWeekendMorningsAndMondayToThursdayEvenings()
    {
        Assert.Empty(SchedulingValidation.Validate(SchedulingFixtures.Counselor with { Windows = DefaultAvailability.Windows }));
        Assert.Equal(
            ["Sat,Sun 08:00-12:00 either", "Mon,Tue,Wed,Thu 19:30-21:00 either"],
            DefaultAvailability.Windows.Select(w => $"{string.Join(',', w.Days)} {w.From}-{w.To} {w.Mode}"));
    }
}
