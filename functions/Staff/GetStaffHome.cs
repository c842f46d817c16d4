using BkOutreach.Core.Access;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary><c>GET /api/staff</c>: the staff home after sign-in (HTML): what needs doing first in each of the caller's schools, and a link to each task.</summary>
public sealed class GetStaffHome(StaffHome home)
{
    [Function(nameof(GetStaffHome))]
    [Access(AccessScope.SignedIn, Page = true)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new StaffPageResult(await home.RenderAsync(AccessGate.CallerOf(request)!, StaffPageHttp.Language(request), cancellationToken));
}
