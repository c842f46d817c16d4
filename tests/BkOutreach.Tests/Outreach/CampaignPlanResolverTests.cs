using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Tests.Outreach;

public sealed class CampaignPlanResolverTests
{
    private static readonly Term Genap = new("2026/2027 Genap", "2027-01-04", "2027-06-19");

    private static readonly SchoolSettings School = new()
    {
        Name = "S",
        Terms = [Genap],
        Blackouts = [new Blackout("2027-01-10", "2027-01-12", "Libur"), new Blackout("2027-05-29", null, "Hari raya")],
    };

    private static readonly CampaignPlanDefinition Plan = new()
    {
        Name = "Kenali guru BK",
        Waves = [new PlanWave("outreach", TermDay: 7), new PlanWave("follow_up", AfterDays: 7), new PlanWave("survey_barrier", DaysBeforeTermEnd: 21)],
        BookingWindow = new PlanBookingWindow(FromTermDay: 7, ToTermDay: 49),
    };

    [Theory]
    [InlineData("kenali-guru-bk", "2026/2027 Genap", "kenali-guru-bk-2026-2027-genap")]
    [InlineData("p", "Semester 1 (Ganjil)", "p-semester-1--ganjil-")]
    public void CampaignId_IsPlanIdAndTermInLowerCaseWithNonAlphanumericsAsDashes(string plan, string term, string id) =>
        Assert.Equal(id, CampaignPlanResolver.CampaignId(plan, term));

    [Fact]
    public void Resolve_CountsTermDaysFromDayOne_MovesBlackoutDays_AndCountsFollowUpsFromTheMovedDay()
    {
        var resolved = CampaignPlanResolver.Resolve(Plan, School, Genap, today: new LocalDate(2027, 1, 1));

        // Day 7 = 01-10, a blackout until 01-12 → 01-13; follow-up 7 days after → 01-20; 21 days before 06-19 = 05-29, blackout → 05-30.
        Assert.Equal(["2027-01-13", "2027-01-20", "2027-05-30"], resolved.Definition.Waves.Select(w => w.SendOn));
        Assert.Empty(resolved.LateWaves);
        Assert.Empty(resolved.SkippedWaves);

        // The booking window (day 7 to day 49) stays open until the survey's day: nothing goes once links expire.
        Assert.Equal(new DateWindow("2027-01-10", "2027-05-30"), resolved.Definition.BookingWindow);
        Assert.Equal("2026/2027 Genap", resolved.Definition.Term);
    }

    [Fact]
    public void Resolve_MadeAfterTheFirstWavesDay_SendsItTodayMarkedLate_AndLaterWavesFollowFromThere()
    {
        var resolved = CampaignPlanResolver.Resolve(Plan, School, Genap, today: new LocalDate(2027, 2, 1));

        Assert.Equal(["2027-02-01", "2027-02-08", "2027-05-30"], resolved.Definition.Waves.Select(w => w.SendOn));
        Assert.Equal([0], resolved.LateWaves);
    }

    [Fact]
    public void Resolve_AWaveDayAfterTheTermEnds_IsSkipped_AndADisabledPlanSkipsEverythingNotYetOut()
    {
        var late = CampaignPlanResolver.Resolve(Plan, School, Genap, today: new LocalDate(2027, 6, 15));
        // Outreach today; the follow-up (06-22) and the survey, which never goes before it, fall after the term.
        Assert.Equal([1, 2], late.SkippedWaves);
        Assert.Equal([0, 2], late.LateWaves);

        var existing = new Campaign("kenali-2026-2027-genap", "s", CampaignPlanResolver.Resolve(Plan, School, Genap, new LocalDate(2027, 1, 1)).Definition) { PlanId = "kenali" };
        var disabled = CampaignPlanResolver.Resolve(Plan with { Enabled = false }, School, Genap, new LocalDate(2027, 1, 14), existing, new Dictionary<int, LocalDate> { [0] = new(2027, 1, 13) });
        Assert.Equal([1, 2], disabled.SkippedWaves);
        Assert.Equal("2027-01-13", disabled.Definition.Waves[0].SendOn);
    }

    [Fact]
    public void Resolve_Again_KeepsAWaveThatWentOut_AsItWent()
    {
        var existing = new Campaign("c", "s", CampaignPlanResolver.Resolve(Plan, School, Genap, new LocalDate(2027, 1, 1)).Definition) { PlanId = "kenali" };
        var edited = Plan with { Template = "outreach", Waves = [new PlanWave("outreach", TermDay: 20), new PlanWave("follow_up", AfterDays: 3)] };

        var again = CampaignPlanResolver.Resolve(edited, School, Genap, new LocalDate(2027, 1, 14), existing, new Dictionary<int, LocalDate> { [0] = new(2027, 1, 14) });

        Assert.Equal(["2027-01-13", "2027-01-17"], again.Definition.Waves.Select(w => w.SendOn)); // 3 days after the day it went out
    }

    [Fact]
    public void Version_ChangesWithThePlanTheTermOrTheBlackouts()
    {
        var version = CampaignPlanResolver.VersionOf(Plan, Genap, School);
        Assert.Equal(version, CampaignPlanResolver.VersionOf(Plan with { }, Genap, School));
        Assert.NotEqual(version, CampaignPlanResolver.VersionOf(Plan with { Enabled = false }, Genap, School));
        Assert.NotEqual(version, CampaignPlanResolver.VersionOf(Plan, Genap with { LastDay = "2027-06-26" }, School));
        Assert.NotEqual(version, CampaignPlanResolver.VersionOf(Plan, Genap, School with { Blackouts = [] }));
    }

    [Fact]
    public void Validate_NamesEveryProblemByField_IncludingAWaveThatCannotFallInsideTheTerm()
    {
        var plan = new CampaignPlanDefinition
        {
            Name = "",
            Template = "nope",
            Audience = new CampaignAudience(null, "bk-9"),
            Waves =
            [
                new PlanWave("outreach", AfterDays: 7),
                new PlanWave("follow_up", TermDay: 0),
                new PlanWave("survey_barrier", SendOn: "2027-05-01"),
                new PlanWave("outreach", TermDay: 300),
            ],
            BookingWindow = new PlanBookingWindow(FromTermDay: 60, ToTermDay: 10),
        };

        var problems = CampaignPlanValidation.Validate(plan, School, ["bk-1"], ["outreach"]);

        Assert.Contains("name: is required.", problems);
        Assert.Contains(problems, p => p.StartsWith("template:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("audience.counselorId:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("waves[0].afterDays:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("waves[1].termDay:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("waves[2].sendOn:", StringComparison.Ordinal));
        Assert.Contains("bookingWindow: fromTermDay must not be after toTermDay.", problems);

        var outside = CampaignPlanValidation.Validate(Plan with { Waves = [new PlanWave("outreach", TermDay: 300)] }, School, ["bk-1"], ["outreach"]);
        Assert.Contains("waves[0]: falls on 2027-10-30, outside term '2026/2027 Genap' (2027-01-04 to 2027-06-19, 167 days).", outside);
    }

    [Fact]
    public void Validate_TheRecommendedPlanAndTheContractsExample_AreValidForANormalTerm()
    {
        Assert.Empty(CampaignPlanValidation.Validate(RecommendedPlan.Definition, School, ["bk-1"], ["outreach"]));
        Assert.Empty(CampaignPlanValidation.Validate(Plan, School, ["bk-1"], ["outreach"]));
        Assert.Empty(CampaignPlanValidation.Validate(Plan, School with { Terms = [] }, ["bk-1"], ["outreach"]));
    }
}
