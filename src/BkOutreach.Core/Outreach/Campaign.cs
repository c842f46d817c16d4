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

/// <summary>A stored campaign: its definition and where it belongs.</summary>
public sealed record Campaign(string Id, string SchoolId, CampaignDefinition Definition);
