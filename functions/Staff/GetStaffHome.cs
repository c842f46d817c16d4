using BkOutreach.Core.Access;
using BkOutreach.Functions.Http;
using BkOutreach.Functions.Participation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary><c>GET /api/staff</c>: the staff home after sign-in (HTML): the caller's schools and roles and a link to each task.</summary>
public sealed class GetStaffHome(StaffHome home)
{
    [Function(nameof(GetStaffHome))]
    [Access(AccessScope.SignedIn, Page = true)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var model = await home.BuildAsync(AccessGate.CallerOf(request)!, cancellationToken);
        var language = request.Headers.AcceptLanguage.ToString().StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "id";
        return new PrivatePageResult(home.Render(model, language), "text/html; charset=utf-8");
    }
}
