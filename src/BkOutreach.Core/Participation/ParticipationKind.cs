using System.Diagnostics.CodeAnalysis;

namespace BkOutreach.Core.Participation;

/// <summary>What happened, one fact of a guardian's participation. On the wire (tables, exports) the snake_case names.</summary>
public enum ParticipationKind
{
    SmsSent,
    SmsDelivered,
    SmsFailed,
    LinkOpened,
    Booked,
    Rescheduled,
    Cancelled,
    Reminded,
    Attended,
    NoShow,

    /// <summary>A later attendance mark that changed an earlier one; its value is the new mark (<c>attended</c> or <c>no_show</c>).</summary>
    AttendanceCorrected,
    Feedback,
    OptedOut,
    OptedIn,
    SurveyAnswer,

    /// <summary>A WhatsApp message of a wave or a booking was accepted by ACS Advanced Messaging.</summary>
    WhatsAppSent,
    WhatsAppDelivered,
    WhatsAppRead,
    WhatsAppFailed,

    /// <summary>A parent's reply that is no keyword, kept for the counsellor (never its text).</summary>
    MessageReceived,

    /// <summary>A counsellor's answer to a parent (never its text).</summary>
    MessageSent,
}

/// <summary>Where the fact happened: an SMS, a WhatsApp message, the booking page, a calendar, or a BK teacher or admin acting.</summary>
public enum ParticipationChannel
{
    Sms,
    Web,
    Calendar,
    Admin,
    WhatsApp,
}

public static class ParticipationWire
{
    private static readonly Dictionary<ParticipationKind, string> KindNames = new()
    {
        [ParticipationKind.SmsSent] = "sms_sent",
        [ParticipationKind.SmsDelivered] = "sms_delivered",
        [ParticipationKind.SmsFailed] = "sms_failed",
        [ParticipationKind.LinkOpened] = "link_opened",
        [ParticipationKind.Booked] = "booked",
        [ParticipationKind.Rescheduled] = "rescheduled",
        [ParticipationKind.Cancelled] = "cancelled",
        [ParticipationKind.Reminded] = "reminded",
        [ParticipationKind.Attended] = "attended",
        [ParticipationKind.NoShow] = "no_show",
        [ParticipationKind.AttendanceCorrected] = "attendance_corrected",
        [ParticipationKind.Feedback] = "feedback",
        [ParticipationKind.OptedOut] = "opted_out",
        [ParticipationKind.OptedIn] = "opted_in",
        [ParticipationKind.SurveyAnswer] = "survey_answer",
        [ParticipationKind.WhatsAppSent] = "wa_sent",
        [ParticipationKind.WhatsAppDelivered] = "wa_delivered",
        [ParticipationKind.WhatsAppRead] = "wa_read",
        [ParticipationKind.WhatsAppFailed] = "wa_failed",
        [ParticipationKind.MessageReceived] = "message_received",
        [ParticipationKind.MessageSent] = "message_sent",
    };

    private static readonly Dictionary<string, ParticipationKind> KindsByName =
        KindNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<ParticipationKind> AllKinds => KindNames.Keys;

    public static string ToWire(this ParticipationKind kind) =>
        KindNames.TryGetValue(kind, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(kind), kind, null);

    public static string ToWire(this ParticipationChannel channel) => channel switch
    {
        ParticipationChannel.Sms => "sms",
        ParticipationChannel.Web => "web",
        ParticipationChannel.Calendar => "calendar",
        ParticipationChannel.Admin => "admin",
        ParticipationChannel.WhatsApp => "whatsapp",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };

    public static bool TryParseKind([NotNullWhen(true)] string? text, out ParticipationKind kind) =>
        KindsByName.TryGetValue(text ?? "", out kind);

    public static bool TryParseChannel([NotNullWhen(true)] string? text, out ParticipationChannel channel)
    {
        (var ok, channel) = text switch
        {
            "sms" => (true, ParticipationChannel.Sms),
            "web" => (true, ParticipationChannel.Web),
            "calendar" => (true, ParticipationChannel.Calendar),
            "admin" => (true, ParticipationChannel.Admin),
            "whatsapp" => (true, ParticipationChannel.WhatsApp),
            _ => (false, ParticipationChannel.Sms),
        };
        return ok;
    }
}
