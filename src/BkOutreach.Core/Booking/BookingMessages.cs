using BkOutreach.Core.Configuration;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using Microsoft.Extensions.Options;
using NodaTime;

namespace BkOutreach.Core.Booking;

/// <summary>
/// The message about one booking (confirmation, cancellation, reminder, feedback question), rendered from the
/// roster as it is now (the guardian read fresh: they may have been erased or changed their number; the
/// school, campaign and counsellor, which only shape the text and the link's expiry, as read within
/// <see cref="Storage.RecentReads.For"/>) and sent under a key and first-attempt time the caller keeps across retries, so a
/// repeat is answered by the provider as a repeat (ACS repeatability; the outbox keys its rows) and goes once.
/// It goes by the guardian's channel (WhatsApp first, SMS as the fallback) under that one key, with its
/// <see cref="WhatsApp.MessageFacts"/>: the participation log then records which channel carried it
/// (<c>wa_sent</c>/<c>sms_sent</c>, and later <c>wa_delivered</c>, <c>wa_read</c>, <c>wa_failed</c> or the SMS
/// fallback), valued with the template's name.
/// </summary>
public sealed class BookingMessages(
    SchoolDirectory directory,
    CampaignStore campaigns,
    LinkTokens links,
    SmsTemplates templates,
    WhatsApp.TwoChannelSender sender,
    IOptions<LinksOptions> linkOptions)
{
    /// <summary>Sends; null when there is nobody to send to any more (guardian erased, campaign or school gone).</summary>
    public async Task<SmsSendStatus?> SendAsync(Booking booking, string template, string idempotencyKey, DateTimeOffset firstAttemptAt, CancellationToken cancellationToken) =>
        (await SendViaAsync(booking, template, idempotencyKey, firstAttemptAt, cancellationToken))?.Status;

    /// <summary>Sends, and says by which channel; null when there is nobody to send to any more.</summary>
    public async Task<WhatsApp.ChannelSendResult?> SendViaAsync(Booking booking, string template, string idempotencyKey, DateTimeOffset firstAttemptAt, CancellationToken cancellationToken)
    {
        // The guardian fresh (whether they are still there, their number and channel); the rest as a link reads it.
        var schoolRead = directory.GetSchoolRecentAsync(booking.SchoolId, cancellationToken);
        var campaignRead = campaigns.GetRecentAsync(booking.SchoolId, booking.CampaignId, cancellationToken);
        var counselorsRead = directory.ListCounselorsRecentAsync(booking.SchoolId, cancellationToken);
        var guardianRead = directory.GetGuardianAsync(booking.SchoolId, booking.GuardianId, cancellationToken);
        await Task.WhenAll(schoolRead, campaignRead, counselorsRead, guardianRead);
        var (school, campaign, guardian) = (await schoolRead, await campaignRead, await guardianRead);
        if (school is null || guardian is null || campaign is null)
        {
            return null;
        }

        var counselor = (await counselorsRead).FirstOrDefault(c => string.Equals(c.Id, booking.CounselorId, StringComparison.Ordinal))?.Counselor;
        var zone = DateTimeZoneProviders.Tzdb[school.TimeZone];
        var token = await links.IssueAsync(booking.SchoolId, guardian.Id, campaign.Id, CampaignValidation.LinksExpireAt(campaign.Definition, zone), cancellationToken);
        var model = new SmsTemplateModel
        {
            GuardianName = guardian.Name,
            StudentNames = [.. guardian.Students.Where(s => booking.StudentIds.Contains(s.Id)).Select(s => s.Name)],
            SchoolName = school.Name,
            CounselorName = counselor?.Name ?? "",
            Link = LinkTokens.BookingUrl(linkOptions.Value.BaseUrl, token),
            MeetingTime = MeetingText.Format(Instant.FromDateTimeOffset(booking.Start).InZone(zone), guardian.Language),
            Mode = MeetingText.Mode(booking.Mode, guardian.Language),
            MeetingLink = booking.Mode == "online" ? counselor?.MeetingUrl ?? "" : "",
        };
        var text = templates.Render(template, guardian.Language, model).Text;
        var classes = booking.Classes.Count > 0
            ? booking.Classes
            : [.. guardian.Students.Where(s => s.CounselorId == booking.CounselorId).Select(s => s.Class).Distinct(StringComparer.Ordinal)];
        var facts = new WhatsApp.MessageFacts(booking.SchoolId, guardian.Id, campaign.Definition.Term, classes, booking.CounselorId, template);
        var result = await sender.SendAsync(
            [new WhatsApp.OutboundMessage(new SmsMessage(guardian.Phone, text, idempotencyKey, null, firstAttemptAt), guardian.Channel, template, guardian.Language, model, booking.SchoolId, Facts: facts)],
            cancellationToken);
        return result[0];
    }

    /// <summary>The guardian's phone, for keying the feedback question; null when erased.</summary>
    public async Task<string?> PhoneOfAsync(Booking booking, CancellationToken cancellationToken) =>
        (await directory.GetGuardianAsync(booking.SchoolId, booking.GuardianId, cancellationToken))?.Phone;
}
