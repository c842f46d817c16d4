using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Participation;

/// <summary>What the dashboard is computed from, already read from storage.</summary>
public sealed record DashboardInputs
{
    public required string SchoolId { get; init; }

    public required SchoolSettings School { get; init; }

    public required Instant Now { get; init; }

    public IReadOnlyList<ParticipationEntry> Entries { get; init; } = [];

    public IReadOnlyList<Campaign> Campaigns { get; init; } = [];

    /// <summary>Counsellor id → display name.</summary>
    public IReadOnlyDictionary<string, string> CounselorNames { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<Booking.Booking> Bookings { get; init; } = [];

    /// <summary>The guardians of the meetings shown (not the whole roster).</summary>
    public IReadOnlyDictionary<string, Guardian> Guardians { get; init; } = new Dictionary<string, Guardian>();

    public PoisonQueueSummary Poison { get; init; } = new(0, []);
}

/// <summary>Every number the dashboard shows, apart from the meetings and the poison queue.</summary>
public sealed record DashboardFigures
{
    public IReadOnlyList<CampaignFunnel> Campaigns { get; init; } = [];

    public IReadOnlyList<TermFunnel> Terms { get; init; } = [];

    public IReadOnlyList<GroupRates> ByClass { get; init; } = [];

    public IReadOnlyList<GroupRates> ByCounselor { get; init; } = [];

    public IReadOnlyList<Count> SlotKinds { get; init; } = [];

    public IReadOnlyList<Count> Modes { get; init; } = [];

    public IReadOnlyList<SurveyTally> Survey { get; init; } = [];

    public IReadOnlyList<ChannelFunnel> Channels { get; init; } = [];
}

/// <summary>Computes the dashboard from its inputs; pure, so it is measured and tested without storage.</summary>
public static class DashboardBuilder
{
    /// <summary>Meetings that ended this many days ago or less still ask for an attendance mark.</summary>
    public static readonly Duration AttendanceLookBack = Duration.FromDays(14);

    public const int MaxMeetings = 300;

    /// <summary>Meeting slot kinds always listed, in this order.</summary>
    public static readonly IReadOnlyList<string> SlotKindOrder = ["weekday_evening", "saturday", "sunday", "weekday_daytime"];

    /// <summary>Meeting modes always listed, in this order.</summary>
    public static readonly IReadOnlyList<string> ModeOrder = ["in_person", "online"];

    /// <summary>The dashboard computed from the full log in <see cref="DashboardInputs.Entries"/>: the reference the roll-ups must equal.</summary>
    public static DashboardModel Build(DashboardInputs inputs) => Compose(inputs, Figures(inputs));

    /// <summary>The page from its figures (from the full log or from the roll-ups) and the rest of its inputs (meetings, poison queue).</summary>
    public static DashboardModel Compose(DashboardInputs inputs, DashboardFigures figures)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(inputs.School.TimeZone) ?? DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
        var (upcoming, awaiting) = Meetings(inputs.Bookings, inputs.Now);
        return new DashboardModel
        {
            SchoolId = inputs.SchoolId,
            SchoolName = inputs.School.Name,
            TimeZone = zone.Id,
            GeneratedAt = inputs.Now.InZone(zone).LocalDateTime,
            Campaigns = figures.Campaigns,
            Terms = figures.Terms,
            ByClass = figures.ByClass,
            ByCounselor = figures.ByCounselor,
            SlotKinds = figures.SlotKinds,
            Modes = figures.Modes,
            Channels = figures.Channels,
            Upcoming = [.. upcoming.Select(b => Meeting(b, inputs, zone))],
            AwaitingAttendance = [.. awaiting.Select(b => Meeting(b, inputs, zone))],
            Survey = figures.Survey,
            Poison = inputs.Poison,
        };
    }

    /// <summary>Every number of the dashboard, computed from the whole log (one pass per guardian and campaign).</summary>
    public static DashboardFigures Figures(DashboardInputs inputs)
    {
        var rows = Reached(ParticipationAnalysis.ByGuardianAndCampaign(inputs.Entries), inputs.Entries);
        var names = inputs.Campaigns.ToDictionary(c => c.Id, c => c.Definition, StringComparer.Ordinal);
        var funnels = rows
            .GroupBy(r => r.CampaignId, StringComparer.Ordinal)
            .Select(g =>
            {
                names.TryGetValue(g.Key, out var definition);
                return new CampaignFunnel(
                    g.Key,
                    definition?.Name ?? g.Key,
                    definition?.Term ?? g.Select(r => r.Term).Where(t => t.Length > 0).Order(StringComparer.Ordinal).FirstOrDefault() ?? "",
                    g.Count(),
                    g.Count(r => r.Sent),
                    g.Count(r => r.Delivered),
                    g.Count(r => r.Failed),
                    g.Count(r => r.Opened),
                    g.Count(r => r.Booked),
                    g.Count(r => r.Attended),
                    g.Count(r => r.NoShow),
                    g.Count(r => r.OptedOut));
            })
            .OrderByDescending(f => f.Term, StringComparer.Ordinal)
            .ThenBy(f => f.Name, StringComparer.Ordinal)
            .ThenBy(f => f.CampaignId, StringComparer.Ordinal)
            .ToList();

        var survey = SurveyTabulation.Tabulate(inputs.Entries);
        var chosen = rows.Where(r => r.Slot is not null).Select(r => r.Slot!).ToList();
        return new DashboardFigures
        {
            Campaigns = funnels,
            Terms = TermFunnels(rows, names, survey, inputs.School),
            ByClass = Rates(rows, r => r.Classes),
            ByCounselor = Rates(rows, r => [.. r.Counselors.Select(c => inputs.CounselorNames.TryGetValue(c, out var n) && n.Length > 0 ? n : c)]),
            SlotKinds = Counts(chosen.Select(s => SlotChoice.ToWire(s.Kind)).CountBy(k => k, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal), SlotKindOrder),
            Modes = Counts(chosen.Select(s => s.Mode).Where(m => m.Length > 0).CountBy(k => k, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal), ModeOrder),
            Survey = survey,
            Channels = Channels(inputs.Entries, names),
        };
    }

    /// <summary>
    /// Guardian-campaign rows with the WhatsApp facts counted in: a guardian is sent, delivered or failed by a
    /// campaign when either channel was (the funnel counts guardians reached, whichever channel carried it).
    /// </summary>
    public static IReadOnlyList<GuardianCampaign> Reached(IReadOnlyList<GuardianCampaign> rows, IEnumerable<ParticipationEntry> entries)
    {
        var whatsApp = entries
            .Where(e => e.Event.CampaignId is not null && e.Event.Kind is ParticipationKind.WhatsAppSent or ParticipationKind.WhatsAppDelivered or ParticipationKind.WhatsAppFailed)
            .Select(e => (e.Event.GuardianId, e.Event.CampaignId!, e.Event.Kind))
            .ToHashSet();
        if (whatsApp.Count == 0)
        {
            return rows;
        }

        return [.. rows.Select(r => r with
        {
            Sent = r.Sent || whatsApp.Contains((r.GuardianId, r.CampaignId, ParticipationKind.WhatsAppSent)),
            Delivered = r.Delivered || whatsApp.Contains((r.GuardianId, r.CampaignId, ParticipationKind.WhatsAppDelivered)),
            Failed = r.Failed || whatsApp.Contains((r.GuardianId, r.CampaignId, ParticipationKind.WhatsAppFailed)),
        })];
    }

    /// <summary>Each campaign wave's funnel per channel, in guardians; a channel appears once a fact of it exists.</summary>
    private static IReadOnlyList<ChannelFunnel> Channels(IEnumerable<ParticipationEntry> entries, IReadOnlyDictionary<string, Outreach.CampaignDefinition> campaigns)
    {
        var stages = entries.SelectMany(e => DashboardRollupCells.ChannelStages([e]).Select(s => (s.Campaign, s.Wave, s.Channel, s.Stage, e.Event.GuardianId))).Distinct().ToList();
        return [.. stages
            .GroupBy(s => (s.Campaign, s.Wave, s.Channel))
            .OrderBy(g => g.Key.Campaign, StringComparer.Ordinal).ThenBy(g => g.Key.Wave).ThenBy(g => g.Key.Channel, StringComparer.Ordinal)
            .Select(g => new ChannelFunnel(
                g.Key.Campaign,
                campaigns.TryGetValue(g.Key.Campaign, out var d) ? d.Name : g.Key.Campaign,
                g.Key.Wave,
                g.Key.Channel,
                g.Count(s => s.Stage == "sent"),
                g.Count(s => s.Stage == "delivered"),
                g.Count(s => s.Stage == "read"),
                g.Count(s => s.Stage == "failed"),
                g.Count(s => s.Stage == "fallback")))];
    }

    /// <summary>Terms in the order of the school's calendar (terms it no longer lists after, by name).</summary>
    public static IReadOnlyList<string> TermOrder(IEnumerable<string> terms, SchoolSettings school)
    {
        var calendar = school.Terms.Select((t, i) => (t.Name, Order: (t.FirstDay, i))).DistinctBy(t => t.Name, StringComparer.Ordinal).ToDictionary(t => t.Name, t => t.Order, StringComparer.Ordinal);
        return [.. terms.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderBy(t => calendar.ContainsKey(t) ? 0 : 1)
            .ThenBy(t => calendar.TryGetValue(t, out var o) ? o.FirstDay : t, StringComparer.Ordinal)
            .ThenBy(t => t, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The meetings the page lists: confirmed ones starting now or later, and confirmed ones that ended within
    /// <see cref="AttendanceLookBack"/> without an attendance mark; each list by start, at most <see cref="MaxMeetings"/>.
    /// </summary>
    public static (IReadOnlyList<Booking.Booking> Upcoming, IReadOnlyList<Booking.Booking> AwaitingAttendance) Meetings(IEnumerable<Booking.Booking> bookings, Instant now)
    {
        var at = now.ToDateTimeOffset();
        var lookBack = at - AttendanceLookBack.ToTimeSpan();
        var confirmed = bookings.Where(b => b.Status == Booking.BookingStatus.Confirmed).OrderBy(b => b.Start).ThenBy(b => b.Id, StringComparer.Ordinal).ToList();
        return ([.. confirmed.Where(b => b.Start >= at).Take(MaxMeetings)],
                [.. confirmed.Where(b => b.End < at && b.End >= lookBack && b.Attendance == Booking.Attendance.Unknown).Take(MaxMeetings)]);
    }

    /// <summary>
    /// Each term's funnel and barrier survey, in the order of the school's calendar (terms it no longer lists
    /// after, by name). A row's term is its campaign's, else the one its facts carry.
    /// </summary>
    private static IReadOnlyList<TermFunnel> TermFunnels(IReadOnlyList<GuardianCampaign> rows, IReadOnlyDictionary<string, Outreach.CampaignDefinition> campaigns, IReadOnlyList<SurveyTally> survey, SchoolSettings school)
    {
        string TermOf(GuardianCampaign r) => campaigns.TryGetValue(r.CampaignId, out var c) && c.Term.Length > 0 ? c.Term : r.Term;
        var terms = TermOrder(rows.Select(TermOf).Concat(survey.Where(t => t.Respondents > 0).Select(t => t.Term)), school);
        return [.. terms.Select(term =>
        {
            var guardians = rows.Where(r => TermOf(r) == term).GroupBy(r => r.GuardianId, StringComparer.Ordinal).ToList();
            int Count(Func<GuardianCampaign, bool> stage) => guardians.Count(g => g.Any(stage));
            var barrier = survey.FirstOrDefault(t => t.Term == term && t.Question == SurveyQuestion.Barrier) ?? SurveyTabulation.Tally(term, SurveyQuestion.Barrier, []);
            return new TermFunnel(term, Count(r => r.Sent), Count(r => r.Delivered), Count(r => r.Opened), Count(r => r.Booked), Count(r => r.Attended), barrier);
        })];
    }

    private static IReadOnlyList<GroupRates> Rates(IReadOnlyList<GuardianCampaign> rows, Func<GuardianCampaign, IReadOnlyList<string>> keys)
    {
        var groups = new Dictionary<string, (int Sent, int Opened, int Booked, int Attended)>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            foreach (var key in keys(row).Distinct(StringComparer.Ordinal))
            {
                var g = groups.GetValueOrDefault(key);
                groups[key] = (g.Sent + (row.Sent ? 1 : 0), g.Opened + (row.Opened ? 1 : 0), g.Booked + (row.Booked ? 1 : 0), g.Attended + (row.Attended ? 1 : 0));
            }
        }

        return [.. groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new GroupRates(g.Key, g.Value.Sent, g.Value.Opened, g.Value.Booked, g.Value.Attended))];
    }

    /// <summary>Counts with their shares; the keys in <paramref name="always"/> first (also when zero), the others after by name.</summary>
    public static IReadOnlyList<Count> Counts(IReadOnlyDictionary<string, int> counts, IReadOnlyList<string> always)
    {
        var total = counts.Values.Sum();
        return [.. always.Concat(counts.Keys.Except(always, StringComparer.Ordinal).Order(StringComparer.Ordinal))
            .Select(k => new Count(k, counts.GetValueOrDefault(k), total == 0 ? 0 : (double)counts.GetValueOrDefault(k) / total))];
    }

    private static MeetingRow Meeting(Booking.Booking booking, DashboardInputs inputs, DateTimeZone zone)
    {
        inputs.Guardians.TryGetValue(booking.GuardianId, out var guardian);
        var students = guardian?.Students
            .Where(s => booking.StudentIds.Count == 0 ? s.CounselorId == booking.CounselorId : booking.StudentIds.Contains(s.Id))
            .Select(s => $"{s.Name} ({s.Class})")
            .ToList() ?? [];
        return new MeetingRow(
            booking.Id,
            Instant.FromDateTimeOffset(booking.Start).InZone(zone).LocalDateTime,
            inputs.CounselorNames.TryGetValue(booking.CounselorId, out var counselor) ? counselor : booking.CounselorId,
            guardian?.Name ?? "",
            students,
            booking.Mode,
            booking.Attendance switch
            {
                Booking.Attendance.Attended => "attended",
                Booking.Attendance.NoShow => "no_show",
                _ => "",
            });
    }
}
