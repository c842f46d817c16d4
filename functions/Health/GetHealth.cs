using BkOutreach.Core.Access;
using BkOutreach.Core.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Health;

/// <summary><c>GET /api/health</c>: 200 with the version and a storage check, 503 with the reason.</summary>
public sealed class GetHealth(HealthService health)
{
    [Function(nameof(GetHealth))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var report = await health.CheckAsync(cancellationToken);
        return new ObjectResult(report) { StatusCode = report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable };
    }
}
