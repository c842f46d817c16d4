using BkOutreach.Core.Access;
using BkOutreach.Core.Participation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Participation;

/// <summary><c>GET /api/admin/schools/{schoolId}/participation-events.csv</c>: one row per recorded fact, pseudonymous.</summary>
public sealed class GetParticipationEventsCsv(ParticipationExport export)
{
    [Function(nameof(GetParticipationEventsCsv))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/participation-events.csv")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        await export.EventsAsync(schoolId, cancellationToken) is { } csv
            ? new PrivatePageResult(csv)
            : new NotFoundObjectResult(new { error = "unknown_school" });
}
