using System.Text.Json.Serialization;

namespace BkOutreach.Core.Schools;

// The JSON documents of the admin routes (CONTRACTS.md), stored as they were accepted. Times of day are
// "HH:mm" in the school's local time; dates are ISO "yyyy-MM-dd" and both ends of a range belong to it.

public sealed record SchoolSettings
{
    public string Name { get; init; } = "";

    /// <summary>IANA zone: Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT), or any other.</summary>
    public string TimeZone { get; init; } = "Asia/Jakarta";

    public double Latitude { get; init; }

    public double Longitude { get; init; }

    /// <summary>Default language of messages and pages: <c>id</c> or <c>en</c>.</summary>
    public string Language { get; init; } = "id";

    /// <summary>Hours in which SMS may be sent; the rest of the day is quiet hours.</summary>
    public TimeWindow SendingWindow { get; init; } = new("08:00", "20:00");

    public IReadOnlyList<Term> Terms { get; init; } = [];

    public IReadOnlyList<Blackout> Blackouts { get; init; } = [];

    /// <summary>Margins kept free around prayer times; omitted means the defaults of <see cref="PrayerBlackoutSettings"/>.</summary>
    public PrayerBlackoutSettings? PrayerBlackouts { get; init; }
}

public sealed record TimeWindow(string From, string To);

public sealed record Term(string Name, string FirstDay, string LastDay);

/// <summary>Days without meetings: holidays, cuti bersama, school events. <c>To</c> omitted means a single day.</summary>
public sealed record Blackout(string From, string? To, string? Reason);

public sealed record CounselorSettings
{
    public string Name { get; init; } = "";

    /// <summary>Email or UPN; the Microsoft 365 mailbox when Graph sync is on.</summary>
    public string? Email { get; init; }

    /// <summary>Weekly availability; empty means the default policy (weekend mornings, weekday evenings).</summary>
    public IReadOnlyList<AvailabilityWindow> Windows { get; init; } = [];

    public int SlotMinutes { get; init; } = 30;

    public int BufferMinutes { get; init; } = 10;

    public int Seats { get; init; } = 1;

    public int MinimumNoticeHours { get; init; } = 24;

    public int HorizonDays { get; init; } = 28;
}

public sealed record AvailabilityWindow(IReadOnlyList<string> Days, string From, string To, string Mode = "either");

/// <summary>A guardian: one per phone number per school, however many of their children are enrolled.</summary>
public sealed record Guardian(string Id, string SchoolId, string Phone, string Name, string Language, IReadOnlyList<Student> Students)
{
    /// <summary>
    /// The channel the guardian chose (roster column <c>channel</c>, or a reply <c>SMS</c> / <c>WA</c>); null
    /// means the default: WhatsApp when the school has a WhatsApp channel, SMS otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MessageChannel? Channel { get; init; }

    /// <summary>What the roster's <c>channel</c> column said at the import that last changed it (null: empty).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MessageChannel? RosterChannel { get; init; }

    /// <summary>When the parent chose <see cref="Channel"/> themselves (reply or booking page); null when it came from the roster.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? ChannelChosenAt { get; init; }
}

/// <summary>How a message reaches a parent (stored as <c>"Sms"</c> / <c>"WhatsApp"</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MessageChannel>))]
public enum MessageChannel
{
    Sms,
    WhatsApp,
}

public sealed record Student(string Id, string Name, string Class, string CounselorId);
