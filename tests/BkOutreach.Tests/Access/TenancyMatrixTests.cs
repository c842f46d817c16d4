using System.Text.RegularExpressions;
using BkOutreach.Core.Access;
using BkOutreach.Functions.Http;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Tests.Access;

/// <summary>
/// The tenancy matrix, generated from the function catalogue: every HTTP function that is not public, each
/// of its methods, for every kind of caller, through the app's own access step (<see cref="AccessGate"/>,
/// which the runner and the worker middleware both call) against real storage. A new route without a rule
/// fails <see cref="EveryHttpFunction_DeclaresAnEnforceableRule"/>; a new route with one is in the matrix.
/// The forged-header row is proven through the runner, which strips the header (<c>ForgedPrincipalTests</c>).
/// </summary>
public sealed partial class TenancyMatrixTests(AccessWorld world) : IClassFixture<AccessWorld>
{
    public enum Who
    {
        Nobody,
        CounselorOwn,
        CounselorSameSchoolOther,
        CounselorOtherSchool,
        AdminOtherSchool,
        KeyOtherSchool,
        SchoolAdmin,
        SchoolKey,
        PlatformAdmin,
        PlatformKey,
    }

    public static IReadOnlyList<FunctionDescriptor> HttpFunctions { get; } =
        [.. FunctionCatalog.Discover([typeof(BkOutreach.Functions.Health.GetHealth).Assembly]).Where(f => f.Kind == TriggerKind.Http)];

    public static TheoryData<Who> Callers => [.. Enum.GetValues<Who>()];

    [Fact]
    public void EveryHttpFunction_DeclaresAnEnforceableRule()
    {
        Assert.NotEmpty(HttpFunctions);
        foreach (var function in HttpFunctions)
        {
            var rule = AccessGate.RuleOf(function.Method);
            Assert.True(rule is not null, $"{function.Name} has no [Access] rule");
            Assert.Empty(StaffAccess.Problems(rule, function.Http!.Route!));
            Assert.Equal(Microsoft.Azure.Functions.Worker.AuthorizationLevel.Anonymous, function.Http.AuthLevel);
        }

        // The public routes are exactly the parents', feeds', health and about: nothing else is open.
        var open = HttpFunctions.Where(f => AccessGate.RuleOf(f.Method)!.Scope == AccessScope.Public).Select(f => f.Http!.Route!).ToList();
        Assert.All(open, r => Assert.Matches("^(b/|links/|bookings/\\{bookingId\\}/invite\\.ics$|calendar/|health$|about-bk$)", r));
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task EveryProtectedRoute_AnswersWhatTheContractPromises(Who who)
    {
        var checkedRoutes = 0;
        var failures = new List<string>();
        foreach (var function in HttpFunctions)
        {
            var rule = AccessGate.RuleOf(function.Method)!;
            if (rule.Scope == AccessScope.Public)
            {
                continue;
            }

            foreach (var method in function.Http!.Methods ?? ["get"])
            {
                var expected = Expected(rule, function.Http.Route!, who);
                var actual = await StatusAsync(rule, function.Http.Route!, method.ToUpperInvariant(), who);
                checkedRoutes++;
                if (actual != expected)
                {
                    failures.Add($"{function.Name} {method.ToUpperInvariant()} {function.Http.Route}: expected {expected}, got {actual}");
                }
            }
        }

        Assert.True(checkedRoutes > 20, $"only {checkedRoutes} routes checked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task ARevokedRoleStopsAtTheNextRequest()
    {
        var staff = world.Services.GetRequiredService<StaffDirectory>();
        var email = $"temp-{Guid.NewGuid():N}@{world.SchoolA}.sch.id";
        await staff.PutAsync(world.SchoolA, email, StaffRole.SchoolAdmin, null, CancellationToken.None);
        var rule = new AccessAttribute(AccessScope.School, StaffRole.SchoolAdmin);

        Assert.Equal(200, await StatusAsync(rule, "admin/schools/{schoolId}/roster", "GET", Who.Nobody, email));
        Assert.True(await staff.DeleteAsync(world.SchoolA, email, CancellationToken.None));
        Assert.Equal(403, await StatusAsync(rule, "admin/schools/{schoolId}/roster", "GET", Who.Nobody, email));
    }

    /// <summary>What CONTRACTS.md promises for this rule and caller; 200 means the function runs.</summary>
    private static int Expected(AccessAttribute rule, string route, Who who)
    {
        var hasCounselor = route.Contains("{counselorId}", StringComparison.Ordinal);
        return who switch
        {
            Who.Nobody => rule.Page ? 302 : 401,
            Who.PlatformAdmin or Who.PlatformKey => 200,
            _ when rule.Scope == AccessScope.SignedIn => 200,
            _ when rule.Scope == AccessScope.Platform => 403,
            Who.CounselorOtherSchool or Who.AdminOtherSchool or Who.KeyOtherSchool => rule.Scope == AccessScope.School ? 403 : 404,
            Who.SchoolAdmin or Who.SchoolKey => 200,
            Who.CounselorOwn => rule.Least == StaffRole.Counselor ? 200 : 403,
            Who.CounselorSameSchoolOther => rule.Scope switch
            {
                AccessScope.Booking => 404,
                _ when rule.Least != StaffRole.Counselor => 403,
                _ => hasCounselor ? 404 : 200,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(who)),
        };
    }

    /// <summary>Runs the access step for the route of school A (counsellor bk-1, bk-1's booking, A's campaign) as <paramref name="who"/>.</summary>
    private async Task<int> StatusAsync(AccessAttribute rule, string route, string method, Who who, string? email = null)
    {
        var context = new DefaultHttpContext { RequestServices = world.Services };
        context.Request.Method = method;
        context.Request.Host = new HostString("127.0.0.1");
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["schoolId"] = world.SchoolA,
            ["counselorId"] = "bk-1",
            ["bookingId"] = world.BookingOf(world.SchoolA, "bk-1"),
            ["campaignId"] = world.CampaignA,
            ["planId"] = "kenali-guru-bk",
            ["guardianId"] = "g-unknown",
            ["email"] = "someone@example.id",
            ["id"] = "000000000000",
        };
        context.Request.Path = "/api/" + Placeholder().Replace(route, m => values[m.Groups[1].Value]!);
        email ??= who switch
        {
            Who.CounselorOwn => world.CounselorA1,
            Who.CounselorSameSchoolOther => world.CounselorA2,
            Who.CounselorOtherSchool => world.CounselorB1,
            Who.AdminOtherSchool => world.AdminB,
            Who.SchoolAdmin => world.AdminA,
            Who.PlatformAdmin => AccessWorld.PlatformAdmin,
            _ => null,
        };
        switch (who)
        {
            case Who.KeyOtherSchool:
                context.Request.Headers[SchoolKeys.Header] = world.KeyB;
                break;
            case Who.SchoolKey:
                context.Request.Headers[SchoolKeys.Header] = world.KeyA;
                break;
            case Who.PlatformKey:
                context.Request.Headers["x-functions-key"] = TestRunner.AdminKey;
                break;
        }

        if (email is not null)
        {
            context.Request.Headers[ClientPrincipal.Header] = ClientPrincipal.Encode(email);
            context.Request.Headers[FormTokens.HeaderName] = await world.FormTokenAsync(email);
        }

        // As in both hosts, only the route's own placeholders have values.
        var result = await AccessGate.CheckAsync(world.Services.GetRequiredService<StaffAccess>(), context, rule, name => route.Contains("{" + name + "}", StringComparison.Ordinal) ? values[name] : null, CancellationToken.None);
        return result switch
        {
            null => 200,
            RedirectResult => 302,
            ObjectResult o => o.StatusCode ?? 200,
            BkOutreach.Functions.Staff.StaffPageResult page => page.Status,
            _ => throw new InvalidOperationException(result.GetType().Name),
        };
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
