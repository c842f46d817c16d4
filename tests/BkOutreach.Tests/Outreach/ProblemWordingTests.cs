using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;
using NodaTime;

namespace BkOutreach.Tests.Outreach;

/// <summary>
/// Campaign and plan problems in both languages: the JSON API's English (CONTRACTS.md) and the staff pages'
/// Bahasa Indonesia. For every kind of mistake the two lists name the same fields in the same order, and no
/// problem is left in English on the staff pages. A new check worded only in English fails here.
/// </summary>
public sealed class ProblemWordingTests
{
    private static readonly Term Genap = new("2026/2027 Genap", "2027-01-04", "2027-06-19");
    private static readonly SchoolSettings School = new() { Name = "S", Terms = [Genap], Blackouts = [new Blackout("2027-06-19", null, "Libur")] };
    private static readonly LocalDate Today = new(2027, 2, 1);
    private static readonly string[] Counselors = ["bk-1"];
    private static readonly string[] Templates = ["outreach", "follow_up"];

    private static readonly CampaignDefinition Good = new()
    {
        Name = "Kenali guru BK",
        Term = Genap.Name,
        Waves = [new CampaignWave("outreach", "2027-02-08"), new CampaignWave("follow_up", null, 7)],
        BookingWindow = new DateWindow("2027-02-08", "2027-03-14"),
    };

    public static TheoryData<string, CampaignDefinition> BadCampaigns => new()
    {
        { "nothing right", new CampaignDefinition { Name = "", Term = "Ganjil", Template = "reminder", Waves = [] } },
        { "long name, unknown counsellor, empty class", Good with { Name = new string('n', 101), Audience = new CampaignAudience(["X IPA 1", " ", new string('k', 201)], "bk-9") } },
        { "null waves", Good with { Waves = null! } },
        { "waves wrong", Good with { Waves = [null!, new CampaignWave("follow_up", null, 0), new CampaignWave("poster"), new CampaignWave("survey_barrier")] } },
        { "follow-up first", Good with { Waves = [new CampaignWave("follow_up", null, 7)] } },
        { "dates unreadable", Good with { Waves = [new CampaignWave("outreach", "08-02-2027"), new CampaignWave("outreach")], BookingWindow = null } },
        { "dates out of range", Good with { Waves = [new CampaignWave("outreach", "1999-12-31")], BookingWindow = new DateWindow("2101-01-01", "2040-01-01") } },
        { "window backwards", Good with { BookingWindow = new DateWindow("2027-03-14", "2027-02-08") } },
        { "window past and outside the term", Good with { BookingWindow = new DateWindow("2026-12-01", "2027-01-20") } },
        { "waves outside the term and after the window", Good with { Waves = [new CampaignWave("outreach", "2027-06-01"), new CampaignWave("follow_up", null, 30)] } },
        { "a wave on a blackout day", Good with { Waves = [new CampaignWave("outreach", "2027-06-19")], BookingWindow = new DateWindow("2027-06-01", "2027-06-19") } },
        { "too many waves", Good with { Waves = [.. Enumerable.Range(0, 11).Select(_ => new CampaignWave("outreach", "2027-02-08"))] } },
        { "too big to store", Good with { Audience = new CampaignAudience([.. Enumerable.Range(0, 200).Select(i => $"{i}{new string('k', 190)}")], null) } },
    };

    public static TheoryData<string, CampaignPlanDefinition> BadPlans => new()
    {
        { "waves wrong", new CampaignPlanDefinition { Name = "P", Waves = [null!, new PlanWave("outreach", TermDay: 0, AfterDays: 3, DaysBeforeTermEnd: -1, SendOn: "2027-02-01"), new PlanWave("follow_up", AfterDays: 91)] } },
        { "first wave counts from nothing", new CampaignPlanDefinition { Name = "P", Waves = [new PlanWave("outreach", AfterDays: 3)] } },
        { "window wrong", new CampaignPlanDefinition { Name = "P", Waves = [new PlanWave("outreach", TermDay: 7)], BookingWindow = new PlanBookingWindow(0, 400, -1) } },
        { "window both ends and backwards", new CampaignPlanDefinition { Name = "P", Waves = [new PlanWave("outreach", TermDay: 7)], BookingWindow = new PlanBookingWindow(50, 40, 3) } },
        { "outside the term", new CampaignPlanDefinition { Name = "P", Waves = [new PlanWave("outreach", TermDay: 300), new PlanWave("survey_barrier", DaysBeforeTermEnd: 0)], BookingWindow = new PlanBookingWindow(200, 250) } },
        { "window end before the term", new CampaignPlanDefinition { Name = "P", Waves = [new PlanWave("outreach", TermDay: 7)], BookingWindow = new PlanBookingWindow(ToDaysBeforeTermEnd: 300) } },
    };

    [Fact]
    public void CampaignWave_OnABlackoutDay_IsRefused_TheDayBeforeIsNot()
    {
        var onHoliday = Good with { Waves = [new CampaignWave("outreach", "2027-06-19")], BookingWindow = new DateWindow("2027-06-01", "2027-06-19") };

        var problem = Assert.Single(CampaignValidation.Validate(onHoliday, School, Counselors, Templates, Today));

        Assert.StartsWith("waves[0]: goes out on 2027-06-19, a blackout day", problem, StringComparison.Ordinal);
        Assert.Empty(CampaignValidation.Validate(onHoliday with { Waves = [new CampaignWave("outreach", "2027-06-18")] }, School, Counselors, Templates, Today));
    }

    [Theory]
    [MemberData(nameof(BadCampaigns))]
    public void CampaignProblems_NameTheSameFieldsInBothLanguages_AndNoneStaysEnglishForTheStaffPages(string mistake, CampaignDefinition campaign)
    {
        var english = CampaignValidation.Validate(campaign, School, Counselors, Templates, Today);
        var indonesian = CampaignValidation.Validate(campaign, School, Counselors, Templates, Today, "id");

        AssertWordedInBoth(mistake, english, indonesian);
    }

    [Theory]
    [MemberData(nameof(BadPlans))]
    public void PlanProblems_NameTheSameFieldsInBothLanguages_AndNoneStaysEnglishForTheStaffPages(string mistake, CampaignPlanDefinition plan)
    {
        var english = CampaignPlanValidation.Validate(plan, School, Counselors, Templates);
        var indonesian = CampaignPlanValidation.Validate(plan, School, Counselors, Templates, "id");

        AssertWordedInBoth(mistake, english, indonesian);
    }

    [Fact]
    public void AProblemOnThePage_DropsTheJsonPath_ButKeepsAnyOtherText()
    {
        Assert.Equal("sudah lewat (hari ini 2027-02-01 di sekolah).", CampaignComposer.MessageOf("bookingWindow.to: sudah lewat (hari ini 2027-02-01 di sekolah)."));
        Assert.Equal("Isi nama: wajib", CampaignComposer.MessageOf("Isi nama: wajib"));
        Assert.Equal("tanpa titik dua", CampaignComposer.MessageOf("tanpa titik dua"));
    }

    internal static void AssertWordedInBoth(string mistake, IReadOnlyList<string> english, IReadOnlyList<string> indonesian)
    {
        Assert.True(english.Count > 0, $"{mistake}: no problem found");
        Assert.Equal(english.Select(PathOf), indonesian.Select(PathOf));
        foreach (var (en, id) in english.Zip(indonesian))
        {
            Assert.True(en != id, $"{mistake}: '{en}' is the same in Indonesian");
        }
    }

    private static string PathOf(string problem) => problem[..problem.IndexOf(':', StringComparison.Ordinal)];
}
