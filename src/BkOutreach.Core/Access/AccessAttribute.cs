namespace BkOutreach.Core.Access;

/// <summary>Where the school (and counsellor) a request is about comes from.</summary>
public enum AccessScope
{
    /// <summary>Anyone: parents (their token is the credential), feeds, health, the webhook's handshake-free routes.</summary>
    Public,

    /// <summary>Any signed-in identity, whatever its roles (the staff home lists what it may do).</summary>
    SignedIn,

    /// <summary>Platform admins only (the platform key, <c>Auth__PlatformAdmins</c>).</summary>
    Platform,

    /// <summary>The route's <c>{schoolId}</c>; a <c>{counselorId}</c> in the route must be the counsellor's own.</summary>
    School,

    /// <summary>The school and counsellor of the route's <c>{bookingId}</c>.</summary>
    Booking,

    /// <summary>The school of the route's <c>{campaignId}</c>.</summary>
    Campaign,
}

/// <summary>
/// The one access rule of an HTTP function, declared next to its <c>[HttpTrigger]</c> (which is
/// <c>Anonymous</c>: the app decides, not the Functions host). Both hosts run it before the function: the
/// worker middleware in Azure and the local runner, through the same <see cref="StaffAccess"/>. An HTTP
/// function without this attribute is refused by both.
/// </summary>
/// <remarks>
/// Answers: no identity → 401 (a redirect to sign-in when <see cref="Page"/>); an identity without the role
/// in the school → 403; a booking or campaign (or counsellor) that is not the caller's → 404, the same answer
/// as an id that does not exist.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AccessAttribute(AccessScope scope, StaffRole least = StaffRole.PlatformAdmin) : Attribute
{
    public AccessScope Scope { get; } = scope;

    /// <summary>The least role that passes, within the scope's school.</summary>
    public StaffRole Least { get; } = least;

    /// <summary>An HTML page: no identity is sent to sign in (302) instead of 401.</summary>
    public bool Page { get; init; }

    /// <summary>
    /// A counsellor may open this school route without a <c>{counselorId}</c> because the function shows
    /// them only their own students (the dashboard). Required for a <see cref="StaffRole.Counselor"/> rule on
    /// a school route without <c>{counselorId}</c>, so no route lets a counsellor see the whole school by
    /// accident.
    /// </summary>
    public bool OwnStudentsOnly { get; init; }
}
