namespace BkOutreach.Core.Participation;

/// <summary>One code of a question: how many respondents chose it, their share, and the study's share when it has one.</summary>
public sealed record SurveyShare(int Code, string Label, int Count, double Share, double? Baseline);

/// <summary>A question tabulated for one school and term, like the study's Table 1.</summary>
public sealed record SurveyTally(string Term, SurveyQuestion Question, int Respondents, IReadOnlyList<SurveyShare> Shares);

/// <summary>
/// Tabulates survey answers per school and term: each respondent counts once per question, by their latest
/// answer; a code's share is the respondents naming it over all respondents. A parent may name several
/// barriers (as in the study, whose shares add up to 195%), so shares can add up to more than 100%.
/// </summary>
public static class SurveyTabulation
{
    public static IReadOnlyList<SurveyTally> Tabulate(IEnumerable<ParticipationEntry> entries)
    {
        var answers = entries
            .Where(e => e.Event.Kind == ParticipationKind.SurveyAnswer)
            .Select(e => (e.Event, Answer: SurveyAnswer.TryParse(e.Event.Value)))
            .Where(x => x.Answer is not null)
            .ToList();
        var tallies = new List<SurveyTally>();
        foreach (var term in answers.Select(a => a.Event.Term).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            foreach (var question in Enum.GetValues<SurveyQuestion>())
            {
                var latest = answers
                    .Where(a => a.Event.Term == term && a.Answer!.Question == question)
                    .GroupBy(a => a.Event.GuardianId, StringComparer.Ordinal)
                    .Select(g => g.MaxBy(a => a.Event.OccurredAt).Answer!)
                    .ToList();
                tallies.Add(Tally(term, question, latest));
            }
        }

        return tallies;
    }

    public static SurveyTally Tally(string term, SurveyQuestion question, IReadOnlyList<SurveyAnswer> latestPerRespondent) =>
        Tally(term, question, latestPerRespondent.Count, code => latestPerRespondent.Count(a => a.Codes.Contains(code)));

    /// <summary>A question's tally from counts: <paramref name="respondents"/>, and how many of them named each code.</summary>
    public static SurveyTally Tally(string term, SurveyQuestion question, int respondents, Func<int, int> naming)
    {
        var shares = SurveyAnswer.Labels[question]
            .OrderBy(l => l.Key)
            .Select(l =>
            {
                var count = naming(l.Key);
                double? baseline = question == SurveyQuestion.Barrier && SurveyAnswer.StudyBaseline.TryGetValue(l.Key, out var b) ? b : null;
                return new SurveyShare(l.Key, l.Value, count, respondents == 0 ? 0 : (double)count / respondents, baseline);
            })
            .ToList();
        return new SurveyTally(term, question, respondents, shares);
    }
}
