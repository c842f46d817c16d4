using System.Reflection;
using BkOutreach.Core.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Http;

/// <summary>
/// Runs a function's <see cref="AccessAttribute"/> on an ASP.NET Core request through <see cref="StaffAccess"/>.
/// The worker middleware (<see cref="AccessMiddleware"/>) calls it in Azure and the local runner calls it
/// before invoking a function: one step, the same in both hosts. On success the caller is kept on the
/// request for the function (<see cref="CallerOf"/>).
/// </summary>
public static class AccessGate
{
    private const string CallerItem = "BkOutreach.Access.Caller";
    private const string SchoolItem = "BkOutreach.Access.CampaignSchool";

    /// <summary>The rule declared on a function's method; null when it has none (both hosts refuse such a function).</summary>
    public static AccessAttribute? RuleOf(MethodInfo method) => method.GetCustomAttribute<AccessAttribute>();

    /// <summary>Null to go on with the function; otherwise the answer to send instead (401, 302 to sign-in, 403, 404, 409 with the schools of an ambiguous campaign id).</summary>
    public static async Task<IActionResult?> CheckAsync(StaffAccess access, HttpContext context, AccessAttribute rule, Func<string, string?> route, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var decision = await access.AuthorizeAsync(
            rule,
            new AccessRequest
            {
                Method = request.Method,
                PathAndQuery = request.PathBase.Add(request.Path) + request.QueryString.ToUriComponent(),
                Header = name => request.Headers.TryGetValue(name, out var value) && value.Count > 0 ? value[0] : null,
                Query = name => request.Query.TryGetValue(name, out var value) && value.Count > 0 ? value[0] : null,
                Route = route,
                FormToken = ct => FormTokenAsync(request, ct),
            },
            cancellationToken);
        if (decision.Allowed)
        {
            context.Items[CallerItem] = decision.Caller;
            context.Items[SchoolItem] = decision.SchoolId;
            return null;
        }

        if (rule.Page && decision is { Status: StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound, Caller: { } refused, Schools: null }
            && context.RequestServices?.GetService(typeof(Core.Staff.StaffRefusalPage)) is Core.Staff.StaffRefusalPage page)
        {
            // A person who followed a link gets a page in their language, not a JSON body.
            return new Staff.StaffPageResult(await page.RenderAsync(refused, decision.Status, Staff.StaffPageHttp.Language(request), cancellationToken), decision.Status);
        }

        return decision switch
        {
            { Status: StatusCodes.Status302Found } => new RedirectResult(decision.Location!, permanent: false),
            { Schools: { } schools } => new ObjectResult(new { error = decision.Error, schools }) { StatusCode = decision.Status },
            _ => new ObjectResult(new { error = decision.Error }) { StatusCode = decision.Status },
        };
    }

    /// <summary>Who the access step let in (null on public routes).</summary>
    public static Caller? CallerOf(HttpRequest request) => request.HttpContext.Items.TryGetValue(CallerItem, out var caller) ? caller as Caller : null;

    /// <summary>On a campaign route that carries only the campaign id: the school whose campaign the access step found for this caller.</summary>
    public static string? CampaignSchoolOf(HttpRequest request) => request.HttpContext.Items.TryGetValue(SchoolItem, out var school) ? school as string : null;

    private static async Task<string?> FormTokenAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Headers.TryGetValue(FormTokens.HeaderName, out var header) && header.Count > 0)
        {
            return header[0];
        }

        if (!request.HasFormContentType)
        {
            return null;
        }

        // The form is read once and kept by ASP.NET Core, so the function reads the same form after this.
        var form = await request.ReadFormAsync(cancellationToken);
        return form.TryGetValue(FormTokens.FieldName, out var field) && field.Count > 0 ? field[0] : null;
    }
}
