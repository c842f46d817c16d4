using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Functions.Http;
using BkOutreach.LocalRunner;
using NodaTime;

namespace BkOutreach.Tests.Reliability;

/// <summary>The documented limits agree between the code and host.json, and the validators' entry points keep their contract.</summary>
public sealed class LimitsTests
{
    private static readonly SchoolSettings School = new()
    {
        Name = "MA Uji Coba",
        Terms = [new Term("2026/2027 Genap", "2027-01-04", "2027-06-19")],
    };

    private static readonly string[] Templates = ["outreach", "follow_up", "survey_barrier", "survey_channel"];

    [Fact]
    public void JsonBodyLimit_IsWithinTheHostsRequestLimit_AndAStoredDocumentFitsInIt()
    {
        using var host = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")));
        var hostLimit = host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("maxRequestBodySize").GetInt64();

        Assert.True(HttpJson.MaxBodyBytes <= hostLimit, $"HttpJson accepts {HttpJson.MaxBodyBytes} bytes but host.json cuts requests at {hostLimit}");
        Assert.True(DocumentLimits.MaxStoredDocumentChars * 2 <= 64 * 1024, "a stored document must fit one table property (64 KiB of UTF-16)");
    }

    [Fact]
    public void Validate_WaveAfterTheTermOrAfterTheWindow_AndAWindowThatEnded_AreRefused()
    {
        var campaign = new CampaignDefinition
        {
            Name = "Kenali guru BK",
            Term = "2026/2027 Genap",
            Waves = [new CampaignWave("outreach", "2027-01-11"), new CampaignWave("follow_up", AfterDays: 40), new CampaignWave("survey_barrier", "2027-07-01")],
            BookingWindow = new DateWindow("2027-01-11", "2027-02-14"),
        };

        var problems = CampaignValidation.Validate(campaign, School, ["bk-1"], Templates, today: new LocalDate(2027, 2, 20));

        Assert.Contains(problems, p => p.StartsWith("waves[1]:", StringComparison.Ordinal) && p.Contains("after the booking window", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("waves[2]:", StringComparison.Ordinal) && p.Contains("outside the term", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("bookingWindow.to:", StringComparison.Ordinal));
        Assert.Empty(CampaignValidation.Validate(campaign with { Waves = [campaign.Waves[0], new CampaignWave("follow_up", AfterDays: 7), new CampaignWave("survey_barrier", "2027-06-01")] }, School, ["bk-1"], Templates, today: new LocalDate(2027, 1, 11)));
    }

    [Fact]
    public void ValidateCommon_ForAPlan_ChecksKindsTemplateAndSizes_ButLeavesDatesToTheCaller()
    {
        // A plan's waves carry term days, not dates: none of them is a problem here.
        CampaignWave?[] planWaves = [new CampaignWave("outreach"), new CampaignWave("follow_up", AfterDays: 7), new CampaignWave("survey_barrier")];

        Assert.Empty(CampaignValidation.ValidateCommon("Rencana", "outreach", null, planWaves, ["bk-1"], Templates));

        var problems = CampaignValidation.ValidateCommon("", "opt_out_confirmation", new CampaignAudience(["X", null!], "bk-9"), [null, new CampaignWave("reminder"), new CampaignWave("follow_up", AfterDays: 0)], ["bk-1"], Templates);
        string[] fields = ["name:", "template:", "audience.counselorId:", "audience.classes[1]:", "waves[0]:", "waves[1].kind:", "waves[2].afterDays:"];
        Assert.All(fields, f => Assert.Contains(problems, p => p.StartsWith(f, StringComparison.Ordinal)));
    }
}
