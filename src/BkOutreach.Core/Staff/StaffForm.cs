using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Staff;

/// <summary>A person with access to the school, as the staff page lists them.</summary>
public sealed record StaffRow(string Email, string Role, string RoleLabel, string CounselorId, string CounselorName, bool IsYou);

/// <summary>A counsellor of the school, as the staff page lists them.</summary>
public sealed record CounselorRow(string Id, string Name, string Email, bool DefaultPolicy);

/// <summary>
/// The rules of the school admin's staff page that are not the staff routes' own checks
/// (<see cref="StaffAdmin"/> validates the assignment itself): who may not change their own access, and
/// which form field each of the routes' problems belongs to.
/// </summary>
public static class StaffForm
{
    /// <summary>Problems of <see cref="StaffAdmin.PutStaffAsync"/> by path, on the add-a-person form.</summary>
    public static readonly IReadOnlyDictionary<string, string> PersonFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["email"] = "email",
        ["role"] = "role",
        ["counselorId"] = "counselor_id",
    };

    /// <summary>Problems of <c>SchoolAdmin.PutCounselorAsync</c> by path, on the add-a-counsellor form.</summary>
    public static readonly IReadOnlyDictionary<string, string> CounselorFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["counselorId"] = "c_id",
        ["name"] = "c_name",
        ["body"] = "c_name",
        ["email"] = "c_email",
    };

    /// <summary>
    /// A signed-in school admin may not take away their own admin access (remove themselves, or make
    /// themselves a counsellor): the school would lose the person doing the change, and no page could give it
    /// back. Another admin or a platform admin can. Keys and platform admins are not bound by this.
    /// </summary>
    public static bool IsOwnAdminAccess(Caller caller, string schoolId, string email, string? newRole)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller is { Kind: CallerKind.Principal, IsPlatformAdmin: false }
            && caller.GrantIn(schoolId) is { Role: StaffRole.SchoolAdmin }
            && string.Equals(caller.Email, StaffEmail.Normalize(email ?? ""), StringComparison.Ordinal)
            && newRole != StaffRoles.SchoolAdminWire;
    }
}

/// <summary>Lets the staff page templates read the school admin pages' view records (once, at start-up).</summary>
public sealed class SchoolAdminViews
{
    public SchoolAdminViews(StaffPages pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        pages.Allow<StaffOption>();
        pages.Allow<SchoolSettingsFormValues>();
        pages.Allow<Term>();
        pages.Allow<Blackout>();
        pages.Allow<StaffRow>();
        pages.Allow<CounselorRow>();
        pages.Allow<GuardianListRow>();
        pages.Allow<GuardianListPage>();
        pages.Allow<Student>();
        pages.Allow<RosterPreviewRow>();
        pages.Allow<Outreach.RosterRejection>();
        Pages = pages;
    }

    public StaffPages Pages { get; }
}

/// <summary>A guardian in the roster preview: name, masked number, and children with their classes as one text.</summary>
public sealed record RosterPreviewRow(string Name, string Phone, string Students);
