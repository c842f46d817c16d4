using NodaTime;

namespace BkOutreach.Core.Participation;

/// <summary>Everything the dashboard page shows, computed; the renderer only formats it.</summary>
public sealed record DashboardModel
{
    public required string SchoolId { get; init; }

    public required string SchoolName { get; init; }

    public required string TimeZone { get; init; }

    /// <summary>When the numbers were computed, on the school's clock.</summary>
    public required LocalDateTime GeneratedAt { get; init; }

    public IReadOnlyList<CampaignFunnel> Campaigns { get; init; } = [];

    /// <summary>The funnel and the barrier survey of each term, oldest first, to compare term over term.</summary>
    public IReadOnlyList<TermFunnel> Terms { get; init; } = [];

    public IReadOnlyList<GroupRates> ByClass { get; init; } = [];

    public IReadOnlyList<GroupRates> ByCounselor { get; init; } = [];

    /// <summary>Slots chosen, by kind (weekday evening, Saturday, Sunday, weekday daytime).</summary>
    public IReadOnlyList<Count> SlotKinds { get; init; } = [];

    /// <summary>Slots chosen, by mode (in person, online).</summary>
    public IReadOnlyList<Count> Modes { get; init; } = [];

    /// <summary>Each campaign wave's messages per channel (SMS, WhatsApp), with the SMS fallbacks.</summary>
    public IReadOnlyList<ChannelFunnel> Channels { get; init; } = [];

    public IReadOnlyList<MeetingRow> Upcoming { get; init; } = [];

    /// <summary>Meetings of the last days that ended without an attendance mark.</summary>
    public IReadOnlyList<MeetingRow> AwaitingAttendance { get; init; } = [];

    public IReadOnlyList<SurveyTally> Survey { get; init; } = [];

    public PoisonQueueSummary Poison { get; init; } = new(0, []);
}

/// <summary>A campaign's funnel, in guardians: sent → delivered → opened → booked → attended.</summary>
public sealed record CampaignFunnel(
    string CampaignId,
    string Name,
    string Term,
    int Guardians,
    int Sent,
    int Delivered,
    int Failed,
    int Opened,
    int Booked,
    int Attended,
    int NoShow,
    int OptedOut);

/// <summary>
/// One campaign wave by one channel, in guardians: sent, delivered, read (WhatsApp only), failed; on the SMS row,
/// <see cref="Fallback"/> is how many guardians needed the SMS because WhatsApp did not reach them.
/// </summary>
public sealed record ChannelFunnel(string CampaignId, string Name, int Wave, string Channel, int Sent, int Delivered, int Read, int Failed, int Fallback);

/// <summary>
/// One term's funnel, in guardians counted once per term (a guardian reached by two campaigns of the term is
/// one guardian, with whatever either campaign got from them), and the term's barrier survey.
/// </summary>
public sealed record TermFunnel(string Term, int Sent, int Delivered, int Opened, int Booked, int Attended, SurveyTally Barrier);

/// <summary>Reach and response of one class or counsellor: guardians messaged, and how many opened, booked and came.</summary>
public sealed record GroupRates(string Key, int Sent, int Opened, int Booked, int Attended)
{
    public double OpenRate => Sent == 0 ? 0 : (double)Opened / Sent;

    public double BookingRate => Sent == 0 ? 0 : (double)Booked / Sent;

    /// <summary>Of those who booked, the share who came.</summary>
    public double AttendanceRate => Booked == 0 ? 0 : (double)Attended / Booked;
}

public sealed record Count(string Key, int Value, double Share);

/// <summary>A meeting as the BK teacher sees it on the dashboard (names shown only here, escaped).</summary>
public sealed record MeetingRow(
    string BookingId,
    LocalDateTime Start,
    string CounselorName,
    string GuardianName,
    IReadOnlyList<string> Students,
    string Mode,
    string Attendance);

/// <summary>
/// This school's SMS batches that failed permanently (the <c>sms-send-poison</c> queue, shared by every
/// school: only batches naming this school are counted and listed): never their recipients' phones or names.
/// </summary>
public sealed record PoisonQueueSummary(int ApproximateCount, IReadOnlyList<PoisonMessage> Peeked)
{
    /// <summary>The newest failures the poison log recorded for this school (no personal data), with their reasons.</summary>
    public IReadOnlyList<Reliability.PoisonRecord> Recent { get; init; } = [];
}

public sealed record PoisonMessage(string MessageId, DateTimeOffset? InsertedOn, long DequeueCount, string? CampaignId, int? Wave, int Recipients);
