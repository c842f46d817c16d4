using System.Text.RegularExpressions;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Tests.Participation;

/// <summary>Issue 16's "measure it again every term": the dashboard puts the terms side by side.</summary>
public sealed partial class TermComparisonTests
{
    private const string Ganjil = "2026/2027 Ganjil";
    private const string Genap = "2026/2027 Genap";
    private static readonly DateTimeZone Wib = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];

    private static readonly SchoolSettings School = new()
    {
        Name = "MA Uji",
        TimeZone = "Asia/Jakarta",
        Terms = [new Term(Genap, "2027-01-04", "2027-06-19"), new Term(Ganjil, "2026-07-13", "2026-12-19")],
    };

    [Fact]
    public void Dashboard_ShowsTwoTermsSideBySide_WithTheRightCounts()
    {
        var entries = new List<ParticipationEntry>();
        var t = new DateTimeOffset(2026, 7, 20, 2, 0, 0, TimeSpan.Zero);
        void Fact(string campaign, string term, string guardian, ParticipationKind kind, string? value = null)
        {
            t = t.AddMinutes(1);
            var e = new ParticipationEvent
            {
                FactKey = $"{campaign}:{guardian}:{kind}:{value}",
                Kind = kind,
                SchoolId = "s",
                GuardianId = guardian,
                Channel = ParticipationChannel.Sms,
                OccurredAt = t,
                Term = term,
                CampaignId = campaign,
                Value = value,
            };
            entries.Add(new ParticipationEntry(e, Instant.FromDateTimeOffset(t).InZone(Wib).LocalDateTime, Wib.Id));
        }

        // Ganjil: 4 sent, 3 delivered, 2 opened, 1 booked, 1 attended; barrier survey: 2 respondents, both "time".
        for (var i = 0; i < 4; i++)
        {
            Fact("kenali-2026-2027-ganjil", Ganjil, "g" + i, ParticipationKind.SmsSent);
        }

        foreach (var g in new[] { "g0", "g1", "g2" })
        {
            Fact("kenali-2026-2027-ganjil", Ganjil, g, ParticipationKind.SmsDelivered);
        }

        Fact("kenali-2026-2027-ganjil", Ganjil, "g0", ParticipationKind.LinkOpened);
        Fact("kenali-2026-2027-ganjil", Ganjil, "g1", ParticipationKind.LinkOpened);
        Fact("kenali-2026-2027-ganjil", Ganjil, "g0", ParticipationKind.Booked);
        Fact("kenali-2026-2027-ganjil", Ganjil, "g0", ParticipationKind.Attended);
        Fact("kenali-2026-2027-ganjil", Ganjil, "g2", ParticipationKind.SurveyAnswer, "barrier=1");
        Fact("kenali-2026-2027-ganjil", Ganjil, "g3", ParticipationKind.SurveyAnswer, "barrier=1,2");

        // Genap: 5 guardians sent to, g0 by two campaigns of the term (one guardian, counted once); 3 booked, 2 attended; 1 respondent.
        for (var i = 0; i < 5; i++)
        {
            Fact("kenali-2026-2027-genap", Genap, "g" + i, ParticipationKind.SmsSent);
            Fact("kenali-2026-2027-genap", Genap, "g" + i, ParticipationKind.SmsDelivered);
        }

        Fact("c-extra", Genap, "g0", ParticipationKind.SmsSent);
        Fact("c-extra", Genap, "g0", ParticipationKind.LinkOpened);
        foreach (var g in new[] { "g0", "g1", "g2" })
        {
            Fact("kenali-2026-2027-genap", Genap, g, ParticipationKind.LinkOpened);
            Fact("kenali-2026-2027-genap", Genap, g, ParticipationKind.Booked);
        }

        Fact("kenali-2026-2027-genap", Genap, "g0", ParticipationKind.Attended);
        Fact("c-extra", Genap, "g1", ParticipationKind.Attended);
        Fact("kenali-2026-2027-genap", Genap, "g4", ParticipationKind.SurveyAnswer, "barrier=2");

        var model = DashboardBuilder.Build(new DashboardInputs
        {
            SchoolId = "s",
            School = School,
            Now = Instant.FromUtc(2027, 6, 1, 2, 0),
            Entries = entries,
            Campaigns = [new Campaign("kenali-2026-2027-genap", "s", new CampaignDefinition { Name = "Kenali guru BK · Genap", Term = Genap })],
        });

        // Oldest term first, whatever order the school lists them in.
        Assert.Equal([Ganjil, Genap], model.Terms.Select(x => x.Term));
        Assert.Equal((4, 3, 2, 1, 1), Stages(model.Terms[0]));
        Assert.Equal((5, 5, 3, 3, 2), Stages(model.Terms[1]));
        Assert.Equal(2, model.Terms[0].Barrier.Respondents);
        Assert.Equal([2, 1, 0, 0, 0], model.Terms[0].Barrier.Shares.Select(s => s.Count));
        Assert.Equal(1, model.Terms[1].Barrier.Respondents);
        Assert.Equal([0, 1, 0, 0, 0], model.Terms[1].Barrier.Shares.Select(s => s.Count));

        var html = DashboardRenderer.Render(model, null);
        var section = TermsSection().Match(html);
        Assert.True(section.Success, html);
        var text = section.Value;
        Assert.True(text.IndexOf(Ganjil, StringComparison.Ordinal) < text.IndexOf(Genap, StringComparison.Ordinal));
        Assert.Contains("<th scope=\"row\">Booking / Booked</th><td class=\"n\">1 (25%)</td><td class=\"n\">3 (60%)</td>", text, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"row\">Hadir / Attended</th><td class=\"n\">1 (25%)</td><td class=\"n\">2 (40%)</td>", text, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">2 (100%)</td><td class=\"n\">0 (0%)</td>", text, StringComparison.Ordinal);
    }

    private static (int, int, int, int, int) Stages(TermFunnel t) => (t.Sent, t.Delivered, t.Opened, t.Booked, t.Attended);

    [GeneratedRegex("<section id=\"terms\">.*?</section>", RegexOptions.Singleline)]
    private static partial Regex TermsSection();
}
