namespace BkOutreach.Core.Outreach;

/// <summary>
/// One queue message of a wave's fan-out: up to <see cref="CampaignDispatcher.BatchSize"/> guardian ids,
/// contiguous in sorted order, so the sender reads their roster rows and their send state with one range
/// query each. The message carries ids only: no phone number or name sits in the queue (or in its poison
/// copy), and a guardian erased or moved out of the audience since the fan-out is not sent to.
/// </summary>
public sealed record SendBatch(string SchoolId, string CampaignId, int Wave, IReadOnlyList<string> GuardianIds);

/// <summary>A guardian as the sender needs them, built from the roster at send time.</summary>
public sealed record Recipient(string GuardianId, string Phone, string GuardianName, string Language, IReadOnlyList<RecipientStudent> Students)
{
    /// <summary>The guardian's channel choice; null = the default (WhatsApp when it is on).</summary>
    public Schools.MessageChannel? Channel { get; init; }
}

public sealed record RecipientStudent(string Name, string Class, string CounselorId);

public static class OutreachQueues
{
    /// <summary>Fan-out of campaign waves to the sender function.</summary>
    public const string SendQueue = "sms-send";
}
