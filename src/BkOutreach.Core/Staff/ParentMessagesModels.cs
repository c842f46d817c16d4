using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;

namespace BkOutreach.Core.Staff;

/// <summary>A child of the family as the counsellor's inbox shows it.</summary>
public sealed record ThreadStudent(string Name, string Class);

/// <summary>One family's thread in a counsellor's inbox: who, about which children, when it last moved, how many of the parent's messages are unread.</summary>
public sealed record ParentThreadSummary(string GuardianId, string GuardianName, IReadOnlyList<ThreadStudent> Students, DateTimeOffset LastAt, int Unread);

/// <summary>Who wrote a message of a thread.</summary>
public enum ParentMessageDirection
{
    FromParent,
    FromCounselor,
}

/// <summary>
/// Where a counsellor's answer stands: <see cref="Sending"/> (stored, the provider not yet confirmed),
/// <see cref="Sent"/>, <see cref="Queued"/> (quiet hours, or a provider hiccup: the timer sends it),
/// <see cref="Refused"/> (the parent opted out before it went), <see cref="Failed"/> (the provider refused it).
/// A parent's message is always <see cref="Received"/>.
/// </summary>
public enum ParentMessageState
{
    Received,
    Sending,
    Sent,
    Queued,
    Refused,
    Failed,
}

/// <summary>One message of a thread; <see cref="Text"/> is stored because the counsellor must read it (never logged, never in the participation log).</summary>
public sealed record ParentMessage(
    string Id,
    ParentMessageDirection Direction,
    string Text,
    DateTimeOffset At,
    MessageChannel Channel,
    ParentMessageState State,
    DateTimeOffset? DueAt);

/// <summary>A family's thread with its messages, oldest first.</summary>
public sealed record ParentThread(ParentThreadSummary Summary, IReadOnlyList<ParentMessage> Messages);

/// <summary>What became of a counsellor's answer.</summary>
public enum AnswerOutcome
{
    /// <summary>The provider took it.</summary>
    Sent,

    /// <summary>Outside the school's sending window: stored and sent by the timer when the window opens.</summary>
    Queued,

    /// <summary>The same answer (same answer id) was already handled: nothing sent again.</summary>
    AlreadyDone,

    /// <summary>The parent opted out (BERHENTI/STOP): nothing sent, nothing stored.</summary>
    OptedOut,

    /// <summary>The text is missing or too long (see the problems).</summary>
    Invalid,

    /// <summary>No such family in this counsellor's inbox (or the guardian was erased).</summary>
    NoThread,

    /// <summary>The provider refused the message; it is stored as failed.</summary>
    Failed,
}

/// <summary>The answer's outcome; <see cref="Problems"/> names the field problems of an invalid one.</summary>
public sealed record AnswerResult(AnswerOutcome Outcome, IReadOnlyList<string> Problems, DateTimeOffset? DueAt = null);

/// <summary>A counsellor's answer on its way to a parent.</summary>
/// <param name="AnswerId">The answer's own id: the idempotency key of its one message.</param>
/// <param name="FirstAttemptAt">When the first attempt was made (kept across retries; ACS repeatability needs it).</param>
public sealed record ParentReply(string SchoolId, string CounselorId, Guardian Guardian, string AnswerId, string Text, DateTimeOffset FirstAttemptAt);

/// <summary>What the sender did with a <see cref="ParentReply"/>, and by which channel.</summary>
public sealed record ParentReplyResult(SmsSendStatus Status, MessageChannel Channel, string? ProviderMessageId, string? Error);

/// <summary>
/// Sends a counsellor's answer to a parent. One small seam so a later sender can route it over WhatsApp
/// inside the 24 hours after the parent wrote, and by SMS otherwise; whatever it does, one answer (one
/// <see cref="ParentReply.AnswerId"/>) must reach the parent once.
/// </summary>
public interface IParentReplySender
{
    Task<ParentReplyResult> SendAsync(ParentReply reply, CancellationToken cancellationToken);
}

/// <summary>Answers by SMS through <see cref="ISmsSender"/> (the outbox locally, ACS in Azure), keyed by the answer id.</summary>
public sealed class SmsParentReplySender(ISmsSender sms) : IParentReplySender
{
    public static string IdempotencyKey(string answerId) => $"parent-answer:{answerId}";

    public async Task<ParentReplyResult> SendAsync(ParentReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var results = await sms.SendAsync([new SmsMessage(reply.Guardian.Phone, reply.Text, IdempotencyKey(reply.AnswerId), null, reply.FirstAttemptAt)], cancellationToken);
        var result = results[0];
        return new ParentReplyResult(result.Status, MessageChannel.Sms, result.MessageId, result.Error);
    }
}

/// <summary>
/// Answers by WhatsApp free text when the school has a WhatsApp channel, the guardian has not chosen SMS and
/// the parent wrote by WhatsApp in the last 24 hours (the only time WhatsApp allows free text); otherwise,
/// or when WhatsApp refuses the message at send, by SMS, under the same answer key, so one answer reaches
/// the parent once. The choice of channel is <see cref="WhatsApp.ChannelAnswers"/>, shared with the answers
/// to keywords (<see cref="Outreach.HandleAcsEvents"/>).
/// </summary>
public sealed class ChannelParentReplySender(WhatsApp.ChannelAnswers answers) : IParentReplySender
{
    public async Task<ParentReplyResult> SendAsync(ParentReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var sent = await answers.SendAsync(
            reply.Guardian.Phone, reply.Text, SmsParentReplySender.IdempotencyKey(reply.AnswerId), reply.FirstAttemptAt, reply.Guardian.Channel != MessageChannel.Sms, cancellationToken);
        return new ParentReplyResult(sent.Status, sent.Channel, sent.ProviderMessageId, sent.Error);
    }
}
