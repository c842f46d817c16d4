using BkOutreach.Core.Access;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>The body of <c>POST …/api-keys</c>.</summary>
public sealed record SchoolKeyBody(string? Name);

/// <summary>
/// A school's automation keys: <c>POST /api/admin/schools/{schoolId}/api-keys</c> <c>{ "name" }</c> → 201
/// <c>{ "id", "key" }</c> (the key is shown this once), <c>GET …/api-keys</c> (ids and names, never keys),
/// <c>DELETE …/api-keys/{id}</c> (refused from the next request on, on every instance).
/// </summary>
public sealed class SchoolKeyRoutes(StaffAdmin admin)
{
    [Function(nameof(CreateSchoolKey))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> CreateSchoolKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/schools/{schoolId}/api-keys")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var (body, error) = await HttpJson.ReadAsync<SchoolKeyBody>(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        return HttpJson.From(
            await admin.CreateKeyAsync(schoolId, body!.Name, cancellationToken),
            k => new ObjectResult(new { id = k.Info.Id, key = k.Key, name = k.Info.Name }) { StatusCode = StatusCodes.Status201Created },
            "unknown_school");
    }

    [Function(nameof(ListSchoolKeys))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> ListSchoolKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/schools/{schoolId}/api-keys")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        HttpJson.From(
            await admin.ListKeysAsync(schoolId, cancellationToken),
            keys => new OkObjectResult(keys.Select(k => new { id = k.Id, name = k.Name, createdAt = k.CreatedAt })),
            "unknown_school");

    [Function(nameof(DeleteSchoolKey))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin)]
    public async Task<IActionResult> DeleteSchoolKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/schools/{schoolId}/api-keys/{id}")] HttpRequest request,
        string schoolId,
        string id,
        CancellationToken cancellationToken) =>
        HttpJson.From(await admin.DeleteKeyAsync(schoolId, id, cancellationToken), _ => new NoContentResult(), "unknown_key");
}
