using BkOutreach.Core.Access;
using BkOutreach.Core.Participation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Participation;

/// <summary>
/// <c>GET /api/admin/schools/{schoolId}/participation.csv/codebook</c>, also served as
/// <c>…/schools/{schoolId}/codebook</c>: what every column of both exports means (Markdown).
/// </summary>
public sealed class GetParticipationCodebook(ParticipationExport export)
{
    public const string ContentType = "text/markdown; charset=utf-8";

    [Function(nameof(GetParticipationCodebook))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/participation.csv/codebook")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        await CodebookAsync(schoolId, cancellationToken);

    /// <summary>The same codebook at the school's level, next to the exports it describes.</summary>
    [Function("GetSchoolCodebook")]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> RunAtSchool(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/codebook")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        await CodebookAsync(schoolId, cancellationToken);

    private async Task<IActionResult> CodebookAsync(string schoolId, CancellationToken cancellationToken) =>
        await export.CodebookAsync(schoolId, cancellationToken) is { } codebook
            ? new PrivatePageResult(codebook, ContentType)
            : new NotFoundObjectResult(new { error = "unknown_school" });
}
