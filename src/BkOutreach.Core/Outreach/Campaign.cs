namespace BkOutreach.Core.Outreach;

/// <summary>
/// A term's outreach campaign as the admin route takes it (CONTRACTS.md). Dates are the school's local
/// dates; both ends of the booking window belong to it, and links stop working when it ends.
/// </summary>
public sealed record CampaignDefinition
{
    public string Name { get; init; } = "";

    public string Term { get; init; } = "";

    public string Template { get; init; } = "outreach";

    public CampaignAudience? Audience { get; init; }

    public IReadOnlyList<CampaignWave> Waves { get; init; } = [];

    public DateWindow? BookingWindow { get; init; }

    /// <summary>Offer the three nearest slots in the SMS ("Balas 1, 2 atau 3") for parents who cannot open links.</summary>
    public bool SmsReplyBooking { get; init; }
}

/// <summary>Who a campaign reaches: all guardians, or those of some classes and/or one counsellor.</summary>
public sealed record CampaignAudience(IReadOnlyList<string>? Classes, string? CounselorId);

/// <summary>
/// <c>outreach</c> waves go out on <see cref="SendOn"/>; a <c>follow_up</c> wave goes <see cref="AfterDays"/>
/// after the previous wave to guardians who neither booked nor opted out. <c>survey_barrier</c> and
/// <c>survey_channel</c> waves ask the study's two questions (on <see cref="SendOn"/>, or
/// <see cref="AfterDays"/> after the previous wave); replies are recorded as survey answers.
/// </summary>
public sealed record CampaignWave(string Kind, string? SendOn = null, int? AfterDays = null);

public sealed record DateWindow(string From, string To);

/// <summary>
/// A stored campaign: its definition and where it belongs. A campaign made from a campaign plan names its
/// plan (<see cref="PlanId"/>) and carries what the plan decided beyond the definition: which waves went
/// late (their day had passed when the campaign was made or changed) and which are skipped (they could not
/// go inside the term, or the plan was disabled or deleted).
/// </summary>
public sealed record Campaign(string Id, string SchoolId, CampaignDefinition Definition)
{
    public string? PlanId { get; init; }

    /// <summary>What the campaign was last resolved from (the plan and the school's calendar); see <see cref="CampaignPlanResolver.VersionOf"/>.</summary>
    public string? PlanVersion { get; init; }

    public IReadOnlyList<int> LateWaves { get; init; } = [];

    public IReadOnlyList<int> SkippedWaves { get; init; } = [];

    /// <summary>The stored row's ETag, for a guarded replace; default when not read from storage.</summary>
    public Azure.ETag ETag { get; init; }
}
