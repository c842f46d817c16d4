using BkOutreach.Core.Access;

namespace BkOutreach.Core.Staff;

/// <summary>
/// What a staff page answers when the access step refuses it (403: no access to this school or task; 404: a
/// booking, campaign or guardian of another school): a page in the staff member's language with a way back,
/// where the JSON routes answer <c>{ "error" }</c>. It says nothing of what exists elsewhere.
/// </summary>
public sealed class StaffRefusalPage(StaffFrames frames, StaffPages pages)
{
    public async Task<string> RenderAsync(Caller caller, int status, string lang, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var frame = await frames.BuildAsync(caller, null, lang, StaffSection.Home, cancellationToken);
        var kind = status == 404 ? "missing" : "forbidden";
        return pages.Render("refused", frame, new Dictionary<string, object?>
        {
            ["title"] = pages.Text("refused", frame.Lang, kind + "_title"),
            ["body"] = pages.Text("refused", frame.Lang, kind + "_body"),
            ["home"] = StaffPaths.Home,
        });
    }
}
