using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// <c>POST /api/admin/schools/{schoolId}/roster</c> with the roster CSV as the body (text/csv, or a
/// multipart form with one file) → <c>{ "imported", "updated", "rejected": [{ "row", "reason" }] }</c>.
/// </summary>
public sealed class ImportRosterCsv(ImportRoster importRoster)
{
    /// <summary>A 10,000-row roster is about 1 MB; leave room for long names.</summary>
    private const long MaxBytes = 8 * 1024 * 1024;

    [Function(nameof(ImportRosterCsv))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/schools/{schoolId}/roster")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            return HttpJson.Problem(StatusCodes.Status413PayloadTooLarge, "body_too_large", [$"The roster must be at most {MaxBytes / 1024 / 1024} MB."]);
        }

        Stream csv;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            if (form.Files.Count != 1)
            {
                return HttpJson.Problem(StatusCodes.Status400BadRequest, "invalid", ["Send exactly one CSV file."]);
            }

            csv = form.Files[0].OpenReadStream();
        }
        else if (request.ContentType is null || request.ContentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || request.ContentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            csv = new MemoryStream();
            await request.Body.CopyToAsync(csv, cancellationToken);
            csv.Position = 0;
        }
        else
        {
            return HttpJson.Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", ["Send the roster as text/csv or as a multipart form file."]);
        }

        await using (csv)
        {
            var result = await importRoster.ExecuteAsync(schoolId, csv, cancellationToken);
            return HttpJson.From(result, r => new OkObjectResult(new { imported = r.Imported, updated = r.Updated, rejected = r.Rejected.Select(x => new { row = x.Row, reason = x.Reason }) }), "unknown_school");
        }
    }
}
