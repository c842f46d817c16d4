using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Staff;

/// <summary>
/// The paths of the staff pages (under the <c>api</c> prefix), one place for every link to them. A
/// counsellor's pages carry their counsellor id, so the access rule of the route (a <c>{counselorId}</c> must
/// be the caller's own) guards them; a school's pages need the school admin role.
/// </summary>
public static class StaffPaths
{
    public const string Home = "/api/staff";

    public static string School(string schoolId) => $"/api/staff/schools/{Uri.EscapeDataString(schoolId)}";

    public static string Counselor(string schoolId, string counselorId) => $"{School(schoolId)}/counselors/{Uri.EscapeDataString(counselorId)}";

    /// <summary>"Jadwal saya": availability, preview, days off, meetings, feed.</summary>
    public static string Schedule(string schoolId, string counselorId) => Counselor(schoolId, counselorId) + "/schedule";

    /// <summary>Parents' messages: the inbox of one counsellor.</summary>
    public static string Messages(string schoolId, string counselorId) => Counselor(schoolId, counselorId) + "/messages";

    public static string Settings(string schoolId) => School(schoolId) + "/settings";

    public static string Staff(string schoolId) => School(schoolId) + "/staff";

    public static string Roster(string schoolId) => School(schoolId) + "/roster";

    public static string Guardians(string schoolId) => School(schoolId) + "/guardians";

    public static string Campaigns(string schoolId) => School(schoolId) + "/campaigns";

    /// <summary>One campaign: its waves' status and "dispatch now" (<c>…/dispatch</c>).</summary>
    public static string Campaign(string schoolId, string campaignId) => $"{Campaigns(schoolId)}/{Uri.EscapeDataString(campaignId)}";

    /// <summary>The campaign composer.</summary>
    public static string NewCampaign(string schoolId) => School(schoolId) + "/new-campaign";

    /// <summary>Editing one campaign plan (enabled, waves).</summary>
    public static string CampaignPlan(string schoolId, string planId) => $"{School(schoolId)}/campaign-plans/{Uri.EscapeDataString(planId)}";

    /// <summary>The JSON-API-era dashboard page, linked from the staff pages.</summary>
    public static string Dashboard(string schoolId) => $"/api/admin/schools/{Uri.EscapeDataString(schoolId)}/dashboard";
}

/// <summary>Which menu entry a page is.</summary>
public enum StaffSection
{
    Home,
    Schedule,
    Messages,
    Settings,
    Staff,
    Roster,
    Guardians,
    Campaigns,
    Dashboard,
}

/// <summary>Builds the <see cref="StaffFrame"/> of a page: the menu the caller's role in the school allows and a fresh form token.</summary>
public sealed class StaffFrames(SchoolDirectory directory, FormTokens formTokens)
{
    public async Task<StaffFrame> BuildAsync(Caller caller, string? schoolId, string lang, StaffSection current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        lang = StaffPages.Language(lang);
        var en = lang == "en";
        var nav = new List<StaffNavLink> { new(en ? "Home" : "Beranda", StaffPaths.Home, current == StaffSection.Home) };
        var schoolName = "";
        if (schoolId is not null && caller.GrantIn(schoolId) is { } grant)
        {
            schoolName = (await directory.GetSchoolAsync(schoolId, cancellationToken))?.Name ?? schoolId;
            if (grant is { Role: StaffRole.Counselor, CounselorId: { } counselorId })
            {
                nav.Add(new(en ? "My schedule" : "Jadwal saya", StaffPaths.Schedule(schoolId, counselorId), current == StaffSection.Schedule));
                nav.Add(new(en ? "Parents' messages" : "Pesan orang tua", StaffPaths.Messages(schoolId, counselorId), current == StaffSection.Messages));
                nav.Add(new(en ? "My students' dashboard" : "Dashboard siswa saya", StaffPaths.Dashboard(schoolId), current == StaffSection.Dashboard));
            }
            else
            {
                nav.Add(new(en ? "School" : "Sekolah", StaffPaths.Settings(schoolId), current == StaffSection.Settings));
                nav.Add(new(en ? "Staff" : "Staf", StaffPaths.Staff(schoolId), current == StaffSection.Staff));
                nav.Add(new(en ? "Roster" : "Data siswa", StaffPaths.Roster(schoolId), current == StaffSection.Roster));
                nav.Add(new(en ? "Guardians" : "Wali murid", StaffPaths.Guardians(schoolId), current == StaffSection.Guardians));
                nav.Add(new(en ? "Campaigns" : "Kampanye", StaffPaths.Campaigns(schoolId), current == StaffSection.Campaigns));
                nav.Add(new("Dashboard", StaffPaths.Dashboard(schoolId), current == StaffSection.Dashboard));
            }
        }

        var who = caller.Kind switch
        {
            CallerKind.Principal => caller.Name,
            CallerKind.PlatformKey => en ? "platform key" : "kunci platform",
            _ => en ? "school key" : "kunci sekolah",
        };
        var token = await formTokens.IssueAsync(caller, cancellationToken);
        return new StaffFrame(lang, who, schoolName, token, nav, [], "");
    }
}
