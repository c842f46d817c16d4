using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Participation;

/// <summary>
/// What one guardian adds to the dashboard's numbers, as named counts ("cells"), and the dashboard's figures
/// from the sum of every guardian's cells.
/// <para>
/// Every figure of the dashboard is a sum over guardians of something that depends on that guardian's facts
/// alone (a guardian-campaign row of <see cref="ParticipationAnalysis"/>, a term's union of them, a latest
/// survey answer), so a guardian's contribution can be recomputed from the guardian's facts whenever one
/// arrives, in any order, and the school's figure moved by the difference. The cells are the margins the views
/// read — per campaign (and wave × channel), per term, per class, per counsellor, per slot kind and mode, per
/// survey term × question × code — not a full term × campaign × wave × class × counsellor × channel cube:
/// numbers such as "guardians who booked" count distinct guardians, which a cube of counts cannot give back.
/// </para>
/// </summary>
public static class DashboardRollupCells
{
    /// <summary>The view of the whole school; every other view is a counsellor id (their own students' families).</summary>
    public const string SchoolView = "*";

    private const char Separator = '\u001f';

    /// <summary>
    /// One guardian's cells for the school view and for each counsellor a fact of theirs names (the counsellor view
    /// keeps the facts that name that counsellor or none, as <see cref="DashboardService"/> filters the full log).
    /// </summary>
    /// <param name="facts">Every fact of one guardian, in any order.</param>
    /// <param name="campaignTerm">The term a campaign's definition names (null or empty when it names none).</param>
    public static Dictionary<string, Dictionary<string, int>> Contribute(IEnumerable<ParticipationEntry> facts, Func<string, string?> campaignTerm)
    {
        var ordered = facts.OrderBy(e => e.Event.OccurredAt.UtcTicks).ThenBy(e => e.Event.FactKey, StringComparer.Ordinal).ToList();
        var views = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal) { [SchoolView] = Cells(ordered, campaignTerm) };
        foreach (var counselor in ordered.Select(e => e.Event.CounselorId).OfType<string>().Where(c => c.Length > 0).Distinct(StringComparer.Ordinal))
        {
            views[counselor] = Cells([.. ordered.Where(e => e.Event.CounselorId is null || e.Event.CounselorId == counselor)], campaignTerm);
        }

        return views;
    }

    /// <summary>
    /// Whether a fact can change none of a guardian's cells, now or with any facts that come later, given the views
    /// the guardian has already (<paramref name="views"/>, the keys of <see cref="Contribute"/>'s answer). A fact
    /// that names no campaign and is neither an opt-out (counted for the campaign that last messaged the guardian)
    /// nor a survey answer is in no cell (<see cref="Cells"/> reads campaign rows, survey answers and campaign
    /// waves' channels only): a booking's message (<c>sms_sent</c>, <c>wa_*</c>), a parent's message. It matters
    /// only by the counsellor it names, which makes that counsellor a view; when the guardian has that view
    /// already (facts are never taken out, so a view never goes), or it names none, it changes nothing. Keep this
    /// in step with <see cref="Cells"/>.
    /// </summary>
    public static bool ChangesNothing(ParticipationEvent fact, IEnumerable<string> views)
    {
        ArgumentNullException.ThrowIfNull(fact);
        return fact.CampaignId is null
            && fact.Kind is not (ParticipationKind.OptedOut or ParticipationKind.SurveyAnswer)
            && (string.IsNullOrEmpty(fact.CounselorId) || views.Contains(fact.CounselorId, StringComparer.Ordinal));
    }

    private static Dictionary<string, int> Cells(IReadOnlyList<ParticipationEntry> ordered, Func<string, string?> campaignTerm)
    {
        var cells = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(params string[] parts)
        {
            var key = string.Join(Separator, parts);
            cells[key] = cells.GetValueOrDefault(key) + 1;
        }

        void Stages(string dimension, string key, GuardianCampaign r)
        {
            Add(dimension, key, "n");
            if (r.Sent)
            {
                Add(dimension, key, "sent");
            }

            if (r.Opened)
            {
                Add(dimension, key, "opened");
            }

            if (r.Booked)
            {
                Add(dimension, key, "booked");
            }

            if (r.Attended)
            {
                Add(dimension, key, "attended");
            }
        }

        var rows = DashboardBuilder.Reached(ParticipationAnalysis.ByGuardianAndCampaign(ordered), ordered);
        foreach (var r in rows)
        {
            var c = r.CampaignId;
            Add("f", c, "n");
            foreach (var (flag, stage) in new[] { (r.Sent, "sent"), (r.Delivered, "delivered"), (r.Failed, "failed"), (r.Opened, "opened"), (r.Booked, "booked"), (r.Attended, "attended"), (r.NoShow, "noshow"), (r.OptedOut, "optout") })
            {
                if (flag)
                {
                    Add("f", c, stage);
                }
            }

            if (r.Term.Length > 0)
            {
                Add("ft", c, r.Term);
            }

            foreach (var cls in r.Classes.Distinct(StringComparer.Ordinal))
            {
                Stages("k", cls, r);
            }

            foreach (var counselor in r.Counselors.Distinct(StringComparer.Ordinal))
            {
                Stages("c", counselor, r);
            }

            if (r.Slot is { } slot)
            {
                Add("s", SlotChoice.ToWire(slot.Kind));
                if (slot.Mode.Length > 0)
                {
                    Add("m", slot.Mode);
                }
            }
        }

        foreach (var term in rows.GroupBy(r => campaignTerm(r.CampaignId) is { Length: > 0 } t ? t : r.Term, StringComparer.Ordinal).Where(g => g.Key.Length > 0))
        {
            Add("t", term.Key, "n");
            foreach (var (flag, stage) in new[] { (term.Any(r => r.Sent), "sent"), (term.Any(r => r.Delivered), "delivered"), (term.Any(r => r.Opened), "opened"), (term.Any(r => r.Booked), "booked"), (term.Any(r => r.Attended), "attended") })
            {
                if (flag)
                {
                    Add("t", term.Key, stage);
                }
            }
        }

        // Survey: per term and question, the guardian's latest answer (the first of equally late ones, in log order).
        var answers = ordered
            .Where(e => e.Event.Kind == ParticipationKind.SurveyAnswer)
            .Select(e => (e.Event, Answer: SurveyAnswer.TryParse(e.Event.Value)))
            .Where(a => a.Answer is not null);
        foreach (var group in answers.GroupBy(a => (a.Event.Term, a.Answer!.Question)))
        {
            var latest = group.MaxBy(a => a.Event.OccurredAt).Answer!;
            var question = SurveyAnswer.ToWire(group.Key.Question);
            Add("q", group.Key.Term, question, "n");
            foreach (var code in latest.Codes.Distinct())
            {
                Add("q", group.Key.Term, question, code.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        foreach (var (campaign, wave, channel, stage) in ChannelStages(ordered).Distinct())
        {
            Add("w", campaign, wave.ToString(System.Globalization.CultureInfo.InvariantCulture), channel, stage);
        }

        return cells;
    }

    /// <summary>The channel stages one fact shows, for <see cref="ChannelFunnel"/>: SMS and WhatsApp sends, deliveries, reads, failures, and SMS fallbacks.</summary>
    internal static IEnumerable<(string Campaign, int Wave, string Channel, string Stage)> ChannelStages(IEnumerable<ParticipationEntry> entries)
    {
        foreach (var e in entries.Select(x => x.Event))
        {
            if (e.CampaignId is not { } campaign || e.Wave is not { } wave)
            {
                continue;
            }

            var (channel, stage) = e.Kind switch
            {
                ParticipationKind.SmsSent => ("sms", "sent"),
                ParticipationKind.SmsDelivered => ("sms", "delivered"),
                ParticipationKind.SmsFailed => ("sms", "failed"),
                ParticipationKind.WhatsAppSent => ("whatsapp", "sent"),
                ParticipationKind.WhatsAppDelivered => ("whatsapp", "delivered"),
                ParticipationKind.WhatsAppRead => ("whatsapp", "read"),
                ParticipationKind.WhatsAppFailed => ("whatsapp", "failed"),
                _ => ("", ""),
            };
            if (channel.Length == 0)
            {
                continue;
            }

            yield return (campaign, wave, channel, stage);
            if (e.Kind == ParticipationKind.SmsSent && e.Value == FallbackValue)
            {
                yield return (campaign, wave, channel, "fallback");
            }
        }
    }

    /// <summary>The value of an <c>sms_sent</c> fact that was the SMS fallback of a WhatsApp message.</summary>
    public const string FallbackValue = "fallback";

    /// <summary>The dashboard's figures from the sum of the cells of every guardian of one view.</summary>
    public static DashboardFigures Figures(IReadOnlyDictionary<string, long> sums, IReadOnlyList<Campaign> campaigns, IReadOnlyDictionary<string, string> counselorNames, SchoolSettings school)
    {
        var parsed = sums.Where(s => s.Value != 0).Select(s => (Parts: s.Key.Split(Separator), Value: checked((int)s.Value))).ToList();
        var definitions = campaigns.ToDictionary(c => c.Id, c => c.Definition, StringComparer.Ordinal);
        int Get(params string[] parts) => sums.TryGetValue(string.Join(Separator, parts), out var v) ? checked((int)v) : 0;
        IEnumerable<string[]> Of(string dimension, int length) => parsed.Where(p => p.Parts.Length == length && p.Parts[0] == dimension).Select(p => p.Parts);

        var funnels = Of("f", 3).Where(p => p[2] == "n").Select(p => p[1]).Order(StringComparer.Ordinal).Select(id =>
        {
            definitions.TryGetValue(id, out var definition);
            var term = definition?.Term ?? Of("ft", 3).Where(p => p[1] == id).Select(p => p[2]).Where(t => t.Length > 0).Order(StringComparer.Ordinal).FirstOrDefault() ?? "";
            return new CampaignFunnel(id, definition?.Name ?? id, term, Get("f", id, "n"), Get("f", id, "sent"), Get("f", id, "delivered"), Get("f", id, "failed"),
                Get("f", id, "opened"), Get("f", id, "booked"), Get("f", id, "attended"), Get("f", id, "noshow"), Get("f", id, "optout"));
        }).OrderByDescending(f => f.Term, StringComparer.Ordinal).ThenBy(f => f.Name, StringComparer.Ordinal).ThenBy(f => f.CampaignId, StringComparer.Ordinal).ToList();

        var survey = new List<SurveyTally>();
        foreach (var term in Of("q", 4).Where(p => p[3] == "n").Select(p => p[1]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            foreach (var question in Enum.GetValues<SurveyQuestion>())
            {
                var wire = SurveyAnswer.ToWire(question);
                survey.Add(SurveyTabulation.Tally(term, question, Get("q", term, wire, "n"), code => Get("q", term, wire, code.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        var terms = DashboardBuilder.TermOrder(Of("t", 3).Where(p => p[2] == "n").Select(p => p[1]).Concat(survey.Where(t => t.Respondents > 0).Select(t => t.Term)), school)
            .Select(term => new TermFunnel(term, Get("t", term, "sent"), Get("t", term, "delivered"), Get("t", term, "opened"), Get("t", term, "booked"), Get("t", term, "attended"),
                survey.FirstOrDefault(t => t.Term == term && t.Question == SurveyQuestion.Barrier) ?? SurveyTabulation.Tally(term, SurveyQuestion.Barrier, [])))
            .ToList();

        GroupRates Rates(string dimension, string key, string shown) => new(shown, Get(dimension, key, "sent"), Get(dimension, key, "opened"), Get(dimension, key, "booked"), Get(dimension, key, "attended"));
        var byClass = Of("k", 3).Where(p => p[2] == "n").Select(p => p[1]).Order(StringComparer.Ordinal).Select(k => Rates("k", k, k)).ToList();

        // Per counsellor by display name, as the full-log computation groups them (two ids of one name are one row).
        var byCounselor = Of("c", 3).Where(p => p[2] == "n").Select(p => p[1])
            .Select(id => Rates("c", id, counselorNames.TryGetValue(id, out var n) && n.Length > 0 ? n : id))
            .GroupBy(r => r.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GroupRates(g.Key, g.Sum(r => r.Sent), g.Sum(r => r.Opened), g.Sum(r => r.Booked), g.Sum(r => r.Attended)))
            .ToList();

        var channels = Of("w", 5).Select(p => (Campaign: p[1], Wave: int.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture), Channel: p[3]))
            .Distinct()
            .OrderBy(k => k.Campaign, StringComparer.Ordinal).ThenBy(k => k.Wave).ThenBy(k => k.Channel, StringComparer.Ordinal)
            .Select(k =>
            {
                var wave = k.Wave.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new ChannelFunnel(k.Campaign, definitions.TryGetValue(k.Campaign, out var d) ? d.Name : k.Campaign, k.Wave, k.Channel,
                    Get("w", k.Campaign, wave, k.Channel, "sent"), Get("w", k.Campaign, wave, k.Channel, "delivered"), Get("w", k.Campaign, wave, k.Channel, "read"),
                    Get("w", k.Campaign, wave, k.Channel, "failed"), Get("w", k.Campaign, wave, k.Channel, "fallback"));
            })
            .ToList();

        return new DashboardFigures
        {
            Campaigns = funnels,
            Terms = terms,
            ByClass = byClass,
            ByCounselor = byCounselor,
            SlotKinds = DashboardBuilder.Counts(Of("s", 2).ToDictionary(p => p[1], p => Get("s", p[1]), StringComparer.Ordinal), DashboardBuilder.SlotKindOrder),
            Modes = DashboardBuilder.Counts(Of("m", 2).ToDictionary(p => p[1], p => Get("m", p[1]), StringComparer.Ordinal), DashboardBuilder.ModeOrder),
            Survey = survey,
            Channels = channels,
        };
    }
}
