namespace BkOutreach.Core.Sms;

/// <summary>
/// One SMS to one recipient. <see cref="IdempotencyKey"/> identifies the fact "this guardian gets this
/// message" (campaign + wave + guardian, booking + reminder kind, …): a provider that sees the same key
/// twice must not deliver twice. <see cref="FirstAttemptAt"/> is when the first attempt under that key was
/// made (kept by the caller across retries and restarts; ACS needs it for repeatability).
/// </summary>
public sealed record SmsMessage(string To, string Body, string IdempotencyKey, string? Tag = null, DateTimeOffset? FirstAttemptAt = null);

public enum SmsSendStatus
{
    /// <summary>The provider accepted the message (or had already accepted it under the same key).</summary>
    Accepted,

    /// <summary>The provider refused it for a reason a retry will not change (bad number, blocked).</summary>
    Rejected,

    /// <summary>The provider could not take it now (throttled, unavailable); retry later.</summary>
    Transient,
}

public sealed record SmsSendResult(string IdempotencyKey, SmsSendStatus Status, string? MessageId, string? Error, bool WasRepeat = false);

/// <summary>Sends SMS in batches with a result per recipient, shaped after the ACS SMS API.</summary>
public interface ISmsSender
{
    /// <summary>Largest batch one request to the provider carries; <see cref="SendAsync"/> splits longer lists.</summary>
    int MaxBatchSize { get; }

    /// <summary>Sends any number of messages; one result per message, in the same order.</summary>
    Task<IReadOnlyList<SmsSendResult>> SendAsync(IReadOnlyList<SmsMessage> messages, CancellationToken cancellationToken);
}
