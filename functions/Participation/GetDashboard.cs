using BkOutreach.Core.Access;
using BkOutreach.Core.Participation;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Participation;

/// <summary>
/// <c>GET /api/admin/schools/{schoolId}/dashboard</c>: the school's participation dashboard (HTML, no script);
/// a counsellor sees it for their own students only. The attendance forms carry the viewer's anti-forgery token.
/// </summary>
public sealed class GetDashboard(DashboardService dashboard, FormTokens formTokens)
{
    [Function(nameof(GetDashboard))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true, OwnStudentsOnly = true)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/dashboard")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var caller = AccessGate.CallerOf(request)!;
        var result = await dashboard.BuildAsync(schoolId, cancellationToken, caller.CounselorIn(schoolId));
        return result.Succeeded
            ? new PrivatePageResult(DashboardRenderer.Render(result.Value!, await formTokens.IssueAsync(caller, cancellationToken)), DashboardRenderer.ContentType)
            : new NotFoundObjectResult(new { error = "unknown_school" });
    }
}
