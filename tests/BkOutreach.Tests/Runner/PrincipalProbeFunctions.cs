using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Tests.Runner;

/// <summary>A function that answers with the platform headers it received: what the app would see of a caller.</summary>
public sealed class PrincipalProbeFunctions
{
    [Function(nameof(ProbePrincipal))]
    public IActionResult ProbePrincipal(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "probe/principal")] HttpRequest request) =>
        new OkObjectResult(request.Headers
            .Where(h => h.Key.StartsWith("X-MS-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key.ToUpperInvariant(), h => h.Value.ToString()));
}
