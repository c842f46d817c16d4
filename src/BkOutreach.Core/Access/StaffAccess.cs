using BkOutreach.Core.Booking;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Access;

/// <summary>One request as the access step sees it, whichever host serves it.</summary>
public sealed record AccessRequest
{
    public required string Method { get; init; }

    /// <summary>Path and query, for the way back after sign-in.</summary>
    public required string PathAndQuery { get; init; }

    public required Func<string, string?> Header { get; init; }

    public required Func<string, string?> Query { get; init; }

    /// <summary>A route value (<c>schoolId</c>, <c>bookingId</c>, …); null when the route has none.</summary>
    public required Func<string, string?> Route { get; init; }

    /// <summary>The anti-forgery token sent with the request (header or form field); read only for state-changing requests of a signed-in person.</summary>
    public required Func<CancellationToken, Task<string?>> FormToken { get; init; }
}

/// <summary>
/// What the access step decided: go on with <see cref="Caller"/>, or answer <see cref="Status"/>. On a campaign
/// route that carries only the campaign id, <see cref="SchoolId"/> is the school whose campaign it is for this
/// caller; a 409 <c>ambiguous_campaign</c> lists the <see cref="Schools"/> that hold the id.
/// </summary>
public sealed record AccessDecision(int Status, string? Error, Caller? Caller, string? Location = null)
{
    public bool Allowed => Status == 0;

    public string? SchoolId { get; init; }

    public IReadOnlyList<string>? Schools { get; init; }

    public static AccessDecision Allow(Caller? caller) => new(0, null, caller);
}

/// <summary>
/// The one authorisation step of every HTTP function (see <see cref="AccessAttribute"/>), the same in both
/// hosts. Who calls comes from the platform key, a school key (<c>x-api-key</c>) or the platform's
/// <c>X-MS-CLIENT-PRINCIPAL</c> — nothing else; what they may do, from <c>Auth__PlatformAdmins</c> and the
/// staff table, read on every request (no cache, so a removed role or revoked key stops at once everywhere).
/// A state-changing request of a signed-in person must come from our own pages: no cross-site fetch, no
/// foreign Origin, and a valid <see cref="FormTokens"/> token; keys are not sent by browsers on their own,
/// so requests with a key need none.
/// </summary>
public sealed partial class StaffAccess(
    PlatformKey platformKey,
    SchoolKeys schoolKeys,
    StaffDirectory staff,
    FormTokens formTokens,
    BookingStore bookings,
    CampaignStore campaigns,
    SchoolDirectory directory,
    IOptions<AuthOptions> auth,
    IOptions<LinksOptions> links,
    ILogger<StaffAccess> logger)
{
    public const string SignInPath = "/.auth/login/aad";

    private readonly IReadOnlySet<string> _platformAdmins = auth.Value.PlatformAdminEmails;

    public async Task<AccessDecision> AuthorizeAsync(AccessAttribute rule, AccessRequest request, CancellationToken cancellationToken)
    {
        if (rule.Scope == AccessScope.Public)
        {
            return AccessDecision.Allow(null);
        }

        var (caller, refused) = await IdentifyAsync(request, cancellationToken);
        if (refused)
        {
            return Deny(rule, 401, "invalid_key", null);
        }

        if (caller is null)
        {
            return rule.Page
                ? new AccessDecision(302, "sign_in", null, $"{SignInPath}?post_login_redirect_uri={Uri.EscapeDataString(request.PathAndQuery)}")
                : Deny(rule, 401, "sign_in_required", null);
        }

        if (caller.Kind == CallerKind.Principal && !IsSafe(request.Method))
        {
            if (CrossSite(request))
            {
                return Deny(rule, 403, "cross_site_request", caller);
            }

            if (!await formTokens.IsValidAsync(caller, await request.FormToken(cancellationToken), cancellationToken))
            {
                return Deny(rule, 403, "invalid_form_token", caller);
            }
        }

        return rule.Scope switch
        {
            AccessScope.SignedIn => AccessDecision.Allow(caller),
            AccessScope.Platform => caller.IsPlatformAdmin ? AccessDecision.Allow(caller) : Deny(rule, 403, "forbidden", caller),
            AccessScope.School => School(rule, caller, request.Route("schoolId") ?? "", request.Route("counselorId")),
            AccessScope.Booking => await BookingAsync(rule, caller, request.Route("bookingId") ?? "", cancellationToken),
            AccessScope.Campaign => await CampaignAsync(rule, caller, request.Route("campaignId") ?? "", cancellationToken),
            _ => Deny(rule, 403, "forbidden", caller),
        };
    }

    /// <summary>
    /// Why a rule cannot be enforced as declared (empty when it can): a school route needs <c>{schoolId}</c>,
    /// a booking or campaign route its id, and a counsellor on a school route without <c>{counselorId}</c>
    /// needs <see cref="AccessAttribute.OwnStudentsOnly"/>. Both hosts refuse to serve such a function.
    /// </summary>
    public static IReadOnlyList<string> Problems(AccessAttribute rule, string route)
    {
        bool Has(string name) => route.Contains("{" + name + "}", StringComparison.Ordinal);
        var problems = new List<string>();
        switch (rule.Scope)
        {
            case AccessScope.School when !Has("schoolId"):
                problems.Add("a school rule needs {schoolId} in the route");
                break;
            case AccessScope.School when rule.Least == StaffRole.Counselor && !Has("counselorId") && !rule.OwnStudentsOnly:
                problems.Add("a counsellor may open a school route without {counselorId} only when it shows their own students (OwnStudentsOnly)");
                break;
            case AccessScope.Booking when !Has("bookingId"):
                problems.Add("a booking rule needs {bookingId} in the route");
                break;
            case AccessScope.Campaign when !Has("campaignId"):
                problems.Add("a campaign rule needs {campaignId} in the route");
                break;
        }

        return problems;
    }

    private async Task<(Caller? Caller, bool Refused)> IdentifyAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        var presentedPlatformKey = request.Header("x-functions-key") ?? request.Query("code");
        if (presentedPlatformKey is not null)
        {
            return platformKey.Matches(presentedPlatformKey) ? (new Caller(CallerKind.PlatformKey, "platform-key", true, []), false) : (null, true);
        }

        if (request.Header(SchoolKeys.Header) is { } presentedSchoolKey)
        {
            var key = await schoolKeys.FindAsync(presentedSchoolKey, cancellationToken);
            return key is null
                ? (null, true)
                : (new Caller(CallerKind.SchoolKey, "school-key:" + key.Id, false, [new StaffGrant(key.SchoolId, StaffRole.SchoolAdmin, null)]), false);
        }

        if (ClientPrincipal.EmailOf(request.Header(ClientPrincipal.Header)) is not { } email)
        {
            return (null, false);
        }

        return _platformAdmins.Contains(email)
            ? (new Caller(CallerKind.Principal, email, true, []), false)
            : (new Caller(CallerKind.Principal, email, false, await staff.GrantsOfAsync(email, cancellationToken)), false);
    }

    private AccessDecision School(AccessAttribute rule, Caller caller, string schoolId, string? counselorId)
    {
        var grant = caller.GrantIn(schoolId);
        if (grant is null || grant.Role < rule.Least)
        {
            return Deny(rule, 403, "forbidden", caller);
        }

        // Another counsellor's settings or feed are not this counsellor's to see: as if they did not exist.
        return grant.Role == StaffRole.Counselor && counselorId is not null && counselorId != grant.CounselorId
            ? Deny(rule, 404, "not_found", caller)
            : AccessDecision.Allow(caller);
    }

    private async Task<AccessDecision> BookingAsync(AccessAttribute rule, Caller caller, string bookingId, CancellationToken cancellationToken)
    {
        // Helper B keeps a lookup by id (the booking's partition travels with it): this is its one use here.
        var booking = await bookings.GetAsync(bookingId, cancellationToken);
        var grant = booking is null ? null : caller.GrantIn(booking.SchoolId);
        if (booking is null || grant is null || (grant.Role == StaffRole.Counselor && grant.CounselorId != booking.CounselorId))
        {
            return Deny(rule, 404, "unknown_booking", caller);
        }

        return grant.Role < rule.Least ? Deny(rule, 403, "forbidden", caller) : AccessDecision.Allow(caller);
    }

    /// <summary>
    /// A campaign id is unique only within a school (plan-made ids repeat across schools), so the campaign is
    /// looked for in the schools this caller may act on: every school for a platform admin, the caller's own
    /// otherwise. None → 404; found only where the caller's role is too low → 403; in more than one school
    /// the caller may act on → 409 <c>ambiguous_campaign</c> with those schools (the school-scoped route names
    /// one); exactly one → allowed, with that school.
    /// </summary>
    private async Task<AccessDecision> CampaignAsync(AccessAttribute rule, Caller caller, string campaignId, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> schools = campaignId.Length == 0 ? []
            : caller.IsPlatformAdmin ? await directory.ListSchoolIdsAsync(cancellationToken)
            : [.. caller.Grants.Select(g => g.SchoolId)];
        var found = await campaigns.FindAsync(campaignId, schools, cancellationToken);
        if (found.Count == 0)
        {
            return Deny(rule, 404, "unknown_campaign", caller);
        }

        var allowed = found.Select(c => c.SchoolId).Where(s => caller.GrantIn(s) is { } grant && grant.Role >= rule.Least).ToList();
        return allowed.Count switch
        {
            0 => Deny(rule, 403, "forbidden", caller),
            1 => AccessDecision.Allow(caller) with { SchoolId = allowed[0] },
            _ => Deny(rule, 409, "ambiguous_campaign", caller) with { Schools = allowed },
        };
    }

    /// <summary>
    /// A browser says where a request comes from: <c>Sec-Fetch-Site</c> (only <c>same-origin</c>, or <c>none</c>
    /// for what the user typed, pass) and <c>Origin</c>, which must be this app (its public base URL, or the
    /// host the request was sent to). Clients that send neither are judged by the form token alone.
    /// </summary>
    private bool CrossSite(AccessRequest request)
    {
        if (request.Header("Sec-Fetch-Site") is { } site && site is not ("same-origin" or "none"))
        {
            return true;
        }

        if (request.Header("Origin") is not { } origin)
        {
            return false;
        }

        // Our pages send no referrer (Referrer-Policy: no-referrer), so the browser's own form posts carry
        // "Origin: null"; the browser's Sec-Fetch-Site (which no page can set) then says where they came from.
        if (origin == "null" && request.Header("Sec-Fetch-Site") == "same-origin")
        {
            return false;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from))
        {
            return true;
        }

        var own = links.Value.BaseUri;
        var sameAsBase = string.Equals(from.Scheme, own.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(from.Authority, own.Authority, StringComparison.OrdinalIgnoreCase);
        var sameAsHost = request.Header("Host") is { } host && string.Equals(from.Authority, host, StringComparison.OrdinalIgnoreCase);
        return !sameAsBase && !sameAsHost;
    }

    private static bool IsSafe(string method) =>
        string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase) || string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase) || string.Equals(method, "OPTIONS", StringComparison.OrdinalIgnoreCase);

    private AccessDecision Deny(AccessAttribute rule, int status, string error, Caller? caller)
    {
        LogDenied(logger, rule.Scope, status, error, caller?.Kind);
        return new AccessDecision(status, error, caller);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Access refused on a {Scope} route: {Status} {Error} (caller {CallerKind}; none when empty)")]
    private static partial void LogDenied(ILogger logger, AccessScope scope, int status, string error, CallerKind? callerKind);
}
