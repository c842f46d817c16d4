using System.Text.Json;
using Azure.Data.Tables;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Booking;

/// <summary>
/// Booking by reply, for parents who cannot open links: when a campaign enables it, the outreach message is
/// followed by one offering the three nearest slots ("Balas 1, 2 atau 3"); the reply (typed, or a quick-reply
/// button whose payload is the digit) books that slot through the same atomic path as the page, and is
/// answered by the confirmation, or by the next three slots when the chosen one was taken meanwhile. The
/// offer goes like every other message, through <see cref="WhatsApp.TwoChannelSender"/> under one key:
/// WhatsApp first for a guardian on WhatsApp — the approved <c>slot_offer</c> template (values: the three
/// times; quick replies 1/2/3) when one is configured, else free text inside the 24-hour window — and SMS
/// otherwise or as the fallback. A re-offer answers the parent's reply on the channel it came by. The latest
/// offer per phone number is kept in the <c>replies</c> table.
/// </summary>
public sealed partial class SmsReplyBooking(
    BookingService booking,
    LinkTokens links,
    CampaignStore campaigns,
    SchoolDirectory directory,
    WhatsApp.TwoChannelSender sender,
    WhatsApp.WhatsAppTemplates whatsAppTemplates,
    SmsRateLimiter rateLimiter,
    StorageAccount storage,
    TimeProvider time,
    ILogger<SmsReplyBooking> logger)
{
    private const string OfferPartition = "slot-offer";
    private static readonly JsonSerializerOptions Json = StorageJson.Options;

    /// <summary>
    /// Sends the three nearest slots of the guardian's first counsellor; false when there are none.
    /// <paramref name="answerOn"/>: the channel of the parent's message this offer answers (a re-offer), which
    /// wins over the guardian's channel; null for the offer after a campaign message.
    /// </summary>
    public async Task<bool> OfferAsync(string schoolId, string campaignId, string guardianId, string idempotencyKey, CancellationToken cancellationToken, MessageChannel? answerOn = null)
    {
        var link = await OpenAsync(schoolId, campaignId, guardianId, cancellationToken);
        if (link is null)
        {
            return false;
        }

        var slots = (await booking.SlotsAsync(link, cancellationToken)).FirstOrDefault(c => c.Slots.Count > 0);
        if (slots is null)
        {
            return false;
        }

        var offered = slots.Slots.Take(WhatsApp.WhatsAppTemplates.SlotOfferSlots).ToList();
        var en = link.Guardian.Language == "en";
        var times = offered.Select(s => MeetingText.Format(s.Start, link.Guardian.Language)).ToList();
        var lines = times.Select((t, i) => $"{i + 1}) {t}");
        var text = (en ? "BK meeting: reply 1, 2 or 3 to book: " : "Jadwal temu BK, balas 1, 2 atau 3: ") + string.Join(" ", lines) + (en ? ". Stop: reply STOP" : ". Stop: balas BERHENTI");
        await storage.Table(StorageNames.RepliesTable).UpsertEntityAsync(
            new TableEntity(OfferPartition, link.Guardian.Phone)
            {
                ["SchoolId"] = schoolId,
                ["CampaignId"] = campaignId,
                ["GuardianId"] = guardianId,
                ["Slots"] = JsonSerializer.Serialize(offered.Select(s => s.Id.ToString()).ToList(), Json),
                ["At"] = time.GetUtcNow(),
            },
            TableUpdateMode.Replace,
            cancellationToken);
        var facts = new WhatsApp.MessageFacts(
            schoolId, guardianId, link.Campaign.Definition.Term,
            [.. slots.Students.Select(s => s.Class).Distinct(StringComparer.Ordinal)], slots.Counselor.Id, WhatsApp.WhatsAppTemplates.SlotOffer);
        var message = new WhatsApp.OutboundMessage(
            new SmsMessage(link.Guardian.Phone, text, idempotencyKey, null, time.GetUtcNow()),
            answerOn ?? link.Guardian.Channel,
            WhatsApp.WhatsAppTemplates.SlotOffer,
            link.Guardian.Language,
            new SmsTemplateModel(),
            schoolId,
            whatsAppTemplates.RenderSlotOffer(link.Guardian.Language, times, text),
            facts);
        await rateLimiter.AcquireAsync(1, cancellationToken);
        // A WhatsApp hiccup (429/5xx) leaves the offer's delivery record pending, and the fallback timer sends
        // the SMS at its deadline. An offer that went straight to SMS and was refused or not taken now has no
        // such record: it is said in the log (the parent can still book from the link of the message before).
        var result = (await sender.SendAsync([message], cancellationToken))[0];
        if (result.Status != SmsSendStatus.Accepted && result.Channel == Schools.MessageChannel.Sms)
        {
            LogOfferNotSent(logger, schoolId, campaignId, guardianId, result.Status, result.Error ?? "");
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The slot offer to guardian {GuardianId} of campaign {CampaignId} (school {SchoolId}) did not go by SMS: {Status} {Error}")]
    private static partial void LogOfferNotSent(ILogger logger, string schoolId, string campaignId, string guardianId, SmsSendStatus status, string error);

    /// <summary>
    /// Takes a "1", "2" or "3" reply to a recent offer, by SMS or WhatsApp (<paramref name="via"/> is where
    /// the booking says it came from); null when the message is not such a reply.
    /// </summary>
    public async Task<BookResult?> TakeReplyAsync(string from, string messageId, string message, Participation.ParticipationChannel via, CancellationToken cancellationToken)
    {
        var digits = message.Where(char.IsAsciiDigit).ToArray();
        if (digits.Length != 1 || digits[0] is < '1' or > '3')
        {
            return null;
        }

        var offer = await storage.Table(StorageNames.RepliesTable).GetEntityIfExistsAsync<TableEntity>(OfferPartition, from, cancellationToken: cancellationToken);
        if (!offer.HasValue || offer.Value!.GetDateTimeOffset("At") < time.GetUtcNow().AddDays(-14))
        {
            return null;
        }

        var feedback = await storage.Table(StorageNames.RepliesTable).GetEntityIfExistsAsync<TableEntity>("awaiting-feedback", from, cancellationToken: cancellationToken);
        if (feedback.HasValue && feedback.Value!.GetDateTimeOffset("At") > offer.Value.GetDateTimeOffset("At"))
        {
            return null; // the newer question was the feedback one
        }

        var row = offer.Value;
        var slotIds = JsonSerializer.Deserialize<List<string>>(row.GetString("Slots")!, Json)!;
        var index = digits[0] - '1';
        var link = await OpenAsync(row.GetString("SchoolId")!, row.GetString("CampaignId")!, row.GetString("GuardianId")!, cancellationToken);
        if (link is null || index >= slotIds.Count)
        {
            return null;
        }

        var result = await booking.BookAsync(link, slotIds[index], null, via, cancellationToken);
        if (result.Outcome is BookOutcome.SlotTaken or BookOutcome.NotBookable)
        {
            await OfferAsync(link.Grant.SchoolId, link.Grant.CampaignId, link.Guardian.Id, $"slot-offer:{messageId}", cancellationToken, via == Participation.ParticipationChannel.WhatsApp ? MessageChannel.WhatsApp : MessageChannel.Sms);
        }

        return result;
    }

    private async Task<LinkContext?> OpenAsync(string schoolId, string campaignId, string guardianId, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(schoolId, campaignId, cancellationToken);
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (campaign is null || school is null)
        {
            return null;
        }

        var token = await links.IssueAsync(schoolId, guardianId, campaignId, CampaignValidation.LinksExpireAt(campaign.Definition, DateTimeZoneProviders.Tzdb[school.TimeZone]), cancellationToken);
        return await booking.OpenAsync(token, cancellationToken);
    }
}
