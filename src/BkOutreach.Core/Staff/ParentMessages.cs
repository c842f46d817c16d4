using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Staff;

/// <summary>
/// Parents' messages, two-way. A reply that is no keyword is filed in a thread per family (guardian) in the
/// inbox of each counsellor of the guardian's children, in every school where the number is a guardian's;
/// the counsellor answers from the thread, and the answer goes to the parent once (by
/// <see cref="IParentReplySender"/>, keyed by the answer id) under the campaigns' rules: never to a number
/// that opted out, never in quiet hours.
/// <para>
/// Storage (table <c>parentmessages</c>): a counsellor's inbox is one partition <c>{school}|{counsellor}</c>
/// holding a thread row <c>t|{guardian}</c> (names, children, last activity, unread count) and the message
/// rows <c>m|{guardian}|{hash of the message id}</c>, so a thread is one range read and filing a message
/// with its thread update is one entity-group transaction (the message row is added, so a redelivered
/// event files nothing twice; the thread row is updated under its ETag).
/// </para>
/// <para>
/// Answers are durable through a due row (partition <c>due</c>, row key the due time in ticks and the
/// answer id) written before the answer itself: in quiet hours it waits there for the school's window to
/// open, and the timer <c>SendQueuedParentAnswers</c> sends what is due — a timer, not a queue message
/// with a visibility delay, so a crash between storing and sending, or a provider that was unavailable, is
/// also picked up by the same path. Inside the window the request sends at once and removes the due row.
/// </para>
/// </summary>
public sealed partial class ParentMessages(
    SchoolDirectory directory,
    OptOutStore optOuts,
    ParticipationFacts facts,
    IParentReplySender sender,
    StorageAccount storage,
    TimeProvider time,
    ILogger<ParentMessages> logger)
{
    /// <summary>Longest answer, in SMS segments of its GSM-7-folded text (four GSM-7 segments are 612 characters).</summary>
    public const int MaxSegments = 4;

    internal const string ThreadPrefix = "t|";
    internal const string MessagePrefix = "m|";
    internal const string DuePartition = "due";
    private const string ReplyPartition = "reply";
    private const int MaxAttempts = 8;
    private const int DuePerRun = 200;
    private static readonly TimeSpan OrphanAge = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan TransientRetry = TimeSpan.FromMinutes(5);
    private static readonly JsonSerializerOptions Json = StorageJson.Options;

    private TableClient Table => storage.Table(StorageNames.ParentMessagesTable);

    /// <summary>
    /// Files an inbound message for the counsellor(s) of the sender's children, in every school where the
    /// number is a guardian's, and records <c>message_received</c> there (without the text). A number that is
    /// nobody's guardian is kept as before (the replies table) for the operators. Idempotent by message id.
    /// </summary>
    /// <returns>How many inboxes the message is in (0: the sender is no guardian).</returns>
    public async Task<int> ReceiveAsync(string from, string messageId, string text, DateTimeOffset receivedAt, MessageChannel channel, CancellationToken cancellationToken)
    {
        var filed = 0;
        foreach (var schoolId in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            var guardian = await directory.FindGuardianByPhoneAsync(schoolId, from, cancellationToken);
            if (guardian is null)
            {
                continue;
            }

            foreach (var children in guardian.Students.GroupBy(s => s.CounselorId, StringComparer.Ordinal))
            {
                await FileAsync(Partition(schoolId, children.Key), guardian, [.. children.Select(s => new ThreadStudent(s.Name, s.Class))], messageId, text, receivedAt, channel, cancellationToken);
                filed++;
            }

            await facts.MessageReceivedAsync(guardian, messageId, Channel(channel), cancellationToken);
        }

        if (filed == 0)
        {
            await storage.Table(StorageNames.RepliesTable).UpsertEntityAsync(
                new TableEntity(ReplyPartition, OutboxSmsSender.RowKeyFor(messageId)) { ["From"] = from, ["Message"] = text, ["ReceivedAt"] = receivedAt },
                TableUpdateMode.Replace,
                cancellationToken);
        }

        LogFiled(logger, messageId, filed);
        return filed;
    }

    /// <summary>The counsellor's threads, newest activity first (one range read of the inbox partition).</summary>
    public async Task<IReadOnlyList<ParentThreadSummary>> ListThreadsAsync(string schoolId, string counselorId, CancellationToken cancellationToken)
    {
        var partition = Partition(schoolId, counselorId);
        var list = new List<ParentThreadSummary>();
        await foreach (var row in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo("t|") >= 0 && e.RowKey.CompareTo("t}") < 0, cancellationToken: cancellationToken))
        {
            list.Add(Summary(row));
        }

        return [.. list.OrderByDescending(t => t.LastAt).ThenBy(t => t.GuardianId, StringComparer.Ordinal)];
    }

    /// <summary>The parents' messages the counsellor has not read, over all their threads.</summary>
    public async Task<int> UnreadAsync(string schoolId, string counselorId, CancellationToken cancellationToken)
    {
        var partition = Partition(schoolId, counselorId);
        var unread = 0;
        await foreach (var row in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo("t|") >= 0 && e.RowKey.CompareTo("t}") < 0, select: ["Unread"], cancellationToken: cancellationToken))
        {
            unread += row.GetInt32("Unread") ?? 0;
        }

        return unread;
    }

    /// <summary>
    /// The family's thread, oldest message first, marked read: the unread count is cleared under the ETag the
    /// thread was read with, so a message that arrived meanwhile is read again and shown, not silently marked.
    /// Null when the counsellor has no such thread (another counsellor's family, another school's, erased).
    /// </summary>
    public async Task<ParentThread?> OpenAsync(string schoolId, string counselorId, string guardianId, CancellationToken cancellationToken)
    {
        var partition = Partition(schoolId, counselorId);
        for (var attempt = 1; ; attempt++)
        {
            var (thread, messages) = await ReadThreadAsync(Table, partition, guardianId, cancellationToken);
            if (thread is null)
            {
                return null;
            }

            var read = new ParentThread(Summary(thread), [.. messages.Select(Message).OrderBy(m => m.At).ThenBy(m => m.Id, StringComparer.Ordinal)]);
            if ((thread.GetInt32("Unread") ?? 0) == 0 || attempt == MaxAttempts)
            {
                return read;
            }

            try
            {
                await Table.UpdateEntityAsync(new TableEntity(partition, thread.RowKey) { ["Unread"] = 0, ["ReadAt"] = time.GetUtcNow() }, thread.ETag, TableUpdateMode.Merge, cancellationToken);
                return read with { Summary = read.Summary with { Unread = 0 } };
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // A new message (or an erasure) came in between: read the thread again.
            }
        }
    }

    /// <summary>
    /// The text as it will be sent (GSM-7 folded, trimmed) and its SMS segment count, for the preview before
    /// sending; the problems (in field terms) when it cannot be sent.
    /// </summary>
    public static (string Folded, int Segments, IReadOnlyList<string> Problems) Prepare(string? text)
    {
        var folded = Gsm7Folding.Fold((text ?? "").Trim());
        var segments = folded.Length == 0 ? 0 : SmsSegments.Count(folded);
        IReadOnlyList<string> problems = folded.Length == 0
            ? ["text: required"]
            : segments > MaxSegments ? [$"text: at most {MaxSegments} SMS ({segments})"] : [];
        return (folded, segments, problems);
    }

    /// <summary>A fresh answer id: the form carries it, so a second click or a repost of the same answer sends nothing again.</summary>
    public static string NewAnswerId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public static bool IsAnswerId(string? value) => value is not null && AnswerIdPattern().IsMatch(value);

    public static bool IsGuardianId(string? value) => value is not null && GuardianIdPattern().IsMatch(value);

    /// <summary>
    /// The counsellor's answer to the family of <paramref name="guardianId"/>: refused when the parent opted
    /// out; inside the school's sending window sent at once, outside it stored and sent by the timer when the
    /// window opens; exactly one message per <paramref name="answerId"/>.
    /// </summary>
    public async Task<AnswerResult> AnswerAsync(string schoolId, string counselorId, string guardianId, string answerId, string? text, CancellationToken cancellationToken)
    {
        var (folded, _, problems) = Prepare(text);
        if (!IsAnswerId(answerId))
        {
            problems = [.. problems, "answer_id: reload the page and write the answer again"];
        }

        if (problems.Count > 0)
        {
            return new AnswerResult(AnswerOutcome.Invalid, problems);
        }

        var partition = Partition(schoolId, counselorId);
        var messageKey = MessageKey(guardianId, answerId);
        if ((await Table.GetEntityIfExistsAsync<TableEntity>(partition, messageKey, cancellationToken: cancellationToken)).HasValue)
        {
            return new AnswerResult(AnswerOutcome.AlreadyDone, []);
        }

        var guardian = IsGuardianId(guardianId) ? await directory.GetGuardianAsync(schoolId, guardianId, cancellationToken) : null;
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (guardian is null || school is null || !(await Table.GetEntityIfExistsAsync<TableEntity>(partition, ThreadPrefix + guardianId, cancellationToken: cancellationToken)).HasValue)
        {
            return new AnswerResult(AnswerOutcome.NoThread, []);
        }

        if (await optOuts.IsOptedOutAsync(guardian.Phone, cancellationToken))
        {
            LogRefused(logger, schoolId, answerId);
            return new AnswerResult(AnswerOutcome.OptedOut, []);
        }

        var now = time.GetUtcNow();
        var nowInstant = Instant.FromDateTimeOffset(now);
        var open = SendingWindow.IsOpen(school, nowInstant);
        var due = open ? now : SendingWindow.NextOpening(school, nowInstant).ToDateTimeOffset();
        var dueKey = DueKey(due, answerId);

        // The due row first: once the answer is stored it is never left without a way to be sent.
        await Table.UpsertEntityAsync(
            new TableEntity(DuePartition, dueKey) { ["SchoolId"] = schoolId, ["CounselorId"] = counselorId, ["GuardianId"] = guardianId, ["AnswerId"] = answerId },
            TableUpdateMode.Replace,
            cancellationToken);
        var row = new TableEntity(partition, messageKey)
        {
            ["Id"] = answerId,
            ["Direction"] = nameof(ParentMessageDirection.FromCounselor),
            ["Text"] = folded,
            ["At"] = now,
            ["Channel"] = nameof(MessageChannel.Sms),
            ["State"] = (open ? ParentMessageState.Sending : ParentMessageState.Queued).ToString(),
            ["DueAt"] = due,
            ["DueKey"] = dueKey,
            ["FirstAttemptAt"] = now,
        };
        if (!await AddWithThreadAsync(partition, guardianId, row, null, cancellationToken))
        {
            await DeleteQuietlyAsync(DuePartition, dueKey, cancellationToken);
            return new AnswerResult(AnswerOutcome.AlreadyDone, []);
        }

        if (!open)
        {
            LogQueued(logger, schoolId, answerId, due);
            return new AnswerResult(AnswerOutcome.Queued, [], due);
        }

        var stored = (await Table.GetEntityAsync<TableEntity>(partition, messageKey, cancellationToken: cancellationToken)).Value;
        return await DeliverAsync(stored, guardian, counselorId, dueKey, cancellationToken) switch
        {
            ParentMessageState.Sent => new AnswerResult(AnswerOutcome.Sent, []),
            ParentMessageState.Failed => new AnswerResult(AnswerOutcome.Failed, []),
            _ => new AnswerResult(AnswerOutcome.Queued, [], now + TransientRetry),
        };
    }

    /// <summary>
    /// The timer's work: every answer whose due time has come (the window opened, or a send to retry) is
    /// sent, unless the parent opted out meanwhile (then it is marked refused) or the window is closed again.
    /// </summary>
    /// <returns>Answers sent.</returns>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var upTo = DueKey(now, "~");
        var dueRows = new List<TableEntity>();
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == DuePartition && e.RowKey.CompareTo(upTo) < 0, maxPerPage: DuePerRun, cancellationToken: cancellationToken))
        {
            dueRows.Add(row);
            if (dueRows.Count == DuePerRun)
            {
                break;
            }
        }

        var sent = 0;
        foreach (var due in dueRows)
        {
            try
            {
                sent += await SendDueAsync(due, now, cancellationToken) ? 1 : 0;
            }
            catch (RequestFailedException ex)
            {
                // One answer's trouble (storage, provider) must not hold back the others; its due row stays.
                LogDueFailed(logger, due.GetString("AnswerId") ?? "", ex.Status);
            }
        }

        return sent;
    }

    private async Task<bool> SendDueAsync(TableEntity due, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var schoolId = due.GetString("SchoolId") ?? "";
        var counselorId = due.GetString("CounselorId") ?? "";
        var guardianId = due.GetString("GuardianId") ?? "";
        var answerId = due.GetString("AnswerId") ?? "";
        var partition = Partition(schoolId, counselorId);
        var answer = await Table.GetEntityIfExistsAsync<TableEntity>(partition, MessageKey(guardianId, answerId), cancellationToken: cancellationToken);
        if (!answer.HasValue || answer.Value is not { } row)
        {
            // The request that wrote the due row may still be storing the answer; an old orphan is dropped.
            if (due.Timestamp is { } written && now - written > OrphanAge)
            {
                await DeleteQuietlyAsync(DuePartition, due.RowKey, cancellationToken);
            }

            return false;
        }

        if (State(row) is not (ParentMessageState.Queued or ParentMessageState.Sending))
        {
            await DeleteQuietlyAsync(DuePartition, due.RowKey, cancellationToken);
            return false;
        }

        var guardian = await directory.GetGuardianAsync(schoolId, guardianId, cancellationToken);
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (guardian is null || school is null)
        {
            await DeleteQuietlyAsync(DuePartition, due.RowKey, cancellationToken);
            return false;
        }

        if (!SendingWindow.IsOpen(school, Instant.FromDateTimeOffset(now)))
        {
            return false;
        }

        if (await optOuts.IsOptedOutAsync(guardian.Phone, cancellationToken))
        {
            await SetStateAsync(row, ParentMessageState.Refused, null, null, cancellationToken);
            await DeleteQuietlyAsync(DuePartition, due.RowKey, cancellationToken);
            LogRefused(logger, schoolId, answerId);
            return false;
        }

        return await DeliverAsync(row, guardian, counselorId, due.RowKey, cancellationToken) == ParentMessageState.Sent;
    }

    /// <summary>Sends a stored answer and records what became of it; a transient failure leaves it (and its due row) for the timer.</summary>
    private async Task<ParentMessageState> DeliverAsync(TableEntity row, Guardian guardian, string counselorId, string dueKey, CancellationToken cancellationToken)
    {
        var answerId = row.GetString("Id")!;
        var reply = new ParentReply(guardian.SchoolId, counselorId, guardian, answerId, row.GetString("Text") ?? "", row.GetDateTimeOffset("FirstAttemptAt") ?? time.GetUtcNow());
        ParentReplyResult result;
        try
        {
            result = await sender.SendAsync(reply, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The provider did not answer: the answer and its due row stay, and the timer sends it (same key, so once).
            result = new ParentReplyResult(SmsSendStatus.Transient, MessageChannel.Sms, null, ex.GetType().Name);
        }

        switch (result.Status)
        {
            case SmsSendStatus.Accepted:
                await SetStateAsync(row, ParentMessageState.Sent, result.Channel, result.ProviderMessageId, cancellationToken);
                await facts.MessageSentAsync(guardian, counselorId, answerId, Channel(result.Channel), cancellationToken);
                await DeleteQuietlyAsync(DuePartition, dueKey, cancellationToken);
                LogSent(logger, guardian.SchoolId, answerId, result.Channel);
                return ParentMessageState.Sent;
            case SmsSendStatus.Rejected:
                await SetStateAsync(row, ParentMessageState.Failed, result.Channel, null, cancellationToken);
                await DeleteQuietlyAsync(DuePartition, dueKey, cancellationToken);
                LogRejected(logger, guardian.SchoolId, answerId, result.Error ?? "");
                return ParentMessageState.Failed;
            default:
                LogTransient(logger, guardian.SchoolId, answerId, result.Error ?? "");
                return ParentMessageState.Queued;
        }
    }

    /// <summary>Moves an answer to its next state under its ETag; a concurrent sender that got there first wins (the states it writes are final too).</summary>
    private async Task SetStateAsync(TableEntity row, ParentMessageState state, MessageChannel? channel, string? providerMessageId, CancellationToken cancellationToken)
    {
        var current = row;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (State(current) is ParentMessageState.Sent or ParentMessageState.Failed or ParentMessageState.Refused)
            {
                return;
            }

            var update = new TableEntity(current.PartitionKey, current.RowKey) { ["State"] = state.ToString(), ["UpdatedAt"] = time.GetUtcNow() };
            if (channel is { } c)
            {
                update["Channel"] = c.ToString();
            }

            if (providerMessageId is not null)
            {
                update["ProviderMessageId"] = providerMessageId;
            }

            try
            {
                await Table.UpdateEntityAsync(update, current.ETag, TableUpdateMode.Merge, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                current = (await Table.GetEntityAsync<TableEntity>(current.PartitionKey, current.RowKey, cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return;
            }
        }
    }

    private async Task FileAsync(string partition, Guardian guardian, IReadOnlyList<ThreadStudent> students, string messageId, string text, DateTimeOffset at, MessageChannel channel, CancellationToken cancellationToken)
    {
        var row = new TableEntity(partition, MessageKey(guardian.Id, messageId))
        {
            ["Id"] = messageId,
            ["Direction"] = nameof(ParentMessageDirection.FromParent),
            ["Text"] = text,
            ["At"] = at,
            ["Channel"] = channel.ToString(),
            ["State"] = nameof(ParentMessageState.Received),
        };
        await AddWithThreadAsync(partition, guardian.Id, row, (guardian.Name, JsonSerializer.Serialize(students, Json)), cancellationToken);
    }

    /// <summary>
    /// Adds a message row and moves its thread (last activity; unread count for a parent's message) in one
    /// transaction; a parent's message (<paramref name="family"/> given) also refreshes the names and children
    /// the inbox shows. False when the message row was there already (a repeat: nothing changed).
    /// </summary>
    private async Task<bool> AddWithThreadAsync(string partition, string guardianId, TableEntity message, (string GuardianName, string StudentsJson)? family, CancellationToken cancellationToken)
    {
        var inbound = family is not null;
        var at = message.GetDateTimeOffset("At")!.Value;
        for (var attempt = 1; ; attempt++)
        {
            var thread = await Table.GetEntityIfExistsAsync<TableEntity>(partition, ThreadPrefix + guardianId, cancellationToken: cancellationToken);
            var update = new TableEntity(partition, ThreadPrefix + guardianId) { ["GuardianId"] = guardianId };
            if (family is { } f)
            {
                update["GuardianName"] = f.GuardianName;
                update["Students"] = f.StudentsJson;
            }

            var last = thread.HasValue ? thread.Value!.GetDateTimeOffset("LastAt") : null;
            update["LastAt"] = last is { } l && l > at ? l : at;
            update["Unread"] = (thread.HasValue ? thread.Value!.GetInt32("Unread") ?? 0 : 0) + (inbound ? 1 : 0);
            TableTransactionAction threadAction = thread.HasValue
                ? new(TableTransactionActionType.UpdateMerge, update, thread.Value!.ETag)
                : new(TableTransactionActionType.Add, update);
            try
            {
                await Table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.Add, message), threadAction], cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
            {
                if ((await Table.GetEntityIfExistsAsync<TableEntity>(partition, message.RowKey, cancellationToken: cancellationToken)).HasValue)
                {
                    return false;
                }

                if (attempt == MaxAttempts)
                {
                    throw;
                }

                // The thread changed (or was created) meanwhile: read it again and retry.
            }
        }
    }

    internal static async Task<(TableEntity? Thread, List<TableEntity> Messages)> ReadThreadAsync(TableClient table, string partition, string guardianId, CancellationToken cancellationToken)
    {
        if (!IsGuardianId(guardianId))
        {
            return (null, []);
        }

        var threadKey = ThreadPrefix + guardianId;
        var low = $"{MessagePrefix}{guardianId}|";
        var high = $"{MessagePrefix}{guardianId}}}";
        TableEntity? thread = null;
        var messages = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and (RowKey eq {threadKey} or (RowKey ge {low} and RowKey lt {high}))"), cancellationToken: cancellationToken))
        {
            if (row.RowKey == threadKey)
            {
                thread = row;
            }
            else
            {
                messages.Add(row);
            }
        }

        return (thread, messages);
    }

    private async Task<bool> DeleteQuietlyAsync(string partition, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(partition, rowKey, ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    private static ParentThreadSummary Summary(TableEntity row) => new(
        row.GetString("GuardianId") ?? row.RowKey[ThreadPrefix.Length..],
        row.GetString("GuardianName") ?? "",
        row.GetString("Students") is { } students ? JsonSerializer.Deserialize<List<ThreadStudent>>(students, Json) ?? [] : [],
        row.GetDateTimeOffset("LastAt") ?? DateTimeOffset.UnixEpoch,
        row.GetInt32("Unread") ?? 0);

    private static ParentMessage Message(TableEntity row) => new(
        row.GetString("Id") ?? row.RowKey,
        row.GetString("Direction") == nameof(ParentMessageDirection.FromCounselor) ? ParentMessageDirection.FromCounselor : ParentMessageDirection.FromParent,
        row.GetString("Text") ?? "",
        row.GetDateTimeOffset("At") ?? DateTimeOffset.UnixEpoch,
        Enum.TryParse<MessageChannel>(row.GetString("Channel"), out var channel) ? channel : MessageChannel.Sms,
        State(row),
        row.GetDateTimeOffset("DueAt"));

    private static ParentMessageState State(TableEntity row) =>
        Enum.TryParse<ParentMessageState>(row.GetString("State"), out var state) ? state : ParentMessageState.Received;

    private static ParticipationChannel Channel(MessageChannel channel) =>
        channel == MessageChannel.WhatsApp ? ParticipationChannel.WhatsApp : ParticipationChannel.Sms;

    internal static string Partition(string schoolId, string counselorId) => $"{schoolId}|{counselorId}";

    private static string MessageKey(string guardianId, string messageId) => $"{MessagePrefix}{guardianId}|{OutboxSmsSender.RowKeyFor(messageId)}";

    private static string DueKey(DateTimeOffset due, string answerId) =>
        due.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "|" + answerId;

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex AnswerIdPattern();

    [GeneratedRegex("^[0-9A-Za-z-]{1,64}$")]
    private static partial Regex GuardianIdPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Parent message {MessageId} filed in {Inboxes} inbox(es)")]
    private static partial void LogFiled(ILogger logger, string messageId, int inboxes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer {AnswerId} of school {SchoolId} queued until the sending window opens at {DueAt}")]
    private static partial void LogQueued(ILogger logger, string schoolId, string answerId, DateTimeOffset dueAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer {AnswerId} of school {SchoolId} sent by {Channel}")]
    private static partial void LogSent(ILogger logger, string schoolId, string answerId, MessageChannel channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answer {AnswerId} of school {SchoolId} not sent: the parent opted out")]
    private static partial void LogRefused(ILogger logger, string schoolId, string answerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer {AnswerId} of school {SchoolId} refused by the provider: {Error}")]
    private static partial void LogRejected(ILogger logger, string schoolId, string answerId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answer {AnswerId} of school {SchoolId} not sent yet ({Error}); the timer retries it")]
    private static partial void LogTransient(ILogger logger, string schoolId, string answerId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Due answer {AnswerId} not handled this run (storage status {Status}); it stays due")]
    private static partial void LogDueFailed(ILogger logger, string answerId, int status);
}
