namespace BkOutreach.Core.Outreach;

/// <summary>
/// A standing campaign plan (CONTRACTS.md "Campaign plans"): how a school reaches parents every term, with
/// waves and booking window relative to the term instead of dates. The dispatcher turns it into one
/// campaign per term (<see cref="CampaignPlanResolver"/>); a disabled plan makes no new campaign and stops
/// the waves of its campaigns that have not gone out.
/// </summary>
public sealed record CampaignPlanDefinition
{
    public string Name { get; init; } = "";

    public string Template { get; init; } = "outreach";

    public CampaignAudience? Audience { get; init; }

    public IReadOnlyList<PlanWave> Waves { get; init; } = [];

    public PlanBookingWindow? BookingWindow { get; init; }

    public bool SmsReplyBooking { get; init; }

    public bool Enabled { get; init; } = true;
}

/// <summary>
/// A wave of a plan, due on exactly one of: <see cref="TermDay"/> (1 = the term's first day),
/// <see cref="AfterDays"/> after the previous wave, or <see cref="DaysBeforeTermEnd"/> (0 = the term's last
/// day). A due day that is a blackout day moves to the next day that is not one. <see cref="SendOn"/> is
/// refused: a plan holds no dates (it is read only to say so).
/// </summary>
public sealed record PlanWave(string Kind, int? TermDay = null, int? AfterDays = null, int? DaysBeforeTermEnd = null, string? SendOn = null);

/// <summary>
/// When parents may book, relative to the term: from <see cref="FromTermDay"/> (omitted: the first wave's
/// day) to <see cref="ToTermDay"/> or <see cref="ToDaysBeforeTermEnd"/> (omitted: the term's last day). A
/// wave due after the window's end keeps the window (and so the links) open until that wave's day, because
/// a campaign sends nothing once its links have expired.
/// </summary>
public sealed record PlanBookingWindow(int? FromTermDay = null, int? ToTermDay = null, int? ToDaysBeforeTermEnd = null);

/// <summary>A stored plan of a school.</summary>
public sealed record CampaignPlan(string Id, string SchoolId, CampaignPlanDefinition Definition)
{
    /// <summary>The stored row's ETag, for an edit guarded against a change made meanwhile; default when not read from storage.</summary>
    public Azure.ETag ETag { get; init; }
}

/// <summary>The recommended plan a new school can take in one step, and the demo seeds.</summary>
public static class RecommendedPlan
{
    public const string Id = "kenali-guru-bk";

    /// <summary>
    /// "Kenali guru BK": outreach a week into the term, a follow-up a week later to guardians who neither
    /// booked nor opted out, the study's barrier survey three weeks before the term ends; parents may book
    /// from the outreach day until two weeks before the term ends (exam weeks usually follow).
    /// </summary>
    public static CampaignPlanDefinition Definition { get; } = new()
    {
        Name = "Kenali guru BK",
        Template = "outreach",
        Waves =
        [
            new PlanWave("outreach", TermDay: 7),
            new PlanWave("follow_up", AfterDays: 7),
            new PlanWave("survey_barrier", DaysBeforeTermEnd: 21),
        ],
        BookingWindow = new PlanBookingWindow(FromTermDay: 7, ToDaysBeforeTermEnd: 14),
        SmsReplyBooking = false,
        Enabled = true,
    };
}
