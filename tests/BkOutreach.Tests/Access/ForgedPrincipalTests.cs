using System.Net;
using System.Text.RegularExpressions;
using BkOutreach.Core.Access;
using BkOutreach.Functions.Http;

namespace BkOutreach.Tests.Access;

/// <summary>
/// The tenancy matrix's forged-header row, through the runner (which plays the platform and drops every
/// client-sent principal header): claiming to be a platform admin gets nobody in, on every protected route,
/// and does not change who a signed-in person is.
/// </summary>
public sealed partial class ForgedPrincipalTests(AccessWorld world) : IClassFixture<AccessWorld>
{
    [Fact]
    public async Task EveryProtectedRoute_WithAForgedPrincipalHeader_IsAnsweredAsNobody()
    {
        using var client = world.Anonymous();
        var token = await world.FormTokenAsync(AccessWorld.PlatformAdmin);
        var failures = new List<string>();
        var routes = 0;
        foreach (var function in TenancyMatrixTests.HttpFunctions)
        {
            var rule = AccessGate.RuleOf(function.Method)!;
            if (rule.Scope == AccessScope.Public)
            {
                continue;
            }

            var path = "api/" + Placeholder().Replace(function.Http!.Route!, m => m.Groups[1].Value switch
            {
                "schoolId" => world.SchoolA,
                "bookingId" => world.BookingOf(world.SchoolA, "bk-1"),
                "campaignId" => world.CampaignA,
                "counselorId" => "bk-1",
                _ => "x",
            });
            foreach (var method in function.Http.Methods ?? ["get"])
            {
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path);
                request.Headers.Add(ClientPrincipal.Header, ClientPrincipal.Encode(AccessWorld.PlatformAdmin));
                request.Headers.Add("X-MS-CLIENT-PRINCIPAL-NAME", AccessWorld.PlatformAdmin);
                request.Headers.Add(FormTokens.HeaderName, token);
                using var response = await client.SendAsync(request);
                routes++;
                var expected = rule.Page ? HttpStatusCode.Found : HttpStatusCode.Unauthorized;
                if (response.StatusCode != expected)
                {
                    failures.Add($"{function.Name} {method} {path}: expected {(int)expected}, got {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(routes > 20, $"only {routes} routes");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task ASignedInCounselor_ForgingAPlatformAdminHeader_StaysACounselor()
    {
        using var counselor = await world.SignedInAsync(world.CounselorA1);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/admin/schools/{world.SchoolA}/participation.csv");
        request.Headers.Add(ClientPrincipal.Header, ClientPrincipal.Encode(AccessWorld.PlatformAdmin));

        Assert.Equal(HttpStatusCode.Forbidden, (await counselor.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await counselor.GetAsync($"api/admin/schools/{world.SchoolA}/counselors/bk-1")).StatusCode);
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}
