using BkOutreach.Core.Sms;

namespace BkOutreach.Core.Outreach;

/// <summary>Any SMS template that exists in Bahasa Indonesia may open a campaign.</summary>
public sealed class SmsCampaignTemplates(SmsTemplates templates) : ICampaignTemplates
{
    public IReadOnlyCollection<string> CampaignTemplates =>
        [.. templates.Available.Where(t => t.Language == SmsTemplates.DefaultLanguage).Select(t => t.Template).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
