namespace BkOutreach.Core.Access;

/// <summary>
/// What a member of staff may do in one school. The order matters: a school admin may do everything a
/// counsellor may, in every counsellor's name; a platform admin may do everything in every school.
/// </summary>
public enum StaffRole
{
    /// <summary>A counsellor (<c>counselor</c>): their own availability, bookings, attendance and feed, and the dashboard of their own students.</summary>
    Counselor = 1,

    /// <summary>A school admin (<c>school_admin</c>): everything of their school.</summary>
    SchoolAdmin = 2,

    /// <summary>Every school: <c>Auth__PlatformAdmins</c> and the platform key (<c>Admin__ApiKey</c>).</summary>
    PlatformAdmin = 3,
}

public static class StaffRoles
{
    public const string CounselorWire = "counselor";
    public const string SchoolAdminWire = "school_admin";
    public const string PlatformAdminWire = "platform_admin";

    public static string ToWire(StaffRole role) => role switch
    {
        StaffRole.Counselor => CounselorWire,
        StaffRole.SchoolAdmin => SchoolAdminWire,
        _ => PlatformAdminWire,
    };

    /// <summary>The roles a school can give (platform admins come from settings, never from a school).</summary>
    public static StaffRole? FromWire(string? wire) => wire switch
    {
        CounselorWire => StaffRole.Counselor,
        SchoolAdminWire => StaffRole.SchoolAdmin,
        _ => null,
    };
}
