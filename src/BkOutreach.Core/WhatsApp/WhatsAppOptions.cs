using System.Globalization;
using System.Text.RegularExpressions;
using BkOutreach.Core.Configuration;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// Settings section <c>WhatsApp</c>. WhatsApp is on when <see cref="ChannelRegistrationId"/> is set (the ACS
/// channel of the school's WhatsApp Business number); it uses the same ACS resource and authentication as SMS
/// (<c>Sms__Acs__ConnectionString</c> or <c>Sms__Acs__Endpoint</c>), and with <c>Sms__Provider=Outbox</c> its
/// messages go to the local outbox as well.
/// </summary>
public sealed partial class WhatsAppOptions
{
    public const string Section = "WhatsApp";

    /// <summary>
    /// The newest stable Advanced Messaging version in Azure/azure-rest-api-specs
    /// (<c>specification/communication/data-plane/Messages/stable/2024-11-15</c>); 2024-08-30 works too.
    /// </summary>
    public const string DefaultApiVersion = "2024-11-15";

    /// <summary>Template button bindings (<c>bindings.buttons</c>, sub-types url and quickReply) are in every stable version from this one on.</summary>
    public const string FirstVersionWithButtons = "2024-02-01";

    public string? ChannelRegistrationId { get; set; }

    /// <summary><c>WhatsApp__Templates__{template}__{language}</c>: the approved WhatsApp template for one of ours.</summary>
    public Dictionary<string, Dictionary<string, string>> Templates { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A WhatsApp message not delivered within this many minutes goes by SMS.</summary>
    public int FallbackAfterMinutes { get; set; } = 240;

    public string ApiVersion { get; set; } = DefaultApiVersion;

    /// <summary>Send the templates' buttons (a URL button for the link); off when the approved templates have none.</summary>
    public bool Buttons { get; set; } = true;

    /// <summary>
    /// The outbox (no ACS) reports every WhatsApp message delivered at once, so a local demo does not fall back
    /// to SMS after <see cref="FallbackAfterMinutes"/>; set false to watch the fallback locally.
    /// </summary>
    public bool OutboxReportsDelivered { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(ChannelRegistrationId);

    public TimeSpan FallbackAfter => TimeSpan.FromMinutes(FallbackAfterMinutes);

    /// <summary>Whether this API version carries template buttons; older (preview) versions get plain body values.</summary>
    public bool SendsButtons => Buttons && string.CompareOrdinal(ApiVersion.Length >= 10 ? ApiVersion[..10] : ApiVersion, FirstVersionWithButtons) >= 0;

    /// <summary>The WhatsApp template name for our template in this language, or null when none is configured.</summary>
    public string? TemplateFor(string template, string language) =>
        Templates.TryGetValue(template, out var byLanguage) && byLanguage.TryGetValue(language, out var name) && !string.IsNullOrWhiteSpace(name) ? name.Trim() : null;

    [GeneratedRegex("^[a-z0-9_]{1,512}$", RegexOptions.CultureInvariant)]
    internal static partial Regex TemplateName();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(-preview)?$", RegexOptions.CultureInvariant)]
    internal static partial Regex ApiVersionFormat();
}

internal sealed class WhatsAppOptionsValidator : IValidateOptions<WhatsAppOptions>
{
    public ValidateOptionsResult Validate(string? name, WhatsAppOptions options)
    {
        var problems = new SettingsProblems();
        if (options.Enabled && !Guid.TryParse(options.ChannelRegistrationId, out _))
        {
            problems.Add("WhatsApp__ChannelRegistrationId", $"must be the channel's registration id (a GUID from the ACS portal), got '{options.ChannelRegistrationId}'.");
        }

        if (options.FallbackAfterMinutes is < 1 or > 10_080)
        {
            problems.Add("WhatsApp__FallbackAfterMinutes", $"must be between 1 and 10080 (a week), got {options.FallbackAfterMinutes.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (string.IsNullOrWhiteSpace(options.ApiVersion) || !WhatsAppOptions.ApiVersionFormat().IsMatch(options.ApiVersion))
        {
            problems.Add("WhatsApp__ApiVersion", $"must look like {WhatsAppOptions.DefaultApiVersion}, got '{options.ApiVersion}'.");
        }

        foreach (var (template, byLanguage) in options.Templates)
        {
            if (!WhatsAppTemplates.Configurable.Contains(template, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"WhatsApp__Templates__{template}", $"is not one of our templates ({string.Join(", ", WhatsAppTemplates.Configurable.Order(StringComparer.Ordinal))}).");
                continue;
            }

            foreach (var (language, templateName) in byLanguage)
            {
                if (language is not ("id" or "en"))
                {
                    problems.Add($"WhatsApp__Templates__{template}__{language}", "the language must be id or en.");
                }

                if (!WhatsAppOptions.TemplateName().IsMatch(templateName ?? ""))
                {
                    problems.Add($"WhatsApp__Templates__{template}__{language}", $"must be a WhatsApp template name (lower-case letters, digits and _), got '{templateName}'.");
                }
            }
        }

        if (options.Enabled && options.TemplateFor(Sms.SmsTemplates.Outreach, Sms.SmsTemplates.DefaultLanguage) is null)
        {
            problems.Add($"WhatsApp__Templates__{Sms.SmsTemplates.Outreach}__{Sms.SmsTemplates.DefaultLanguage}", "is required when WhatsApp__ChannelRegistrationId is set: outreach messages cannot start a WhatsApp conversation without an approved template.");
        }

        return problems.ToResult();
    }
}
