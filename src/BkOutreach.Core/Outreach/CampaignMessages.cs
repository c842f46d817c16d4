using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// What a campaign wave says to one recipient, written once for the sender (<see cref="SendCampaignBatch"/>)
/// and for the staff composer's preview, so a preview is exactly the text the sender sends.
/// </summary>
public static class CampaignMessages
{
    /// <summary>The SMS template of wave <paramref name="wave"/>: a follow-up or survey wave has its own text; an outreach wave uses the campaign's template.</summary>
    public static string TemplateOf(CampaignDefinition campaign, int wave)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return campaign.Waves[wave].Kind switch
        {
            SmsTemplates.FollowUp => SmsTemplates.FollowUp,
            Participation.SurveyTemplates.Barrier => Participation.SurveyTemplates.Barrier,
            Participation.SurveyTemplates.ChannelAndTime => Participation.SurveyTemplates.ChannelAndTime,
            _ => campaign.Template,
        };
    }

    /// <summary>
    /// The message to <paramref name="recipient"/> in their language, with the school's name, the counsellor of
    /// their first child in the audience and their personal <paramref name="link"/>; the template's dropping
    /// rules (<see cref="SmsTemplates.Render"/>) keep it within budget.
    /// </summary>
    public static RenderedSms Render(SmsTemplates templates, string template, Recipient recipient, SchoolSettings school, IReadOnlyDictionary<string, string> counselorNames, string link)
    {
        ArgumentNullException.ThrowIfNull(templates);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(school);
        ArgumentNullException.ThrowIfNull(counselorNames);
        return templates.Render(template, recipient.Language, new SmsTemplateModel
        {
            GuardianName = recipient.GuardianName,
            StudentNames = recipient.Students.Select(s => s.Name).Distinct(StringComparer.Ordinal).ToList(),
            SchoolName = school.Name,
            CounselorName = counselorNames.GetValueOrDefault(recipient.Students[0].CounselorId, ""),
            Link = link,
        });
    }
}
