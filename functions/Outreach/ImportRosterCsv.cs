using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Outreach;

/// <summary>
/// <c>POST /api/admin/schools/{schoolId}/roster[?mode=full]</c> with the roster CSV as the body (text/csv,
/// or a multipart form with one file; a <c>charset</c> on either is honoured, see <see cref="RosterEncoding"/>) → <c>{ "imported", "updated", "rejected": [{ "row", "reason" }],
/// "moved": [{ "student", "from", "to" }], "removed": [guardianId] }</c>. A body over
/// <see cref="RosterCsv.MaxBytes"/> gets 413 with a JSON body naming the limit (host.json's
/// <c>maxRequestBodySize</c> is the same number, so the host never cuts a roster off without it); another
/// import of the school running for longer than the wait gets 409.
/// </summary>
public sealed class ImportRosterCsv(ImportRoster importRoster)
{
    [Function(nameof(ImportRosterCsv))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/schools/{schoolId}/roster")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var mode = request.Query["mode"].ToString() switch
        {
            "" or "merge" => RosterImportMode.Merge,
            "full" => RosterImportMode.Full,
            _ => (RosterImportMode?)null,
        };
        if (mode is null)
        {
            return HttpJson.Problem(StatusCodes.Status400BadRequest, "invalid", ["mode must be merge (the default) or full."]);
        }

        if (request.ContentLength > RosterCsv.MaxBytes)
        {
            return TooLarge();
        }

        MemoryStream csv;
        string? charset;
        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(cancellationToken);
                if (form.Files.Count != 1)
                {
                    return HttpJson.Problem(StatusCodes.Status400BadRequest, "invalid", ["Send exactly one CSV file."]);
                }

                await using var file = form.Files[0].OpenReadStream();
                csv = await ReadLimitedAsync(file, cancellationToken);
                charset = RosterEncoding.CharsetOf(form.Files[0].ContentType);
            }
            else if (request.ContentType is null || request.ContentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || request.ContentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            {
                csv = await ReadLimitedAsync(request.Body, cancellationToken);
                charset = RosterEncoding.CharsetOf(request.ContentType);
            }
            else
            {
                return HttpJson.Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", ["Send the roster as text/csv or as a multipart form file."]);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own limit (host.json maxRequestBodySize) met a body sent without a length.
            return TooLarge();
        }

        if (csv.Length > RosterCsv.MaxBytes)
        {
            return TooLarge();
        }

        byte[] utf8;
        await using (csv)
        {
            try
            {
                utf8 = RosterEncoding.ToUtf8(csv.ToArray(), charset);
            }
            catch (RosterFormatException ex)
            {
                return HttpJson.Problem(StatusCodes.Status400BadRequest, "invalid", [ex.Message]);
            }
        }

        using (var input = new MemoryStream(utf8, writable: false))
        {
            try
            {
                var result = await importRoster.ExecuteAsync(schoolId, input, mode.Value, cancellationToken);
                return HttpJson.From(result, r => new OkObjectResult(new
                {
                    imported = r.Imported,
                    updated = r.Updated,
                    rejected = r.Rejected.Select(x => new { row = x.Row, reason = x.Reason }),
                    moved = r.Moved.Select(m => new { student = m.Student, from = m.From, to = m.To }),
                    removed = r.Removed,
                }), "unknown_school");
            }
            catch (RosterBusyException ex)
            {
                return HttpJson.Problem(StatusCodes.Status409Conflict, "roster_import_running", [ex.Message]);
            }
        }
    }

    private static IActionResult TooLarge() =>
        HttpJson.Problem(StatusCodes.Status413PayloadTooLarge, "body_too_large", [$"The roster must be at most {RosterCsv.MaxBytes} bytes ({RosterCsv.MaxBytes / 1024 / 1024} MiB); split it into files of whole classes and import each (students a file does not list stay where they are)."]);

    /// <summary>The body, read up to one byte past the limit (so a longer one is recognised without reading it all).</summary>
    internal static async Task<MemoryStream> ReadLimitedAsync(Stream source, CancellationToken cancellationToken)
    {
        var target = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while (target.Length <= RosterCsv.MaxBytes && (read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        target.Position = 0;
        return target;
    }
}
