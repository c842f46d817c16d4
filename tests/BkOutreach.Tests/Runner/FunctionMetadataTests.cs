using System.Text.Json;
using BkOutreach.LocalRunner;

namespace BkOutreach.Tests.Runner;

/// <summary>
/// The SDK's functions.metadata is what Azure reads to know the functions; the runner reads the same
/// attributes by reflection. Both must list exactly the expected set, so no function disappears silently.
/// </summary>
public sealed class FunctionMetadataTests
{
    private static readonly Dictionary<string, string> Expected = new()
    {
        ["GetHealth"] = "httpTrigger",
        ["PutSchool"] = "httpTrigger",
        ["PutCounselor"] = "httpTrigger",
        ["GetCounselor"] = "httpTrigger",
        ["RotateFeedKey"] = "httpTrigger",
        ["GetSchoolSlotsFeed"] = "httpTrigger",
        ["GetCounselorBookingsFeed"] = "httpTrigger",
        ["CreateCampaign"] = "httpTrigger",
        ["DispatchCampaignNow"] = "httpTrigger",
        ["DispatchSchoolCampaignNow"] = "httpTrigger",
        ["DispatchCampaigns"] = "timerTrigger",
        ["ImportRosterCsv"] = "httpTrigger",
        ["SendSmsBatch"] = "queueTrigger",
        ["AcsEventsWebhook"] = "httpTrigger",
        ["SyncBusyTimes"] = "timerTrigger",
        ["SweepBookingEvents"] = "timerTrigger",
        ["HandleBookingEvents"] = "queueTrigger",
        ["GetLinkSlots"] = "httpTrigger",
        ["CreateLinkBooking"] = "httpTrigger",
        ["DeleteLinkBooking"] = "httpTrigger",
        ["GetBookingInvite"] = "httpTrigger",
        ["ShowBookingPage"] = "httpTrigger",
        ["PostBookingPage"] = "httpTrigger",
        ["CancelBookingPage"] = "httpTrigger",
        ["ShowConfirmationPage"] = "httpTrigger",
        ["ChooseChannelPage"] = "httpTrigger",
        ["AboutBk"] = "httpTrigger",
        ["SendReminders"] = "timerTrigger",
        ["MarkAttendance"] = "httpTrigger",
        ["GetDashboard"] = "httpTrigger",
        ["GetParticipationCsv"] = "httpTrigger",
        ["GetParticipationEventsCsv"] = "httpTrigger",
        ["GetParticipationCodebook"] = "httpTrigger",
        ["GetSchoolCodebook"] = "httpTrigger",
        ["EraseGuardian"] = "httpTrigger",
        ["EraseGuardianByPhone"] = "httpTrigger",
        ["PutCampaignPlan"] = "httpTrigger",
        ["AddRecommendedCampaignPlan"] = "httpTrigger",
        ["ListCampaignPlans"] = "httpTrigger",
        ["DeleteCampaignPlan"] = "httpTrigger",
        ["ListCampaigns"] = "httpTrigger",
        ["PutStaff"] = "httpTrigger",
        ["DeleteStaff"] = "httpTrigger",
        ["ListStaff"] = "httpTrigger",
        ["CreateSchoolKey"] = "httpTrigger",
        ["ListSchoolKeys"] = "httpTrigger",
        ["DeleteSchoolKey"] = "httpTrigger",
        ["GetStaffHome"] = "httpTrigger",
        ["StaffCampaigns"] = "httpTrigger",
        ["StaffAddRecommendedPlan"] = "httpTrigger",
        ["StaffNewCampaign"] = "httpTrigger",
        ["StaffComposeCampaign"] = "httpTrigger",
        ["StaffCampaign"] = "httpTrigger",
        ["StaffDispatchCampaign"] = "httpTrigger",
        ["StaffCampaignPlan"] = "httpTrigger",
        ["StaffSaveCampaignPlan"] = "httpTrigger",
        ["GetSchool"] = "httpTrigger",
        ["ShowSchoolSettingsPage"] = "httpTrigger",
        ["SaveSchoolSettingsPage"] = "httpTrigger",
        ["ShowSchoolTermsPage"] = "httpTrigger",
        ["SaveSchoolTermsPage"] = "httpTrigger",
        ["ShowSchoolBlackoutsPage"] = "httpTrigger",
        ["SaveSchoolBlackoutsPage"] = "httpTrigger",
        ["ShowSchoolStaffPage"] = "httpTrigger",
        ["SaveSchoolStaffPage"] = "httpTrigger",
        ["ShowRosterPage"] = "httpTrigger",
        ["PreviewRosterPage"] = "httpTrigger",
        ["ImportRosterPage"] = "httpTrigger",
        ["ShowGuardiansPage"] = "httpTrigger",
        ["ConfirmGuardianErasurePage"] = "httpTrigger",
        ["EraseGuardianPage"] = "httpTrigger",
    };

    [Fact]
    public void FunctionsMetadata_ListsEveryFunctionWithItsTrigger()
    {
        var path = Path.Combine(RepoPaths.Root, "functions", "bin", Configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} missing: the function app's build did not emit functions.metadata.");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));

        var actual = doc.RootElement.EnumerateArray().ToDictionary(
            f => f.GetProperty("name").GetString()!,
            f => f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("direction").GetString() == "In" && b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).GetProperty("type").GetString()!);

        Assert.Equal(Expected.OrderBy(x => x.Key), actual.OrderBy(x => x.Key));
    }

    [Fact]
    public void RunnerCatalog_FindsTheSameFunctionsAsTheMetadata()
    {
        var catalog = FunctionCatalog.Discover([typeof(BkOutreach.Functions.Health.GetHealth).Assembly]);

        Assert.Equal(Expected.Keys.Order(), catalog.Select(f => f.Name).Order());
        Assert.All(catalog, f => Assert.Equal(Expected[f.Name], f.Kind switch
        {
            TriggerKind.Http => "httpTrigger",
            TriggerKind.Timer => "timerTrigger",
            _ => "queueTrigger",
        }));
    }

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
}
