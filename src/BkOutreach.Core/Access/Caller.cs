namespace BkOutreach.Core.Access;

/// <summary>A role in one school; <see cref="CounselorId"/> for a counsellor.</summary>
public sealed record StaffGrant(string SchoolId, StaffRole Role, string? CounselorId);

/// <summary>How the caller proved who they are.</summary>
public enum CallerKind
{
    /// <summary>The platform key (<c>x-functions-key</c> or <c>?code=</c>).</summary>
    PlatformKey,

    /// <summary>A school's automation key (<c>x-api-key</c>).</summary>
    SchoolKey,

    /// <summary>A signed-in person, from the platform's <c>X-MS-CLIENT-PRINCIPAL</c>.</summary>
    Principal,
}

/// <summary>Who is calling and what they may do, as <see cref="StaffAccess"/> found it for this request.</summary>
public sealed record Caller(CallerKind Kind, string Name, bool IsPlatformAdmin, IReadOnlyList<StaffGrant> Grants)
{
    /// <summary>A signed-in person's email (lower case); null for keys.</summary>
    public string? Email => Kind == CallerKind.Principal ? Name : null;

    /// <summary>The caller's role in <paramref name="schoolId"/>: a platform admin is every school's admin.</summary>
    public StaffGrant? GrantIn(string schoolId) =>
        IsPlatformAdmin
            ? new StaffGrant(schoolId, StaffRole.PlatformAdmin, null)
            : Grants.FirstOrDefault(g => string.Equals(g.SchoolId, schoolId, StringComparison.Ordinal));

    /// <summary>The counsellor the caller is limited to in <paramref name="schoolId"/>; null when they see the whole school.</summary>
    public string? CounselorIn(string schoolId) => GrantIn(schoolId) is { Role: StaffRole.Counselor } g ? g.CounselorId : null;
}
