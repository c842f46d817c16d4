using NodaTime;

namespace BkOutreach.Core.Participation;

/// <summary>
/// One guardian in one campaign, summarised from the log: the row of the research export and the unit the
/// dashboard counts. Rules (stated once, here):
/// <list type="bullet">
/// <item>sent, delivered, failed, opened, booked: at least one such fact in the campaign;</item>
/// <item>cancelled: the guardian's latest booking fact (booked, rescheduled, cancelled) is a cancellation;</item>
/// <item>attended / no_show: the latest attendance fact decides (a BK teacher may correct a mark);</item>
/// <item>opted_out: an opt-out attributed to the campaign, or an unattributed one (a STOP reply) after the
/// campaign's latest SMS to the guardian before it;</item>
/// <item>slot: the latest booked or rescheduled fact's slot choice; feedback: the latest score;</item>
/// <item>classes and counsellors: every one named by the guardian's facts in the campaign.</item>
/// </list>
/// </summary>
public sealed record GuardianCampaign
{
    public required string GuardianId { get; init; }

    public required string CampaignId { get; init; }

    public string Term { get; init; } = "";

    public IReadOnlyList<string> Classes { get; init; } = [];

    public IReadOnlyList<string> Counselors { get; init; } = [];

    public bool Sent { get; init; }

    public bool Delivered { get; init; }

    public bool Failed { get; init; }

    public bool Opened { get; init; }

    public bool Booked { get; init; }

    public bool Cancelled { get; init; }

    public bool Attended { get; init; }

    public bool NoShow { get; init; }

    public bool OptedOut { get; init; }

    public LocalDateTime? FirstSent { get; init; }

    public LocalDateTime? FirstOpened { get; init; }

    public LocalDateTime? FirstBooked { get; init; }

    public SlotChoice? Slot { get; init; }

    public int? Feedback { get; init; }
}

/// <summary>Pure summaries of a school's log (no storage): shared by the dashboard and the exports.</summary>
public static class ParticipationAnalysis
{
    /// <summary>One row per guardian per campaign, ordered by campaign then guardian id.</summary>
    public static IReadOnlyList<GuardianCampaign> ByGuardianAndCampaign(IEnumerable<ParticipationEntry> entries)
    {
        var ordered = entries.OrderBy(e => e.Event.OccurredAt).ThenBy(e => e.Event.FactKey, StringComparer.Ordinal).ToList();
        var attributed = AttributeOptOuts(ordered);
        var rows = new List<GuardianCampaign>();
        foreach (var group in attributed
            .Where(x => x.CampaignId is not null)
            .GroupBy(x => (x.Entry.Event.GuardianId, CampaignId: x.CampaignId!))
            .OrderBy(g => g.Key.CampaignId, StringComparer.Ordinal)
            .ThenBy(g => g.Key.GuardianId, StringComparer.Ordinal))
        {
            rows.Add(Summarise(group.Key.GuardianId, group.Key.CampaignId, [.. group.Select(x => x.Entry)]));
        }

        return rows;
    }

    private static GuardianCampaign Summarise(string guardianId, string campaignId, List<ParticipationEntry> facts)
    {
        bool Any(ParticipationKind kind) => facts.Exists(f => f.Event.Kind == kind);
        LocalDateTime? First(ParticipationKind kind) => facts.Find(f => f.Event.Kind == kind)?.LocalTime;
        ParticipationEntry? Last(params ParticipationKind[] kinds) => facts.FindLast(f => kinds.Contains(f.Event.Kind));

        var booking = Last(ParticipationKind.Booked, ParticipationKind.Rescheduled);
        var attendance = Last(ParticipationKind.Attended, ParticipationKind.NoShow);
        var feedback = Last(ParticipationKind.Feedback);
        return new GuardianCampaign
        {
            GuardianId = guardianId,
            CampaignId = campaignId,
            Term = facts.Select(f => f.Event.Term).FirstOrDefault(t => t.Length > 0) ?? "",
            Classes = [.. facts.SelectMany(f => f.Event.Classes).Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            Counselors = [.. facts.Select(f => f.Event.CounselorId).OfType<string>().Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            Sent = Any(ParticipationKind.SmsSent),
            Delivered = Any(ParticipationKind.SmsDelivered),
            Failed = Any(ParticipationKind.SmsFailed),
            Opened = Any(ParticipationKind.LinkOpened),
            Booked = Any(ParticipationKind.Booked),
            Cancelled = Last(ParticipationKind.Booked, ParticipationKind.Rescheduled, ParticipationKind.Cancelled)?.Event.Kind == ParticipationKind.Cancelled,
            Attended = attendance?.Event.Kind == ParticipationKind.Attended,
            NoShow = attendance?.Event.Kind == ParticipationKind.NoShow,
            OptedOut = Any(ParticipationKind.OptedOut),
            FirstSent = First(ParticipationKind.SmsSent),
            FirstOpened = First(ParticipationKind.LinkOpened),
            FirstBooked = First(ParticipationKind.Booked),
            Slot = booking is null ? null : SlotChoice.TryParse(booking.Event.Value) ?? new SlotChoice(SlotChoice.KindOf(booking.LocalTime), ""),
            Feedback = int.TryParse(feedback?.Event.Value, System.Globalization.CultureInfo.InvariantCulture, out var score) ? score : null,
        };
    }

    /// <summary>Gives each fact its campaign; an opt-out without one goes to the campaign that last messaged the guardian.</summary>
    private static List<(ParticipationEntry Entry, string? CampaignId)> AttributeOptOuts(List<ParticipationEntry> ordered)
    {
        var lastMessaged = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new List<(ParticipationEntry, string?)>(ordered.Count);
        foreach (var entry in ordered)
        {
            var e = entry.Event;
            if (e.Kind == ParticipationKind.SmsSent && e.CampaignId is not null)
            {
                lastMessaged[e.GuardianId] = e.CampaignId;
            }

            var campaign = e.CampaignId;
            if (campaign is null && e.Kind == ParticipationKind.OptedOut && lastMessaged.TryGetValue(e.GuardianId, out var last))
            {
                campaign = last;
            }

            result.Add((entry, campaign));
        }

        return result;
    }
}
