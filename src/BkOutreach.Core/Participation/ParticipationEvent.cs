using System.Text.RegularExpressions;
using NodaTime;

namespace BkOutreach.Core.Participation;

/// <summary>
/// One fact of a guardian's participation, as a caller records it. Facts are written once: the caller names
/// the fact with <see cref="FactKey"/> (see <see cref="FactKeys"/>), and recording the same fact again changes
/// nothing, so a retried send, a duplicated delivery report or a double-clicked button is counted once.
/// </summary>
/// <remarks>
/// <see cref="GuardianId"/> is our internal id; exports replace it with a per-school pseudonym. Nothing else
/// here may identify a person: <see cref="Value"/> is a short code (a feedback score, survey codes, the kind of
/// slot chosen), never free text such as an SMS reply.
/// </remarks>
public sealed partial record ParticipationEvent
{
    /// <summary>Names the fact within the school; the row key is derived from it.</summary>
    public required string FactKey { get; init; }

    public required ParticipationKind Kind { get; init; }

    public required string SchoolId { get; init; }

    public required string GuardianId { get; init; }

    public required ParticipationChannel Channel { get; init; }

    /// <summary>When it happened (any offset; stored as UTC and as the school's local time).</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>The school term's name, e.g. "2026/2027 Genap"; empty when not known.</summary>
    public string Term { get; init; } = "";

    public string? CampaignId { get; init; }

    /// <summary>The campaign wave (0 = first), for SMS facts.</summary>
    public int? Wave { get; init; }

    /// <summary>The class(es) of the guardian's children this fact is about.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];

    public string? CounselorId { get; init; }

    /// <summary>
    /// <c>feedback</c>: the score 1–5. <c>survey_answer</c>: <see cref="SurveyAnswer"/> codes such as
    /// <c>barrier=1</c>. <c>booked</c>/<c>rescheduled</c>: the slot chosen, <see cref="SlotChoice"/> (e.g.
    /// <c>saturday:in_person</c>). Otherwise usually empty.
    /// </summary>
    public string? Value { get; init; }

    /// <summary>Every problem that keeps this event out of the log (empty when it may be recorded).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(FactKey) || FactKey.Length > 512)
        {
            problems.Add("factKey: required, at most 512 characters.");
        }

        if (string.IsNullOrWhiteSpace(SchoolId))
        {
            problems.Add("schoolId: required.");
        }

        if (string.IsNullOrWhiteSpace(GuardianId))
        {
            problems.Add("guardianId: required.");
        }

        if (Value is not null && !ValuePattern().IsMatch(Value))
        {
            problems.Add("value: a short code (a-z, 0-9, _ = : , . -), never free text.");
        }

        if (Kind == ParticipationKind.Feedback && Value is not ("1" or "2" or "3" or "4" or "5"))
        {
            problems.Add("value: feedback is a score from 1 to 5.");
        }

        return problems;
    }

    [GeneratedRegex("^[a-z0-9_=:,.-]{1,48}$")]
    private static partial Regex ValuePattern();
}

/// <summary>A recorded fact with the times the log stored for it.</summary>
/// <param name="Event">The fact as recorded (its <see cref="ParticipationEvent.OccurredAt"/> in UTC).</param>
/// <param name="LocalTime">When it happened on the school's clock.</param>
/// <param name="TimeZone">The school's IANA zone when it was recorded.</param>
public sealed record ParticipationEntry(ParticipationEvent Event, LocalDateTime LocalTime, string TimeZone);

/// <summary>
/// The fact keys every feature uses, so that the same fact gets the same key wherever it is recorded.
/// Keys are unique within a school.
/// </summary>
public static class FactKeys
{
    public static string SmsSent(string campaignId, int wave, string guardianId) => $"sms_sent:{campaignId}:{wave}:{guardianId}";

    public static string SmsDelivered(string campaignId, int wave, string guardianId) => $"sms_delivered:{campaignId}:{wave}:{guardianId}";

    public static string SmsFailed(string campaignId, int wave, string guardianId) => $"sms_failed:{campaignId}:{wave}:{guardianId}";

    /// <summary>The first time the guardian opened the campaign's link (later opens are the same fact).</summary>
    public static string LinkOpened(string campaignId, string guardianId) => $"link_opened:{campaignId}:{guardianId}";

    public static string Booked(string bookingId) => $"booked:{bookingId}";

    /// <summary>A reschedule is one fact per booking sequence number (each move is counted once).</summary>
    public static string Rescheduled(string bookingId, int sequence) => $"rescheduled:{bookingId}:{sequence}";

    public static string Cancelled(string bookingId) => $"cancelled:{bookingId}";

    /// <summary><paramref name="which"/>: the reminder's name, e.g. <c>24h</c> or <c>2h</c>.</summary>
    public static string Reminded(string bookingId, string which) => $"reminded:{bookingId}:{which}";

    /// <summary>Attendance may be corrected: each status is its own fact and the latest one counts.</summary>
    public static string Attended(string bookingId) => $"attended:{bookingId}";

    public static string NoShow(string bookingId) => $"no_show:{bookingId}";

    /// <summary>A correction is one fact per booking version: attended → no-show → attended is three facts.</summary>
    public static string AttendanceCorrected(string bookingId, int version) => $"attendance_corrected:{bookingId}:{version}";

    public static string Feedback(string bookingId) => $"feedback:{bookingId}";

    /// <summary>Opt-out or opt-in by an inbound SMS (its provider message id) or by an admin action id.</summary>
    public static string OptedOut(string sourceId) => $"opted_out:{sourceId}";

    public static string OptedIn(string sourceId) => $"opted_in:{sourceId}";

    /// <summary>One answer per inbound message and question: a guardian who answers again is counted by their latest answer.</summary>
    public static string SurveyAnswer(string inboundMessageId, string question) => $"survey_answer:{inboundMessageId}:{question}";

    public static string WhatsAppSent(string campaignId, int wave, string guardianId) => $"wa_sent:{campaignId}:{wave}:{guardianId}";

    public static string WhatsAppDelivered(string campaignId, int wave, string guardianId) => $"wa_delivered:{campaignId}:{wave}:{guardianId}";

    public static string WhatsAppRead(string campaignId, int wave, string guardianId) => $"wa_read:{campaignId}:{wave}:{guardianId}";

    public static string WhatsAppFailed(string campaignId, int wave, string guardianId) => $"wa_failed:{campaignId}:{wave}:{guardianId}";

    /// <summary>One fact per inbound message (its provider message id), whichever channel it came by.</summary>
    public static string MessageReceived(string inboundMessageId) => $"message_received:{inboundMessageId}";

    /// <summary>One fact per counsellor answer (the answer's own id).</summary>
    public static string MessageSent(string answerId) => $"message_sent:{answerId}";
}
