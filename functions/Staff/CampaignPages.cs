using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>
/// The school admin's campaign pages: the list of campaigns (waves, state, counts) and plans with "add the
/// recommended plan"; the composer; one campaign with "dispatch now"; editing a plan. Each page reads or
/// writes through the same use cases as the JSON admin routes.
/// </summary>
public sealed class CampaignPages(
    StaffFrames frames,
    StaffPages pages,
    CampaignStatusBoard board,
    CampaignComposer composer,
    CampaignPlanEditor editor,
    CampaignDispatcher dispatcher)
{
    /// <summary><c>GET /api/staff/schools/{schoolId}/campaigns</c>: the school's campaigns with their waves, and its plans.</summary>
    [Function(nameof(StaffCampaigns))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public Task<IActionResult> StaffCampaigns(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/campaigns")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken) =>
        ListAsync(request, schoolId, [], cancellationToken);

    /// <summary><c>POST /api/staff/schools/{schoolId}/campaigns</c> (<c>action=add_recommended</c>): the recommended plan in one step.</summary>
    [Function(nameof(StaffAddRecommendedPlan))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> StaffAddRecommendedPlan(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/campaigns")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var result = await editor.AddRecommendedAsync(schoolId, StaffPageHttp.Language(request), cancellationToken);
        if (result.NotFound)
        {
            return new NotFoundResult();
        }

        return result.Succeeded
            ? StaffPageHttp.SeeOther(StaffPaths.Campaigns(schoolId), "plan_added")
            : await ListAsync(request, schoolId, [.. result.Problems.Select(p => new FieldError("add-recommended", CampaignComposer.MessageOf(p)))], cancellationToken);
    }

    /// <summary><c>GET /api/staff/schools/{schoolId}/new-campaign</c>: the composer, with the school's current term and a first wave filled in.</summary>
    [Function(nameof(StaffNewCampaign))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> StaffNewCampaign(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/new-campaign")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var page = await composer.StartAsync(schoolId, lang, cancellationToken);
        return page is null ? new NotFoundResult() : await ComposerAsync(request, schoolId, page, [], StatusCodes.Status200OK, cancellationToken);
    }

    /// <summary>
    /// <c>POST /api/staff/schools/{schoolId}/new-campaign</c>: <c>action=check</c> shows the audience's size, the
    /// message and the schedule for what was typed; <c>action=create</c> stores the campaign (303 to its page) or
    /// answers 400 with every problem on its field and the form as typed.
    /// </summary>
    [Function(nameof(StaffComposeCampaign))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> StaffComposeCampaign(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/new-campaign")] HttpRequest request,
        string schoolId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var form = await StaffPageHttp.FormAsync(request, cancellationToken);
        var input = CampaignComposerInput.FromForm(
            name => StaffPageHttp.Field(form, name),
            name => form.TryGetValue(name, out var values) ? [.. values.Select(v => v ?? "")] : []);
        if (StaffPageHttp.Field(form, "action") != "create")
        {
            var checkedPage = await composer.CheckAsync(schoolId, input, lang, cancellationToken);
            return checkedPage is null ? new NotFoundResult() : await ComposerAsync(request, schoolId, checkedPage, [], StatusCodes.Status200OK, cancellationToken);
        }

        var outcome = await composer.CreateAsync(schoolId, input, lang, cancellationToken);
        if (outcome is null)
        {
            return new NotFoundResult();
        }

        return outcome.Created is { } created
            ? StaffPageHttp.SeeOther(StaffPaths.Campaign(schoolId, created.Id), "created")
            : await ComposerAsync(request, schoolId, outcome.Page, outcome.Errors, StatusCodes.Status400BadRequest, cancellationToken);
    }

    /// <summary><c>GET /api/staff/schools/{schoolId}/campaigns/{campaignId}</c>: one campaign's waves with their state and counts, and "dispatch now".</summary>
    [Function(nameof(StaffCampaign))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> StaffCampaign(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/campaigns/{campaignId}")] HttpRequest request,
        string schoolId,
        string campaignId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var view = await board.GetAsync(schoolId, campaignId, lang, cancellationToken);
        if (view is null)
        {
            return new NotFoundResult();
        }

        var frame = await FrameAsync(request, schoolId, CampaignStatusBoard.TextPage, lang, cancellationToken);
        return new StaffPageResult(pages.Render(CampaignStatusBoard.TextPage, frame, new Dictionary<string, object?>
        {
            ["k"] = view,
            ["list_href"] = StaffPaths.Campaigns(schoolId),
            ["dashboard_href"] = StaffPaths.Dashboard(schoolId),
            ["export_href"] = ExportPath(schoolId),
            ["codebook_href"] = ExportPath(schoolId) + "/codebook",
        }));
    }

    /// <summary>
    /// <c>POST /api/staff/schools/{schoolId}/campaigns/{campaignId}/dispatch</c>: "dispatch now", as the admin
    /// route does it (never in quiet hours, within the rate); 303 back to the campaign.
    /// </summary>
    [Function(nameof(StaffDispatchCampaign))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> StaffDispatchCampaign(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/campaigns/{campaignId}/dispatch")] HttpRequest request,
        string schoolId,
        string campaignId,
        CancellationToken cancellationToken)
    {
        var result = await dispatcher.DispatchNowAsync(schoolId, campaignId, cancellationToken);
        return result.NotFound
            ? new NotFoundResult()
            : StaffPageHttp.SeeOther(StaffPaths.Campaign(schoolId, campaignId), result.Value!.Count > 0 ? "dispatched" : "nothing_due");
    }

    /// <summary><c>GET /api/staff/schools/{schoolId}/campaign-plans/{planId}</c>: a plan's enabled flag and waves as a form.</summary>
    [Function(nameof(StaffCampaignPlan))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> StaffCampaignPlan(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "staff/schools/{schoolId}/campaign-plans/{planId}")] HttpRequest request,
        string schoolId,
        string planId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var page = await editor.OpenAsync(schoolId, planId, lang, cancellationToken);
        return page is null ? new NotFoundResult() : await PlanAsync(request, schoolId, page, [], StatusCodes.Status200OK, cancellationToken);
    }

    /// <summary>
    /// <c>POST /api/staff/schools/{schoolId}/campaign-plans/{planId}</c>: saves the plan (PUT semantics) if it is
    /// still the version the form was made from: 303 when saved, 400 with problems on their fields, 409 when
    /// someone changed the plan meanwhile (the form comes back as typed, nothing saved).
    /// </summary>
    [Function(nameof(StaffSaveCampaignPlan))]
    [Access(AccessScope.School, StaffRole.SchoolAdmin, Page = true)]
    public async Task<IActionResult> StaffSaveCampaignPlan(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "staff/schools/{schoolId}/campaign-plans/{planId}")] HttpRequest request,
        string schoolId,
        string planId,
        CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var form = await StaffPageHttp.FormAsync(request, cancellationToken);
        var input = PlanEditInput.FromForm(name => StaffPageHttp.Field(form, name), DocumentLimits.MaxWaves);
        var outcome = await editor.SaveAsync(schoolId, planId, input, lang, cancellationToken);
        if (outcome is null)
        {
            return new NotFoundResult();
        }

        return outcome.Saved
            ? StaffPageHttp.SeeOther(StaffPaths.CampaignPlan(schoolId, planId), "saved")
            : await PlanAsync(request, schoolId, outcome.Page, outcome.Errors, outcome.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest, cancellationToken);
    }

    private static string ExportPath(string schoolId) => $"/api/admin/schools/{Uri.EscapeDataString(schoolId)}/participation.csv";

    private async Task<IActionResult> ListAsync(HttpRequest request, string schoolId, IReadOnlyList<FieldError> errors, CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var campaigns = await board.ListAsync(schoolId, lang, cancellationToken);
        var plans = await editor.ListAsync(schoolId, lang, cancellationToken);
        if (campaigns is null || plans is null)
        {
            return new NotFoundResult();
        }

        var frame = (await FrameAsync(request, schoolId, "campaigns", lang, cancellationToken)).WithErrors(errors);
        return new StaffPageResult(
            pages.Render("campaigns", frame, new Dictionary<string, object?>
            {
                ["campaigns"] = campaigns,
                ["plans"] = plans,
                ["has_recommended"] = plans.Any(p => p.Id == RecommendedPlan.Id),
                ["plan_error"] = errors.Count == 0 ? "" : errors[0].Message,
                ["new_href"] = StaffPaths.NewCampaign(schoolId),
                ["list_href"] = StaffPaths.Campaigns(schoolId),
                ["dashboard_href"] = StaffPaths.Dashboard(schoolId),
                ["export_href"] = ExportPath(schoolId),
            }),
            errors.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private async Task<IActionResult> ComposerAsync(HttpRequest request, string schoolId, CampaignComposerPage page, IReadOnlyList<FieldError> errors, int status, CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var frame = (await FrameAsync(request, schoolId, CampaignComposer.Page, lang, cancellationToken)).WithErrors(errors);
        return new StaffPageResult(
            pages.Render(CampaignComposer.Page, frame, new Dictionary<string, object?>
            {
                ["p"] = page,
                ["form_href"] = StaffPaths.NewCampaign(schoolId),
                ["list_href"] = StaffPaths.Campaigns(schoolId),
            }),
            status);
    }

    private async Task<IActionResult> PlanAsync(HttpRequest request, string schoolId, PlanEditPage page, IReadOnlyList<FieldError> errors, int status, CancellationToken cancellationToken)
    {
        var lang = StaffPageHttp.Language(request);
        var frame = (await FrameAsync(request, schoolId, CampaignPlanEditor.Page, lang, cancellationToken)).WithErrors(errors);
        return new StaffPageResult(
            pages.Render(CampaignPlanEditor.Page, frame, new Dictionary<string, object?>
            {
                ["p"] = page,
                ["list_href"] = StaffPaths.Campaigns(schoolId),
            }),
            status);
    }

    /// <summary>The frame of a campaign page, with the notice named by <c>?done=</c> (words <c>done_{name}</c> of the page, or the common "saved").</summary>
    private async Task<StaffFrame> FrameAsync(HttpRequest request, string schoolId, string page, string lang, CancellationToken cancellationToken)
    {
        var frame = await frames.BuildAsync(AccessGate.CallerOf(request)!, schoolId, lang, StaffSection.Campaigns, cancellationToken);
        var done = request.Query.TryGetValue("done", out var value) && value.Count == 1 ? value[0] : null;
        if (done is null || !done.All(ch => char.IsAsciiLetterLower(ch) || ch == '_'))
        {
            return frame;
        }

        var key = done == "saved" ? "saved" : "done_" + done;
        try
        {
            return frame with { Notice = pages.Text(page, frame.Lang, key) };
        }
        catch (KeyNotFoundException)
        {
            // A ?done= this page does not know (typed or stale link) shows no notice.
            return frame;
        }
    }
}
