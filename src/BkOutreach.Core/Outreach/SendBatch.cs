namespace BkOutreach.Core.Outreach;

/// <summary>
/// One queue message of a wave's fan-out: up to <see cref="CampaignDispatcher.BatchSize"/> recipients whose
/// guardian ids are contiguous in sorted order, so the sender reads their send state with one range query.
/// Recipients carry what the SMS needs, so sending reads no roster rows.
/// </summary>
public sealed record SendBatch(string SchoolId, string CampaignId, int Wave, IReadOnlyList<Recipient> Recipients);

public sealed record Recipient(string GuardianId, string Phone, string GuardianName, string Language, IReadOnlyList<RecipientStudent> Students);

public sealed record RecipientStudent(string Name, string Class, string CounselorId);

public static class OutreachQueues
{
    /// <summary>Fan-out of campaign waves to the sender function.</summary>
    public const string SendQueue = "sms-send";
}
