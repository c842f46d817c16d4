using BkOutreach.Core.Outreach;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Outreach;

/// <summary>How the plan routes show a plan: the plan's own fields (as PUT takes them), its id and its campaigns.</summary>
internal static class CampaignPlanResults
{
    public static object Body(CampaignPlanView view) => new
    {
        id = view.Id,
        name = view.Plan.Name,
        template = view.Plan.Template,
        audience = view.Plan.Audience,
        waves = view.Plan.Waves.Select(w => new { kind = w.Kind, termDay = w.TermDay, afterDays = w.AfterDays, daysBeforeTermEnd = w.DaysBeforeTermEnd }),
        bookingWindow = view.Plan.BookingWindow,
        smsReplyBooking = view.Plan.SmsReplyBooking,
        enabled = view.Plan.Enabled,
        campaigns = view.Campaigns,
        version = view.Version,
    };

    public static IActionResult Saved(CampaignPlanView view) =>
        new ObjectResult(Body(view)) { StatusCode = view.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK };
}
