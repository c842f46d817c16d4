using System.Globalization;
using BkOutreach.Core.Access;
using BkOutreach.Core.Booking.Pages;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Staff;

/// <summary>A thread in the inbox list.</summary>
public sealed record InboxRow(string Href, string Family, string Students, string When, int Unread);

/// <summary>A message of a thread as the page shows it.</summary>
public sealed record ThreadRow(bool FromParent, string Who, string Text, string When, string State, bool Warn);

/// <summary>A staff page as the function answers it: HTML with a status, or a 303 to <see cref="RedirectTo"/>.</summary>
public sealed record StaffPageOutcome(string? Html, int Status, string? RedirectTo = null, string? Done = null);

/// <summary>
/// The pages of <see cref="ParentMessages"/>: the counsellor's inbox (threads newest first, unread marked)
/// and one family's thread with the answer form (preview with the GSM-7 text and its SMS count, then send).
/// Template <c>templates/pages/staff/messages.liquid</c>, words in <c>text/messages.*.json</c>.
/// </summary>
public sealed class ParentMessagesPages
{
    public const string Page = "messages";

    /// <summary>Threads listed in the inbox, newest first (a page stays under 60 KB on a phone).</summary>
    public const int MaxThreads = 100;

    /// <summary>Messages shown in a thread, the latest ones.</summary>
    public const int MaxMessages = 60;

    private readonly ParentMessages _messages;
    private readonly StaffFrames _frames;
    private readonly StaffPages _pages;
    private readonly SchoolDirectory _directory;

    public ParentMessagesPages(ParentMessages messages, StaffFrames frames, StaffPages pages, SchoolDirectory directory)
    {
        _messages = messages;
        _frames = frames;
        _pages = pages;
        _directory = directory;
        pages.Allow<InboxRow>();
        pages.Allow<ThreadRow>();
    }

    public async Task<StaffPageOutcome> InboxAsync(Caller caller, string schoolId, string counselorId, string lang, CancellationToken cancellationToken)
    {
        var frame = await _frames.BuildAsync(caller, schoolId, lang, StaffSection.Messages, cancellationToken);
        var zone = await ZoneAsync(schoolId, cancellationToken);
        var counselor = await _directory.GetCounselorAsync(schoolId, counselorId, cancellationToken);
        if (counselor is null || zone is null)
        {
            return Missing(frame);
        }

        var threads = await _messages.ListThreadsAsync(schoolId, counselorId, cancellationToken);
        var rows = threads.Take(MaxThreads).Select(t => new InboxRow(
            StaffPaths.Messages(schoolId, counselorId) + "/" + Uri.EscapeDataString(t.GuardianId),
            t.GuardianName,
            Students(t.Students),
            When(t.LastAt, zone, frame.Lang),
            t.Unread)).ToList();
        return Render(frame, 200, new Dictionary<string, object?>
        {
            ["view"] = "inbox",
            ["counselor"] = counselor.Name,
            ["threads"] = rows,
            ["unread"] = threads.Sum(t => t.Unread),
            ["more"] = Math.Max(0, threads.Count - MaxThreads),
        });
    }

    /// <summary>The thread, marked read (404 when it is not this counsellor's).</summary>
    public async Task<StaffPageOutcome> ThreadAsync(Caller caller, string schoolId, string counselorId, string guardianId, string lang, string? done, CancellationToken cancellationToken)
    {
        var frame = await _frames.BuildAsync(caller, schoolId, lang, StaffSection.Messages, cancellationToken);
        var thread = await _messages.OpenAsync(schoolId, counselorId, guardianId, cancellationToken);
        var zone = await ZoneAsync(schoolId, cancellationToken);
        if (thread is null || zone is null)
        {
            return Missing(frame);
        }

        var notice = done switch
        {
            "sent" => _pages.Text(Page, frame.Lang, "notice_sent"),
            "queued" => _pages.Text(Page, frame.Lang, "notice_queued"),
            "repeat" => _pages.Text(Page, frame.Lang, "notice_repeat"),
            _ => "",
        };
        return RenderThread(frame with { Notice = notice }, 200, schoolId, counselorId, thread, zone, "", ParentMessages.NewAnswerId(), preview: false);
    }

    /// <summary>
    /// The answer form posted: <paramref name="action"/> <c>preview</c> shows the text as it will go and its
    /// SMS count; <c>send</c> sends (or queues) it and answers 303, or the form again with its error.
    /// </summary>
    public async Task<StaffPageOutcome> AnswerAsync(
        Caller caller, string schoolId, string counselorId, string guardianId, string lang, string action, string text, string answerId, CancellationToken cancellationToken)
    {
        var frame = await _frames.BuildAsync(caller, schoolId, lang, StaffSection.Messages, cancellationToken);
        var thread = await _messages.OpenAsync(schoolId, counselorId, guardianId, cancellationToken);
        var zone = await ZoneAsync(schoolId, cancellationToken);
        if (thread is null || zone is null)
        {
            return Missing(frame);
        }

        var self = StaffPaths.Messages(schoolId, counselorId) + "/" + Uri.EscapeDataString(guardianId);
        var answer = ParentMessages.IsAnswerId(answerId) ? answerId : ParentMessages.NewAnswerId();
        if (action != "send")
        {
            var (folded, _, problems) = ParentMessages.Prepare(text);
            var errors = problems.Count == 0 ? [] : new[] { new FieldError("text", TextError(frame.Lang, problems)) };
            return RenderThread(frame.WithErrors(errors), errors.Length == 0 ? 200 : 400, schoolId, counselorId, thread, zone, folded.Length > 0 ? folded : text, answer, preview: errors.Length == 0);
        }

        var result = await _messages.AnswerAsync(schoolId, counselorId, guardianId, answer, text, cancellationToken);
        return result.Outcome switch
        {
            AnswerOutcome.Sent => new StaffPageOutcome(null, 303, self, "sent"),
            AnswerOutcome.Queued => new StaffPageOutcome(null, 303, self, "queued"),
            AnswerOutcome.AlreadyDone => new StaffPageOutcome(null, 303, self, "repeat"),
            AnswerOutcome.NoThread => Missing(frame),
            AnswerOutcome.OptedOut => RenderThread(frame.WithErrors([new FieldError("text", _pages.Text(Page, frame.Lang, "error_opted_out"))]), 409, schoolId, counselorId, thread, zone, text, answer, preview: false),
            AnswerOutcome.Failed => RenderThread(frame.WithErrors([new FieldError("text", _pages.Text(Page, frame.Lang, "error_failed"))]), 422, schoolId, counselorId, thread, zone, text, ParentMessages.NewAnswerId(), preview: false),
            _ => RenderThread(frame.WithErrors([new FieldError("text", TextError(frame.Lang, result.Problems))]), 400, schoolId, counselorId, thread, zone, text, answer, preview: false),
        };
    }

    private StaffPageOutcome RenderThread(StaffFrame frame, int status, string schoolId, string counselorId, ParentThread thread, DateTimeZone zone, string text, string answerId, bool preview)
    {
        var lang = frame.Lang;
        var (folded, segments, _) = ParentMessages.Prepare(text);
        var rows = thread.Messages.Skip(Math.Max(0, thread.Messages.Count - MaxMessages)).Select(m => new ThreadRow(
            m.Direction == ParentMessageDirection.FromParent,
            m.Direction == ParentMessageDirection.FromParent ? thread.Summary.GuardianName : _pages.Text(Page, lang, "you"),
            m.Text,
            When(m.At, zone, lang),
            StateText(m, zone, lang),
            m.State is ParentMessageState.Refused or ParentMessageState.Failed)).ToList();
        var self = StaffPaths.Messages(schoolId, counselorId) + "/" + Uri.EscapeDataString(thread.Summary.GuardianId);
        return Render(frame, status, new Dictionary<string, object?>
        {
            ["view"] = "thread",
            ["family"] = thread.Summary.GuardianName,
            ["students"] = Students(thread.Summary.Students),
            ["messages"] = rows,
            ["more"] = Math.Max(0, thread.Messages.Count - MaxMessages),
            ["inbox_href"] = StaffPaths.Messages(schoolId, counselorId),
            ["action_href"] = self,
            ["text"] = text,
            ["answer_id"] = answerId,
            ["preview"] = preview,
            ["folded"] = folded,
            ["segments"] = segments,
            ["characters"] = folded.Length,
            ["max_segments"] = ParentMessages.MaxSegments,
        });
    }

    private StaffPageOutcome Missing(StaffFrame frame) =>
        Render(frame, 404, new Dictionary<string, object?> { ["view"] = "missing" });

    private StaffPageOutcome Render(StaffFrame frame, int status, Dictionary<string, object?> values)
    {
        foreach (var key in new[] { "counselor", "family", "students", "inbox_href", "action_href", "text", "answer_id", "folded" })
        {
            values.TryAdd(key, "");
        }

        values["text_error"] = frame.ErrorFor("text");
        values.TryAdd("threads", Array.Empty<InboxRow>());
        values.TryAdd("messages", Array.Empty<ThreadRow>());
        values.TryAdd("unread", 0);
        values.TryAdd("more", 0);
        values.TryAdd("preview", false);
        values.TryAdd("segments", 0);
        values.TryAdd("characters", 0);
        values.TryAdd("max_segments", ParentMessages.MaxSegments);
        return new StaffPageOutcome(_pages.Render(Page, frame, values), status);
    }

    private string TextError(string lang, IReadOnlyList<string> problems) =>
        problems.Any(p => p.StartsWith("answer_id", StringComparison.Ordinal))
            ? _pages.Text(Page, lang, "error_answer_id")
            : problems.Any(p => p.Contains("at most", StringComparison.Ordinal))
                ? string.Format(CultureInfo.InvariantCulture, _pages.Text(Page, lang, "error_too_long"), ParentMessages.MaxSegments)
                : _pages.Text(Page, lang, "error_required");

    private string StateText(ParentMessage message, DateTimeZone zone, string lang) => message.State switch
    {
        ParentMessageState.Sent => _pages.Text(Page, lang, "state_sent"),
        ParentMessageState.Queued or ParentMessageState.Sending => message.DueAt is { } due
            ? _pages.Text(Page, lang, "state_queued") + " " + When(due, zone, lang)
            : _pages.Text(Page, lang, "state_queued"),
        ParentMessageState.Refused => _pages.Text(Page, lang, "state_refused"),
        ParentMessageState.Failed => _pages.Text(Page, lang, "state_failed"),
        _ => message.Channel == MessageChannel.WhatsApp ? "WhatsApp" : "SMS",
    };

    private async Task<DateTimeZone?> ZoneAsync(string schoolId, CancellationToken cancellationToken) =>
        await _directory.GetSchoolAsync(schoolId, cancellationToken) is { } school ? SendingWindow.ZoneOf(school) : null;

    private static string Students(IReadOnlyList<ThreadStudent> students) =>
        string.Join(", ", students.Select(s => $"{s.Name} ({s.Class})"));

    /// <summary>"Senin, 11 Januari 2027 19:05 WIB": the school's clock, in the page's language.</summary>
    public static string When(DateTimeOffset at, DateTimeZone zone, string lang)
    {
        var local = Instant.FromDateTimeOffset(at).InZone(zone);
        return $"{PageText.Date(local.Date, lang == "en" ? "en" : "id")} {local.TimeOfDay.ToString("HH:mm", CultureInfo.InvariantCulture)} {PageText.Zone(local)}";
    }
}
