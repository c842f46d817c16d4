using BkOutreach.Core.Participation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Participation;

/// <summary><c>GET /api/admin/schools/{schoolId}/dashboard</c>: the school's participation dashboard (HTML, no script).</summary>
public sealed class GetDashboard(DashboardService dashboard)
{
    [Function(nameof(GetDashboard))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "admin/schools/{schoolId}/dashboard")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var result = await dashboard.BuildAsync(schoolId, cancellationToken);
        return result.Succeeded
            ? new PrivatePageResult(DashboardRenderer.Render(result.Value!, request.Query["code"].FirstOrDefault()), DashboardRenderer.ContentType)
            : new NotFoundObjectResult(new { error = "unknown_school" });
    }
}
