using System.Globalization;
using BkOutreach.Core.Schools;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Core.Outreach;

/// <summary>Checks a campaign against its school and lists every problem, each naming the field.</summary>
public static class CampaignValidation
{
    public static IReadOnlyList<string> Validate(CampaignDefinition campaign, SchoolSettings school, IReadOnlyCollection<string> counselorIds, IReadOnlyCollection<string> templates)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(campaign.Name))
        {
            problems.Add("name: is required.");
        }

        var term = school.Terms.FirstOrDefault(t => string.Equals(t.Name, campaign.Term, StringComparison.Ordinal));
        if (term is null)
        {
            problems.Add($"term: '{campaign.Term}' is not one of the school's terms ({string.Join(", ", school.Terms.Select(t => t.Name))}).");
        }

        if (!templates.Contains(campaign.Template))
        {
            problems.Add($"template: '{campaign.Template}' is not a known template ({string.Join(", ", templates)}).");
        }

        if (campaign.Audience?.CounselorId is { } counselor && !counselorIds.Contains(counselor))
        {
            problems.Add($"audience.counselorId: '{counselor}' is not a counsellor of this school.");
        }

        if (campaign.Waves.Count == 0)
        {
            problems.Add("waves: at least one wave is required.");
        }

        for (var i = 0; i < campaign.Waves.Count; i++)
        {
            var wave = campaign.Waves[i];
            switch (wave.Kind)
            {
                case "outreach" when ParseDate(wave.SendOn) is null:
                    problems.Add($"waves[{i}].sendOn: an outreach wave needs a date (yyyy-MM-dd).");
                    break;
                case "follow_up" when i == 0:
                    problems.Add($"waves[{i}]: a follow_up wave follows another wave; the first must be an outreach wave.");
                    break;
                case "follow_up" when wave.AfterDays is not (>= 1 and <= 90):
                    problems.Add($"waves[{i}].afterDays: must be between 1 and 90.");
                    break;
                case "survey_barrier" or "survey_channel" when ParseDate(wave.SendOn) is null && (i == 0 || wave.AfterDays is not (>= 1 and <= 90)):
                    problems.Add($"waves[{i}]: a survey wave needs sendOn (yyyy-MM-dd) or, after another wave, afterDays (1-90).");
                    break;
                case "outreach" or "follow_up" or "survey_barrier" or "survey_channel":
                    break;
                default:
                    problems.Add($"waves[{i}].kind: must be outreach, follow_up, survey_barrier or survey_channel, got '{wave.Kind}'.");
                    break;
            }
        }

        var from = ParseDate(campaign.BookingWindow?.From);
        var to = ParseDate(campaign.BookingWindow?.To);
        if (campaign.BookingWindow is null || from is null || to is null)
        {
            problems.Add("bookingWindow: from and to are required dates (yyyy-MM-dd).");
        }
        else if (from > to)
        {
            problems.Add("bookingWindow: from must not be after to.");
        }

        return problems;
    }

    /// <summary>The local date each wave is due, in order: follow-ups count from the wave before them.</summary>
    public static IReadOnlyList<LocalDate> WaveDates(CampaignDefinition campaign)
    {
        var dates = new List<LocalDate>();
        foreach (var wave in campaign.Waves)
        {
            var sendOn = ParseDate(wave.SendOn);
            dates.Add(sendOn is null && dates.Count > 0
                ? dates[^1].PlusDays(wave.AfterDays ?? 7)
                : sendOn ?? throw new InvalidOperationException("A wave without a date passed validation."));
        }

        return dates;
    }

    /// <summary>When links of this campaign stop working: the end of the booking window's last day in the school's zone.</summary>
    public static Instant LinksExpireAt(CampaignDefinition campaign, DateTimeZone zone) =>
        (ParseDate(campaign.BookingWindow?.To) ?? throw new InvalidOperationException("No booking window."))
            .PlusDays(1).AtStartOfDayInZone(zone).ToInstant();

    public static LocalDate? ParseDate(string? value) =>
        value is not null && LocalDatePattern.Iso.Parse(value) is { Success: true } result ? result.Value : null;

    public static string Format(LocalDate date) => LocalDatePattern.Iso.Format(date).ToString(CultureInfo.InvariantCulture);
}
