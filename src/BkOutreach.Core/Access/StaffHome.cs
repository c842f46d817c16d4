using BkOutreach.Core.Booking.Pages;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Access;

/// <summary>A task on the staff home: a same-origin path, never with a key or token in it.</summary>
public sealed record StaffLink(string Label, string Href);

/// <summary>One school of the signed-in person on the staff home.</summary>
public sealed record StaffHomeSchool(string Id, string Name, string Role, string RoleLabel, IReadOnlyList<StaffLink> Links, string FeedUrl);

public sealed record StaffHomeModel(string Who, bool Signed, IReadOnlyList<StaffHomeSchool> Schools);

/// <summary>
/// <c>GET /api/staff</c>: the schools and roles of the caller and the way to each task, from the templates in
/// <c>templates/pages/staff</c> (Bahasa Indonesia first). A counsellor's private feed address is shown as
/// text to copy into a calendar app, not as a link (it carries the feed key).
/// </summary>
public sealed class StaffHome(SchoolDirectory directory, SchoolAdmin admin)
{
    private readonly PageTemplates _templates = CreateTemplates();

    public static string DefaultFolder => Path.Combine(PageTemplates.DefaultFolder, "staff");

    public async Task<StaffHomeModel> BuildAsync(Caller caller, CancellationToken cancellationToken)
    {
        var grants = caller.IsPlatformAdmin
            ? [.. (await directory.ListSchoolIdsAsync(cancellationToken)).Select(id => new StaffGrant(id, StaffRole.PlatformAdmin, null))]
            : caller.Grants;
        var schools = new List<StaffHomeSchool>();
        foreach (var grant in grants.OrderBy(g => g.SchoolId, StringComparer.Ordinal))
        {
            var school = await directory.GetSchoolAsync(grant.SchoolId, cancellationToken);
            if (school is null)
            {
                continue;
            }

            var root = $"/api/admin/schools/{Uri.EscapeDataString(grant.SchoolId)}";
            var links = new List<StaffLink> { new(grant.Role == StaffRole.Counselor ? "Dashboard siswa saya / My students' dashboard" : "Dashboard sekolah / School dashboard", root + "/dashboard") };
            var feed = "";
            if (grant.Role == StaffRole.Counselor && grant.CounselorId is { } counselorId)
            {
                feed = (await admin.GetCounselorAsync(grant.SchoolId, counselorId, cancellationToken)).Value?.FeedUrl ?? "";
            }
            else
            {
                links.Add(new("Ekspor partisipasi (CSV) / Participation export", root + "/participation.csv"));
                links.Add(new("Ekspor kejadian (CSV) / Events export", root + "/participation-events.csv"));
                links.Add(new("Buku kode / Codebook", root + "/codebook"));
                links.Add(new("Daftar staf (JSON) / Staff list", root + "/staff"));
            }

            schools.Add(new StaffHomeSchool(grant.SchoolId, school.Name, StaffRoles.ToWire(grant.Role), RoleLabel(grant.Role), links, feed));
        }

        var who = caller.Kind switch
        {
            CallerKind.Principal => caller.Name,
            CallerKind.PlatformKey => "kunci platform / platform key",
            _ => "kunci sekolah / school key",
        };
        return new StaffHomeModel(who, caller.Kind == CallerKind.Principal, schools);
    }

    /// <summary>The page in <paramref name="language"/> (Bahasa Indonesia when there is no such file).</summary>
    public string Render(StaffHomeModel model, string language) =>
        _templates.Render("home", language, new Dictionary<string, object?>
        {
            ["lang"] = language == "en" ? "en" : "id",
            ["who"] = model.Who,
            ["signed"] = model.Signed,
            ["schools"] = model.Schools,
        });

    private static string RoleLabel(StaffRole role) => role switch
    {
        StaffRole.Counselor => "Guru BK / Counsellor",
        StaffRole.SchoolAdmin => "Admin sekolah / School admin",
        _ => "Admin platform / Platform admin",
    };

    private static PageTemplates CreateTemplates()
    {
        var templates = new PageTemplates(DefaultFolder);
        templates.Allow<StaffHomeSchool>();
        templates.Allow<StaffLink>();
        return templates;
    }
}
