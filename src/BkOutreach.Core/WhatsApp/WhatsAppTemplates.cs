using System.Text;
using BkOutreach.Core.Sms;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.WhatsApp;

/// <summary>A message rendered for WhatsApp: the template to send (null when none is configured for it) and the text the parent reads.</summary>
public sealed record WhatsAppRendering(WhatsAppTemplateContent? Template, string Preview);

/// <summary>
/// Our message kinds as WhatsApp templates. Each approved template has the text of our SMS template file
/// (<c>templates/sms/{template}.{language}.liquid</c>) with every variable replaced by a numbered placeholder in
/// the order the variables first appear ({{1}}, {{2}}, …), and the buttons <see cref="Known"/> lists: its body
/// values are ours, in that order. WhatsApp's limits (Meta's template rules): the body is at most
/// <see cref="MaxBodyLength"/> characters, a text parameter of a template that has buttons at most
/// <see cref="MaxParameterLength"/>, and a parameter may hold no new-line or tab and no more than four
/// consecutive spaces; a URL button's whole address is at most <see cref="MaxButtonUrlLength"/> characters.
/// </summary>
public sealed class WhatsAppTemplates(SmsTemplates sms, IOptions<WhatsAppOptions> options)
{
    public const int MaxBodyLength = 1024;
    public const int MaxParameterLength = 1024;
    public const int MaxButtonUrlLength = 2000;

    /// <summary>Our templates that may go by WhatsApp, and whether their approved template has the URL button "Pilih jadwal".</summary>
    public static readonly IReadOnlyDictionary<string, bool> Known = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        [SmsTemplates.Outreach] = true,
        [SmsTemplates.FollowUp] = true,
        [SmsTemplates.BookingConfirmation] = true,
        [SmsTemplates.Reminder] = true,
        [SmsTemplates.Cancellation] = true,
        [SmsTemplates.Feedback] = false,
        [Participation.SurveyTemplates.Barrier] = false,
        [Participation.SurveyTemplates.ChannelAndTime] = false,
    };

    /// <summary>
    /// Booking by reply's slot offer (<c>WhatsApp__Templates__slot_offer__{language}</c>). It has no SMS template
    /// file (<see cref="Booking.SmsReplyBooking"/> writes its text), so it is not in <see cref="Known"/>: its
    /// approved template has exactly <see cref="SlotOfferSlots"/> body values, the offered times in order
    /// ({{1}}, {{2}}, {{3}}), and three quick-reply buttons whose payloads are <c>1</c>, <c>2</c>, <c>3</c>.
    /// </summary>
    public const string SlotOffer = "slot_offer";

    public const int SlotOfferSlots = 3;

    /// <summary>Every template that may have a <c>WhatsApp__Templates__{template}__{language}</c> setting.</summary>
    public static IEnumerable<string> Configurable => Known.Keys.Append(SlotOffer);

    /// <summary>
    /// The WhatsApp form of a slot offer: the approved template with the slot times as values and quick replies
    /// 1/2/3 when one is configured for the language and three slots are offered (the template has three
    /// placeholders and three buttons); otherwise no template, and <paramref name="text"/> (which says "balas 1,
    /// 2 atau 3") goes as free text inside the 24-hour window, or by SMS.
    /// </summary>
    public WhatsAppRendering RenderSlotOffer(string language, IReadOnlyList<string> slots, string text)
    {
        ArgumentNullException.ThrowIfNull(slots);
        var name = options.Value.TemplateFor(SlotOffer, language);
        if (name is null || slots.Count != SlotOfferSlots)
        {
            return new WhatsAppRendering(null, text);
        }

        var replies = Enumerable.Range(1, slots.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return new WhatsAppRendering(new WhatsAppTemplateContent(name, language, [.. slots.Select(Clean)], new WhatsAppButtons(null, replies)), text);
    }

    /// <summary>
    /// The WhatsApp form of <paramref name="template"/>. <paramref name="quickReplies"/> are the payloads of
    /// the template's quick-reply buttons (e.g. 1, 2, 3 for booking by reply), when it was approved with them.
    /// </summary>
    public WhatsAppRendering Render(string template, string? language, SmsTemplateModel model, IReadOnlyList<string>? quickReplies = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rendered = sms.RenderValues(template, language, model, MaxBodyLength, Clean);
        var name = Known.ContainsKey(template) ? options.Value.TemplateFor(template, rendered.Language) : null;
        if (name is null)
        {
            return new WhatsAppRendering(null, rendered.Text);
        }

        var suffix = Known[template] && model.Link.Length is > 0 and <= MaxButtonUrlLength ? LinkSuffix(model.Link) : null;
        var buttons = suffix is null && quickReplies is not { Count: > 0 } ? null : new WhatsAppButtons(suffix, quickReplies ?? []);
        return new WhatsAppRendering(new WhatsAppTemplateContent(name, rendered.Language, rendered.Values, buttons), rendered.Text);
    }

    /// <summary>A parameter as WhatsApp accepts it: one line, no tabs, single spaces, at most <see cref="MaxParameterLength"/> characters.</summary>
    public static string Clean(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var ch in value)
        {
            var c = char.IsWhiteSpace(ch) ? ' ' : ch;
            if (c == ' ' && (text.Length == 0 || text[^1] == ' '))
            {
                continue;
            }

            text.Append(c);
        }

        var cleaned = text.ToString().TrimEnd();
        return cleaned.Length <= MaxParameterLength ? cleaned : cleaned[..MaxParameterLength];
    }

    /// <summary>The dynamic part of the URL button: the approved button's address is <c>{Links__BaseUrl}/api/b/{{1}}</c>.</summary>
    private static string LinkSuffix(string link) => link[(link.LastIndexOf('/') + 1)..];
}
