using BkOutreach.Core;
using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Scheduling;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Scheduling;

/// <summary>
/// <c>PUT /api/admin/schools/{schoolId}</c>: school settings; 400 lists every problem. Latitude and longitude
/// must be given: they decide the prayer times slots keep clear of, and an omitted number would read as 0°, 0°
/// (the Gulf of Guinea), whose Maghrib is hours away from the school's.
/// </summary>
public sealed class PutSchool(SchoolAdmin admin)
{
    [Function(nameof(PutSchool))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/schools/{schoolId}")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        request.EnableBuffering();
        var (school, error) = await HttpJson.ReadAsync<SchoolSettings>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var missing = await MissingCoordinatesAsync(request, cancellationToken);
        if (missing.Count > 0)
        {
            return HttpJson.From(Result<SchoolSettings>.Invalid([.. missing, .. await admin.ProblemsAsync(schoolId, school!, cancellationToken)]), _ => new OkResult());
        }

        var result = await admin.PutSchoolAsync(schoolId, school!, cancellationToken);
        return HttpJson.From(result, s => new OkObjectResult(new { id = schoolId, school = s }));
    }

    private static async Task<List<string>> MissingCoordinatesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.Body.Position = 0;
        using var document = await System.Text.Json.JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        var given = document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
            ? document.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : [];
        return [.. new[] { "latitude", "longitude" }.Where(name => !given.Contains(name)).Select(name => $"{name}: required (the school's position decides the prayer times slots keep clear of).")];
    }
}
