using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Privacy;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// A message for one guardian, ready for either channel: the SMS as it would go (its idempotency key is the
/// message's key for both channels), the guardian's channel choice (null = the default), and our template
/// with its values, from which the WhatsApp form is made — or <paramref name="WhatsApp"/>, the WhatsApp form
/// made by the caller (the slot offer: its own values and quick replies). <paramref name="Facts"/>: who and
/// what the participation facts of a message that is no campaign wave are about (null for a wave's message,
/// whose key says).
/// </summary>
public sealed record OutboundMessage(SmsMessage Sms, MessageChannel? Preferred, string Template, string Language, SmsTemplateModel Model, string? SchoolId = null, WhatsAppRendering? WhatsApp = null, MessageFacts? Facts = null);

/// <summary>How a message went: <see cref="Fallback"/> when it went by SMS because WhatsApp did not reach the parent.</summary>
public sealed record ChannelSendResult(string IdempotencyKey, SmsSendStatus Status, MessageChannel Channel, string? MessageId, string? Error, bool Fallback = false);

/// <summary>What one fallback timer run did.</summary>
public sealed record FallbackSweep(int Due, int SmsSent, int Cancelled);

/// <summary>
/// Sends each message exactly once over WhatsApp and SMS together. WhatsApp first when it is on and the
/// guardian has not chosen SMS; the message's <see cref="DeliveryRecord"/> (written before WhatsApp is called,
/// ETag-guarded after) decides every later step, so retries, a second instance or a restart in the middle
/// continue from the stored state, never from memory. Exactly one SMS follows when WhatsApp refuses the
/// message, reports it <c>failed</c>, or has not reported it delivered <see cref="WhatsAppOptions.FallbackAfterMinutes"/>
/// after the first attempt (the fallback timer reads the due index); a <c>delivered</c> or <c>read</c> status,
/// however late, makes the record final first and no SMS follows. Opted-out numbers get no fallback, and a
/// fallback that falls in the school's quiet hours waits for the next opening.
/// </summary>
/// <remarks>
/// A queue retry of a message still <see cref="DeliveryState.WhatsAppPending"/> (the first call got 429/5xx)
/// races the fallback timer: both may act once the deadline passes. So a retry never calls WhatsApp within
/// <see cref="NoWhatsAppRetryWithin"/> of the deadline or after it (it claims the SMS instead), and every
/// WhatsApp call is first claimed on the record (<see cref="DeliveryRecord.AttemptUntil"/>, ETag-guarded; the
/// first attempt claims it when it writes the record): the timer leaves a record with an attempt in flight
/// and looks again when the claim runs out. The call is abandoned at the claim's end (<see cref="AttemptLease"/>),
/// so a hung request cannot hold the fallback off for longer than that.
/// </remarks>
public sealed partial class TwoChannelSender(
    ISmsSender sms,
    IWhatsAppSender whatsApp,
    WhatsAppTemplates templates,
    IWhatsAppWindow window,
    WhatsAppDeliveryStore store,
    WhatsAppFacts facts,
    OptOutStore optOuts,
    SmsRateLimiter rateLimiter,
    SendLog sendLog,
    SchoolDirectory directory,
    IOptions<WhatsAppOptions> options,
    TimeProvider time,
    ILogger<TwoChannelSender> logger)
{
    private const int MaxRaces = 5;

    /// <summary>How long one WhatsApp call (with the pipeline's own retries) may hold the fallback timer off.</summary>
    public static readonly TimeSpan AttemptLease = TimeSpan.FromMinutes(5);

    /// <summary>A retry this close to the fallback deadline (or past it) goes by SMS: WhatsApp could not deliver it in time anyway.</summary>
    public static readonly TimeSpan NoWhatsAppRetryWithin = TimeSpan.FromMinutes(2);

    private WhatsAppOptions Options => options.Value;

    /// <summary>One result per message, in order. The caller has claimed the SMS rate for all of them.</summary>
    public async Task<IReadOnlyList<ChannelSendResult>> SendAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var results = new ChannelSendResult?[messages.Count];
        var bySms = new List<PendingSms>();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var record = Options.Enabled ? await store.GetAsync(message.Sms.IdempotencyKey, cancellationToken) : null;
            var whatsAppMessage = record is null ? await WhatsAppFormAsync(message, cancellationToken) : null;
            if (record is null && whatsAppMessage is null)
            {
                bySms.Add(new PendingSms(i, message.Sms, null, message.Facts));
                continue;
            }

            results[i] = await SendWhatsAppAsync(i, message, whatsAppMessage, record, bySms, cancellationToken);
        }

        foreach (var (index, result) in await SendSmsAsync(bySms, cancellationToken))
        {
            results[index] = result;
        }

        return results!;
    }

    /// <summary>
    /// A delivery status event. Returns false when the message is not ours. Events may come late, twice or out
    /// of order: the record's state decides, and only a move out of a WhatsApp state to <c>SmsPending</c> sends.
    /// </summary>
    public async Task<bool> OnStatusAsync(AdvancedMessageDeliveryStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        var key = string.IsNullOrEmpty(status.MessageId) ? null : await store.KeyOfMessageAsync(status.MessageId, cancellationToken);
        if (key is null)
        {
            LogUnknownStatus(logger, status.MessageId, status.Status);
            return false;
        }

        var kind = status.Status.ToLowerInvariant();
        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var record = await store.GetAsync(key, cancellationToken);
            if (record is null)
            {
                return false;
            }

            switch (kind)
            {
                case "delivered" or "read":
                    var read = kind == "read";
                    if (!record.WhatsAppDelivered || (read && record.State != DeliveryState.Read))
                    {
                        // A delivered message is final whatever state it was in: no SMS may follow it.
                        var wasDelivered = record.WhatsAppDelivered;
                        var final = record.State is DeliveryState.SmsSent or DeliveryState.SmsRejected or DeliveryState.Cancelled
                            ? record
                            : await store.TryReplaceAsync(record with { State = read ? DeliveryState.Read : DeliveryState.Delivered }, cancellationToken);
                        if (final is null)
                        {
                            continue;
                        }

                        if (!wasDelivered)
                        {
                            await facts.RecordAsync(record, ParticipationKind.WhatsAppDelivered, cancellationToken);
                            await sendLog.RecordDeliveryAsync(key, delivered: true, "whatsapp: delivered", cancellationToken);
                        }
                    }

                    if (read)
                    {
                        await facts.RecordAsync(record, ParticipationKind.WhatsAppRead, cancellationToken);
                    }

                    LogStatus(logger, status.MessageId, kind, record.State);
                    return true;

                case "failed":
                    await facts.RecordAsync(record, ParticipationKind.WhatsAppFailed, cancellationToken);
                    if (record.State is not (DeliveryState.WhatsAppPending or DeliveryState.WhatsAppSent))
                    {
                        // Delivered already (never an SMS after that), or the fallback is claimed or done.
                        LogStatus(logger, status.MessageId, kind, record.State);
                        return true;
                    }

                    if (await optOuts.IsOptedOutAsync(record.To, cancellationToken))
                    {
                        if (await store.TryReplaceAsync(record with { State = DeliveryState.Cancelled, Detail = "opted out" }, cancellationToken) is null)
                        {
                            continue;
                        }

                        return true;
                    }

                    var closedUntil = await ClosedUntilAsync(record.SchoolId, cancellationToken);
                    var claimed = await ClaimSmsAsync(record, $"whatsapp failed: {status.ErrorCode} {status.ErrorMessage}".Trim(), closedUntil, cancellationToken);
                    if (claimed is null)
                    {
                        continue;
                    }

                    if (closedUntil is not null)
                    {
                        // Quiet hours: the timer sends it at the opening.
                        return true;
                    }

                    await rateLimiter.AcquireAsync(1, cancellationToken);
                    await SendSmsAsync([new PendingSms(0, FallbackSms(claimed), claimed, null)], cancellationToken);
                    LogStatus(logger, status.MessageId, kind, claimed.State);
                    return true;

                default:
                    // "sent" and any newer status: nothing to decide.
                    return true;
            }
        }

        throw new InvalidOperationException($"The delivery record of WhatsApp message {status.MessageId} kept changing; the event will be retried.");
    }

    /// <summary>The fallback timer: every due message still not delivered goes by SMS, once; pending fallbacks are retried.</summary>
    public async Task<FallbackSweep> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = await store.ListDueAsync(now, cancellationToken);
        var pending = new List<(PendingSms Sms, DueFallback Row)>();
        var schools = new Dictionary<string, SchoolSettings?>(StringComparer.Ordinal);
        var cancelled = 0;
        foreach (var row in due)
        {
            var record = await store.GetAsync(row.Key, cancellationToken);
            if (record is null || record.IsFinal || (record.State is DeliveryState.WhatsAppPending or DeliveryState.WhatsAppSent && record.DueAt > now))
            {
                // Done, or an early row of a record whose own deadline has its own row.
                await store.RemoveDueAsync(row, cancellationToken);
                continue;
            }

            if (record.State == DeliveryState.WhatsAppPending && record.AttemptUntil > now)
            {
                // A WhatsApp call is in flight (claimed on the record): claiming the SMS now could reach the
                // parent twice. Look again when its claim runs out; by then it has settled the record or gone.
                await store.ScheduleAsync(record.Key, record.AttemptUntil.Value, cancellationToken);
                await store.RemoveDueAsync(row, cancellationToken);
                continue;
            }

            if (await optOuts.IsOptedOutAsync(record.To, cancellationToken))
            {
                if (await store.TryReplaceAsync(record with { State = DeliveryState.Cancelled, Detail = "opted out" }, cancellationToken) is not null)
                {
                    cancelled++;
                    await store.RemoveDueAsync(row, cancellationToken);
                }

                continue;
            }

            if (await ClosedUntilAsync(record.SchoolId, cancellationToken, schools) is { } opening)
            {
                // Quiet hours: the row moves to the opening; WhatsApp may still report delivery until then.
                await store.ScheduleAsync(record.Key, opening, cancellationToken);
                await store.RemoveDueAsync(row, cancellationToken);
                continue;
            }

            var claimed = record.State == DeliveryState.SmsPending
                ? record
                : await ClaimSmsAsync(record, $"whatsapp not delivered within {Options.FallbackAfterMinutes} minutes", null, cancellationToken);
            if (claimed is { SmsFirstAttemptAt: null })
            {
                // Claimed in quiet hours: the first SMS attempt is now, and every retry presents this time.
                claimed = await store.TryReplaceAsync(claimed with { SmsFirstAttemptAt = now }, cancellationToken);
            }
            if (claimed is not null)
            {
                pending.Add((new PendingSms(pending.Count, FallbackSms(claimed), claimed, null), row));
            }
        }

        var sent = 0;
        if (pending.Count > 0)
        {
            await rateLimiter.AcquireAsync(pending.Count, cancellationToken);
            var results = await SendSmsAsync([.. pending.Select(p => p.Sms)], cancellationToken);
            foreach (var (index, result) in results)
            {
                if (result.Status != SmsSendStatus.Transient)
                {
                    await store.RemoveDueAsync(pending[index].Row, cancellationToken);
                }

                sent += result.Status == SmsSendStatus.Accepted ? 1 : 0;
            }
        }

        LogSwept(logger, due.Count, sent, cancelled);
        return new FallbackSweep(due.Count, sent, cancelled);
    }

    /// <summary>The WhatsApp form of a message, or null when it goes by SMS (WhatsApp off, SMS chosen, no template and the window closed).</summary>
    private async Task<WhatsAppMessage?> WhatsAppFormAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        if (!Options.Enabled || (message.Preferred ?? MessageChannel.WhatsApp) != MessageChannel.WhatsApp || (message.WhatsApp is null && !WhatsAppTemplates.Known.ContainsKey(message.Template)))
        {
            return null;
        }

        var rendering = message.WhatsApp ?? templates.Render(message.Template, message.Language, message.Model);
        var first = message.Sms.FirstAttemptAt ?? time.GetUtcNow();
        if (rendering.Template is not null)
        {
            return new WhatsAppMessage(message.Sms.To, message.Sms.IdempotencyKey, first, rendering.Template, null, rendering.Preview);
        }

        return await window.IsOpenAsync(message.Sms.To, time.GetUtcNow(), cancellationToken)
            ? new WhatsAppMessage(message.Sms.To, message.Sms.IdempotencyKey, first, null, rendering.Preview, rendering.Preview)
            : null;
    }

    private async Task<ChannelSendResult?> SendWhatsAppAsync(int index, OutboundMessage message, WhatsAppMessage? form, DeliveryRecord? record, List<PendingSms> bySms, CancellationToken cancellationToken)
    {
        var key = message.Sms.IdempotencyKey;
        var claimedAttempt = false;
        if (record is null)
        {
            // The record is written with this attempt claimed: the timer cannot take it while the call below runs.
            var first = form!.FirstAttemptAt;
            (record, claimedAttempt) = await store.AddOrGetAsync(
                new DeliveryRecord(key, DeliveryState.WhatsAppPending, message.Sms.To, message.Sms.Body, message.Sms.Tag, first, first + Options.FallbackAfter, null, null, null, default)
                {
                    SchoolId = message.SchoolId,
                    AttemptUntil = time.GetUtcNow() + AttemptLease,
                    Facts = message.Facts,
                },
                cancellationToken);
        }

        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            switch (record.State)
            {
                case DeliveryState.WhatsAppSent or DeliveryState.Delivered or DeliveryState.Read:
                    return new ChannelSendResult(key, SmsSendStatus.Accepted, MessageChannel.WhatsApp, record.MessageId, null);
                case DeliveryState.SmsSent:
                    return new ChannelSendResult(key, SmsSendStatus.Accepted, MessageChannel.Sms, record.MessageId, null, Fallback: true);
                case DeliveryState.SmsRejected:
                    return new ChannelSendResult(key, SmsSendStatus.Rejected, MessageChannel.Sms, null, record.Detail, Fallback: true);
                case DeliveryState.Cancelled:
                    return new ChannelSendResult(key, SmsSendStatus.Rejected, MessageChannel.WhatsApp, null, record.Detail ?? "opted out");
                case DeliveryState.SmsPending:
                    bySms.Add(new PendingSms(index, FallbackSms(record), record, null));
                    return null;
            }

            // WhatsAppPending. The deadline is indexed before the call, so a crash from here on still ends in one message.
            var now = time.GetUtcNow();
            if (!claimedAttempt)
            {
                // A retry (or a second instance): too late for WhatsApp, or claim this call on the record first.
                if (now >= record.DueAt - NoWhatsAppRetryWithin)
                {
                    var bySmsNow = await ClaimSmsAsync(record, $"whatsapp not sent before the fallback deadline ({Options.FallbackAfterMinutes} minutes)", null, cancellationToken);
                    if (bySmsNow is null)
                    {
                        record = await ReadAgainAsync(key, cancellationToken);
                        continue;
                    }

                    bySms.Add(new PendingSms(index, FallbackSms(bySmsNow), bySmsNow, null));
                    return null;
                }

                var until = now + AttemptLease;
                var claimed = await store.TryReplaceAsync(record with { AttemptUntil = record.AttemptUntil > until ? record.AttemptUntil : until }, cancellationToken);
                if (claimed is null)
                {
                    record = await ReadAgainAsync(key, cancellationToken);
                    continue;
                }

                record = claimed;
                claimedAttempt = true;
            }

            await store.ScheduleAsync(key, record.DueAt, cancellationToken);
            form ??= await WhatsAppFormAsync(message, cancellationToken) ?? new WhatsAppMessage(message.Sms.To, key, record.FirstAttemptAt, null, message.Sms.Body, message.Sms.Body);
            var sent = await CallWhatsAppAsync(form with { FirstAttemptAt = record.FirstAttemptAt }, record.AttemptUntil ?? now + AttemptLease, cancellationToken);
            switch (sent.Status)
            {
                case SmsSendStatus.Accepted:
                    // Indexed before the state moves, so a status event racing this write finds its message.
                    if (sent.MessageId is not null)
                    {
                        await store.IndexMessageAsync(sent.MessageId, key, cancellationToken);
                    }

                    var saved = await store.TryReplaceAsync(record with { State = sent.DeliveredNow ? DeliveryState.Delivered : DeliveryState.WhatsAppSent, MessageId = sent.MessageId, AttemptUntil = null }, cancellationToken);
                    if (saved is null)
                    {
                        record = await ReadAgainAsync(key, cancellationToken);
                        continue;
                    }

                    if (message.Facts is { } about)
                    {
                        // A wave's wa_sent is recorded by the batch for all its guardians at once.
                        await facts.RecordMessageAsync(about, key, ParticipationKind.WhatsAppSent, fallback: false, cancellationToken);
                    }

                    if (sent.DeliveredNow)
                    {
                        await facts.RecordAsync(saved, ParticipationKind.WhatsAppDelivered, cancellationToken);
                    }

                    return new ChannelSendResult(key, SmsSendStatus.Accepted, MessageChannel.WhatsApp, sent.MessageId, null);
                case SmsSendStatus.Rejected:
                    var masked = Mask.Phone(message.Sms.To);
                    LogRefused(logger, masked, sent.Error ?? "");
                    var refused = await ClaimSmsAsync(record, "whatsapp refused: " + sent.Error, null, cancellationToken);
                    if (refused is null)
                    {
                        record = await ReadAgainAsync(key, cancellationToken);
                        continue;
                    }

                    await facts.RecordAsync(refused, ParticipationKind.WhatsAppFailed, cancellationToken);
                    bySms.Add(new PendingSms(index, FallbackSms(refused), refused, null));
                    return null;
                default:
                    // The call is over: the claim goes (if the record moved meanwhile, that move stands), so the
                    // timer may fall back on time; the queue's retry claims again.
                    await store.TryReplaceAsync(record with { AttemptUntil = null }, cancellationToken);
                    return new ChannelSendResult(key, SmsSendStatus.Transient, MessageChannel.WhatsApp, null, sent.Error);
            }
        }

        throw new InvalidOperationException($"The delivery record of {key} kept changing while it was sent.");
    }

    /// <summary>One WhatsApp call, abandoned (as a transient failure) when its claim on the record runs out.</summary>
    private async Task<WhatsAppSendResult> CallWhatsAppAsync(WhatsAppMessage form, DateTimeOffset claimedUntil, CancellationToken cancellationToken)
    {
        var left = claimedUntil - time.GetUtcNow();
        using var lease = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Token);
        try
        {
            return await whatsApp.SendAsync(form, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WhatsAppSendResult(SmsSendStatus.Transient, null, $"no answer from WhatsApp within the attempt's {AttemptLease.TotalMinutes} minutes");
        }
    }

    private async Task<DeliveryRecord> ReadAgainAsync(string key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken) ?? throw new InvalidOperationException($"The delivery record of {key} vanished.");

    /// <summary>
    /// Moves a WhatsApp state to SmsPending, if nobody else did first. The due row (at <paramref name="sendAt"/>,
    /// or two minutes on) lets the timer send it then, or finish a fallback a crash interrupted.
    /// </summary>
    private async Task<DeliveryRecord?> ClaimSmsAsync(DeliveryRecord record, string detail, DateTimeOffset? sendAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claimed = await store.TryReplaceAsync(record with { State = DeliveryState.SmsPending, SmsFirstAttemptAt = record.SmsFirstAttemptAt ?? (sendAt is null ? now : null), Detail = detail, AttemptUntil = null }, cancellationToken);
        if (claimed is not null)
        {
            await store.ScheduleAsync(record.Key, sendAt ?? now.AddMinutes(2), cancellationToken);
        }

        return claimed;
    }

    /// <summary>When the school's sending hours next open, if they are closed now; null when open or the school is not known.</summary>
    private async Task<DateTimeOffset?> ClosedUntilAsync(string? schoolId, CancellationToken cancellationToken, Dictionary<string, SchoolSettings?>? cache = null)
    {
        if (schoolId is null)
        {
            return null;
        }

        if (cache is null || !cache.TryGetValue(schoolId, out var school))
        {
            school = await directory.GetSchoolAsync(schoolId, cancellationToken);
            cache?.Add(schoolId, school);
        }

        var now = NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow());
        return school is null || SendingWindow.IsOpen(school, now) ? null : SendingWindow.NextOpening(school, now).ToDateTimeOffset();
    }

    private static SmsMessage FallbackSms(DeliveryRecord record) => new(record.To, record.SmsBody, record.Key, record.SmsTag, record.SmsFirstAttemptAt);

    /// <summary>Sends SMS (first messages and fallbacks) in one provider call and settles the fallbacks' records.</summary>
    private async Task<IReadOnlyList<(int Index, ChannelSendResult Result)>> SendSmsAsync(IReadOnlyList<PendingSms> pending, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return [];
        }

        var sent = await sms.SendAsync([.. pending.Select(p => p.Sms)], cancellationToken);
        var results = new List<(int, ChannelSendResult)>(pending.Count);
        for (var i = 0; i < pending.Count; i++)
        {
            var (index, message, record, about) = pending[i];
            var result = sent[i];
            if (record is null)
            {
                if (about is not null && result.Status == SmsSendStatus.Accepted)
                {
                    // A wave's sms_sent is recorded by the batch; any other message's here, with what it was.
                    await facts.RecordMessageAsync(about, message.IdempotencyKey, ParticipationKind.SmsSent, fallback: false, cancellationToken);
                }

                results.Add((index, new ChannelSendResult(message.IdempotencyKey, result.Status, MessageChannel.Sms, result.MessageId, result.Error)));
                continue;
            }

            if (result.Status != SmsSendStatus.Transient)
            {
                await SettleAsync(record, result, cancellationToken);
            }

            results.Add((index, new ChannelSendResult(message.IdempotencyKey, result.Status, MessageChannel.Sms, result.MessageId, result.Error, Fallback: true)));
        }

        return results;
    }

    private async Task SettleAsync(DeliveryRecord record, SmsSendResult result, CancellationToken cancellationToken)
    {
        var accepted = result.Status == SmsSendStatus.Accepted;
        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            if (record.State != DeliveryState.SmsPending)
            {
                // Finished by another attempt, or WhatsApp reported delivery meanwhile (that state stands).
                return;
            }

            var saved = await store.TryReplaceAsync(
                record with { State = accepted ? DeliveryState.SmsSent : DeliveryState.SmsRejected, MessageId = accepted ? result.MessageId : record.MessageId, Detail = accepted ? record.Detail : result.Error },
                cancellationToken);
            if (saved is not null)
            {
                if (accepted)
                {
                    await facts.RecordAsync(record, ParticipationKind.SmsSent, cancellationToken);
                }

                var masked = Mask.Phone(record.To);
                LogFallback(logger, masked, accepted);
                return;
            }

            record = await ReadAgainAsync(record.Key, cancellationToken);
        }
    }

    /// <param name="Facts">For a first SMS (no record) of a message that is no campaign wave: what its sms_sent fact is about.</param>
    private sealed record PendingSms(int Index, SmsMessage Sms, DeliveryRecord? Record, MessageFacts? Facts);

    [LoggerMessage(Level = LogLevel.Information, Message = "WhatsApp to {MaskedPhone} refused at send ({Error}); falling back to SMS")]
    private static partial void LogRefused(ILogger logger, string maskedPhone, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "SMS fallback to {MaskedPhone}: accepted {Accepted}")]
    private static partial void LogFallback(ILogger logger, string maskedPhone, bool accepted);

    [LoggerMessage(Level = LogLevel.Information, Message = "WhatsApp status {Status} for message {MessageId} (record was {State})")]
    private static partial void LogStatus(ILogger logger, string messageId, string status, DeliveryState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "WhatsApp status {Status} for unknown message {MessageId}")]
    private static partial void LogUnknownStatus(ILogger logger, string messageId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "WhatsApp fallback sweep: {Due} due, {Sent} SMS sent, {Cancelled} cancelled (opted out)")]
    private static partial void LogSwept(ILogger logger, int due, int sent, int cancelled);
}
