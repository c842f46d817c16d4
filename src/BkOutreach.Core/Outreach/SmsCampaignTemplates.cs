using BkOutreach.Core.Sms;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// The campaign kinds that have a text in Bahasa Indonesia. Transactional templates (confirmation, reminder,
/// cancellation, feedback, the opt-out reply) exist too but are never a campaign's: they speak of a booking
/// or an opt-out the reader made.
/// </summary>
public sealed class SmsCampaignTemplates(SmsTemplates templates) : ICampaignTemplates
{
    public IReadOnlyCollection<string> CampaignTemplates =>
        [.. templates.Available
            .Where(t => t.Language == SmsTemplates.DefaultLanguage && CampaignValidation.CampaignKinds.Contains(t.Template, StringComparer.Ordinal))
            .Select(t => t.Template).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
