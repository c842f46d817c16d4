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
    /// <summary>One row per guardian per campaign, ordered by campaign then guardian id. One pass over the log, in time order.</summary>
    public static IReadOnlyList<GuardianCampaign> ByGuardianAndCampaign(IEnumerable<ParticipationEntry> entries)
    {
        var ordered = entries.ToArray();
        if (!IsInOrder(ordered))
        {
            Array.Sort(ordered, InOrder);
        }

        var rows = new Dictionary<(string Guardian, string Campaign), Accumulator>();
        var lastMessaged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in ordered)
        {
            var e = entry.Event;
            if (e.Kind == ParticipationKind.SmsSent && e.CampaignId is not null)
            {
                lastMessaged[e.GuardianId] = e.CampaignId;
            }

            // An opt-out without a campaign (a STOP reply) goes to the campaign that last messaged the guardian.
            var campaign = e.CampaignId ?? (e.Kind == ParticipationKind.OptedOut ? lastMessaged.GetValueOrDefault(e.GuardianId) : null);
            if (campaign is null)
            {
                continue;
            }

            if (!rows.TryGetValue((e.GuardianId, campaign), out var row))
            {
                rows[(e.GuardianId, campaign)] = row = new Accumulator(e.GuardianId, campaign);
            }

            row.Add(entry);
        }

        return [.. rows.Values
            .OrderBy(r => r.CampaignId, StringComparer.Ordinal)
            .ThenBy(r => r.GuardianId, StringComparer.Ordinal)
            .Select(r => r.ToRow())];
    }

    /// <summary>Time order, ties broken by fact key, as <see cref="ParticipationLog.ListAsync"/> returns the log.</summary>
    private static int InOrder(ParticipationEntry a, ParticipationEntry b)
    {
        var byTime = a.Event.OccurredAt.UtcTicks.CompareTo(b.Event.OccurredAt.UtcTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Event.FactKey, b.Event.FactKey);
    }

    private static bool IsInOrder(ParticipationEntry[] entries)
    {
        for (var i = 1; i < entries.Length; i++)
        {
            if (InOrder(entries[i - 1], entries[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Accumulator(string guardianId, string campaignId)
    {
        private readonly List<string> _classes = new(1);
        private readonly List<string> _counselors = new(1);
        private string _term = "";
        private bool _sent, _delivered, _failed, _opened, _booked, _optedOut;
        private LocalDateTime? _firstSent, _firstOpened, _firstBooked;
        private ParticipationKind? _lastBookingAction, _lastAttendance;
        private ParticipationEntry? _lastChoice;
        private string? _feedback;

        public string GuardianId => guardianId;

        public string CampaignId => campaignId;

        public void Add(ParticipationEntry entry)
        {
            var e = entry.Event;
            if (_term.Length == 0)
            {
                _term = e.Term;
            }

            foreach (var c in e.Classes)
            {
                if (c.Length > 0 && !_classes.Contains(c))
                {
                    _classes.Add(c);
                }
            }

            if (!string.IsNullOrEmpty(e.CounselorId) && !_counselors.Contains(e.CounselorId))
            {
                _counselors.Add(e.CounselorId);
            }

            switch (e.Kind)
            {
                case ParticipationKind.SmsSent:
                    _sent = true;
                    _firstSent ??= entry.LocalTime;
                    break;
                case ParticipationKind.SmsDelivered:
                    _delivered = true;
                    break;
                case ParticipationKind.SmsFailed:
                    _failed = true;
                    break;
                case ParticipationKind.LinkOpened:
                    _opened = true;
                    _firstOpened ??= entry.LocalTime;
                    break;
                case ParticipationKind.Booked:
                    _booked = true;
                    _firstBooked ??= entry.LocalTime;
                    _lastBookingAction = e.Kind;
                    _lastChoice = entry;
                    break;
                case ParticipationKind.Rescheduled:
                    _lastBookingAction = e.Kind;
                    _lastChoice = entry;
                    break;
                case ParticipationKind.Cancelled:
                    _lastBookingAction = e.Kind;
                    break;
                case ParticipationKind.Attended or ParticipationKind.NoShow:
                    _lastAttendance = e.Kind;
                    break;
                case ParticipationKind.AttendanceCorrected:
                    _lastAttendance = e.Value == "attended" ? ParticipationKind.Attended : ParticipationKind.NoShow;
                    break;
                case ParticipationKind.Feedback:
                    _feedback = e.Value;
                    break;
                case ParticipationKind.OptedOut:
                    _optedOut = true;
                    break;
                default:
                    break;
            }
        }

        public GuardianCampaign ToRow() => new()
        {
            GuardianId = guardianId,
            CampaignId = campaignId,
            Term = _term,
            Classes = [.. _classes.Order(StringComparer.Ordinal)],
            Counselors = [.. _counselors.Order(StringComparer.Ordinal)],
            Sent = _sent,
            Delivered = _delivered,
            Failed = _failed,
            Opened = _opened,
            Booked = _booked,
            Cancelled = _lastBookingAction == ParticipationKind.Cancelled,
            Attended = _lastAttendance == ParticipationKind.Attended,
            NoShow = _lastAttendance == ParticipationKind.NoShow,
            OptedOut = _optedOut,
            FirstSent = _firstSent,
            FirstOpened = _firstOpened,
            FirstBooked = _firstBooked,
            Slot = _lastChoice is null ? null : SlotChoice.TryParse(_lastChoice.Event.Value) ?? new SlotChoice(SlotChoice.KindOf(_lastChoice.LocalTime), ""),
            Feedback = int.TryParse(_feedback, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var score) ? score : null,
        };
    }
}
