using BkOutreach.Core.Access;
using BkOutreach.Core.Staff;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;

namespace BkOutreach.Functions.Staff;

/// <summary>What the school admin's pages share: the frame with the notice named by <c>?done=</c>, and rendering.</summary>
public sealed class AdminPageKit(StaffFrames frames, SchoolAdminViews views)
{
    public StaffPages Pages => views.Pages;

    /// <summary>
    /// The page's frame; after a saved form (<c>?done=x</c>) its notice is the page's text <c>done_x</c> when
    /// <paramref name="done"/> lists x (anything else in the query shows nothing).
    /// </summary>
    public async Task<StaffFrame> FrameAsync(HttpRequest request, string schoolId, StaffSection section, string page, IReadOnlyCollection<string> done, CancellationToken cancellationToken)
    {
        var frame = await frames.BuildAsync(AccessGate.CallerOf(request)!, schoolId, StaffPageHttp.Language(request), section, cancellationToken);
        var notice = request.Query["done"].ToString();
        return done.Contains(notice) ? frame with { Notice = Pages.Text(page, frame.Lang, "done_" + notice) } : frame;
    }

    public StaffPageResult Render(string page, StaffFrame frame, Dictionary<string, object?> values, int status = StatusCodes.Status200OK) =>
        new(Pages.Render(page, frame, values), status);

    public string Text(string page, StaffFrame frame, string key) => Pages.Text(page, frame.Lang, key);
}
