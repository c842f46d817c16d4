using System.Text.Json;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.Core.WhatsApp;
using Microsoft.Extensions.DependencyInjection;

namespace BkOutreach.Tests.WhatsApp;

/// <summary>
/// Booking by reply over WhatsApp (the slot offer as the approved template with quick replies, or free text
/// inside the window, SMS otherwise), answers on the channel the parent wrote on, and the facts of booking
/// messages with the channel that carried them — against the fake Advanced Messaging server.
/// </summary>
public sealed class SlotOfferAndAnswersTests
{
    [Fact]
    public async Task SlotOffer_GoesAsTheTemplate_TimesInOrder_QuickReplies123_AndAButtonTapBooksTheSecond()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (schoolId, _, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        var campaign = await ReplyBookingCampaignAsync(app, schoolId);
        var guardian = guardians[0];

        await WhatsAppHarness.SendAsync(app, campaign, guardians);

        var offerKey = SendLog.KeyOf(schoolId, campaign.Id, 0, guardian.Id) + ":slots";
        var offer = Assert.Single(harness.WhatsApp.Deliveries, d => d.TemplateName == "bk_slot_offer_id");
        Assert.Equal(guardian.Phone, offer.To);
        Assert.Equal(AdvancedMessagingSender.RepeatabilityIdOf(offerKey), offer.RepeatabilityRequestId);
        Assert.Equal(["quickReply:1", "quickReply:2", "quickReply:3"], offer.Buttons);
        Assert.Equal(3, offer.BodyValues.Count);
        var record = await app.GetRequiredService<WhatsAppDeliveryStore>().GetAsync(offerKey, CancellationToken.None);
        Assert.Contains($"1) {offer.BodyValues[0]} 2) {offer.BodyValues[1]} 3) {offer.BodyValues[2]}", record!.SmsBody, StringComparison.Ordinal);
        Assert.Empty(harness.Sms.Attempts);

        // The parent taps the second quick reply of the template: WhatsApp sends its payload.
        var offered = await OfferedSlotsAsync(app, guardian.Phone);
        var tap = await WhatsAppHarness.PostEventsAsync(app, ButtonEvent(Guid.NewGuid().ToString(), guardian.Phone, "Pilih jadwal 2", "2"));
        Assert.Equal(1, tap.Processed);
        var booking = Assert.Single(await app.GetRequiredService<BookingStore>().ListAsync(schoolId, "bk-1", CancellationToken.None), b => b.Status == BookingStatus.Confirmed);
        Assert.Equal(offered[1], booking.SlotId);
        Assert.Equal(ParticipationChannel.WhatsApp, booking.BookedVia);

        // The confirmation goes by its template; its facts say WhatsApp, and later that it was delivered.
        Assert.Equal(HandleOutcome.Done, await app.GetRequiredService<BookingEventHandler>().HandleAsync(booking.Id, CancellationToken.None));
        var confirmation = Assert.Single(harness.WhatsApp.Deliveries, d => d.TemplateName == "bk_confirmation_id");
        await WhatsAppHarness.PostEventsAsync(app, harness.WhatsApp.StatusEvent(confirmation, "delivered"));
        await WhatsAppHarness.PostEventsAsync(app, harness.WhatsApp.StatusEvent(offer, "read"));

        var facts = await app.GetRequiredService<ParticipationLog>().ListAsync(schoolId, CancellationToken.None);
        var messageFacts = facts.Where(f => f.Event.Wave is null && f.Event.Kind is ParticipationKind.WhatsAppSent or ParticipationKind.WhatsAppDelivered or ParticipationKind.WhatsAppRead or ParticipationKind.SmsSent)
            .Select(f => (f.Event.Kind, f.Event.Value, f.Event.Channel, f.Event.CampaignId))
            .Order()
            .ToList();
        Assert.Equal(
            new[]
            {
                (ParticipationKind.WhatsAppSent, (string?)"booking_confirmation", ParticipationChannel.WhatsApp, (string?)null),
                (ParticipationKind.WhatsAppSent, "slot_offer", ParticipationChannel.WhatsApp, null),
                (ParticipationKind.WhatsAppDelivered, "booking_confirmation", ParticipationChannel.WhatsApp, null),
                (ParticipationKind.WhatsAppDelivered, "slot_offer", ParticipationChannel.WhatsApp, null),
                (ParticipationKind.WhatsAppRead, "slot_offer", ParticipationChannel.WhatsApp, null),
            }.Order(),
            messageFacts);
        Assert.All(facts.Where(f => f.Event.Value == "booking_confirmation"), f => Assert.Equal((guardian.Id, "bk-1", "2026/2027 Genap"), (f.Event.GuardianId, f.Event.CounselorId, f.Event.Term)));

        // The dashboard counts the guardian once: by the wave, not again by the offer or the confirmation.
        var model = (await app.GetRequiredService<DashboardService>().BuildAsync(schoolId, CancellationToken.None)).Value!;
        var funnel = Assert.Single(model.Campaigns, c => c.CampaignId == campaign.Id);
        Assert.Equal((1, 1), (funnel.Sent, funnel.Booked));
        var channel = Assert.Single(model.Channels);
        Assert.Equal(("whatsapp", 0, 1), (channel.Channel, channel.Wave, channel.Sent));
    }

    [Fact]
    public async Task OlderApiVersion_SendsTheSlotOfferTemplateWithoutButtons_ItsTextAsksForATypedReply()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync(apiVersion: "2023-08-24-preview");
        var (schoolId, _, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        var campaign = await ReplyBookingCampaignAsync(app, schoolId);

        await WhatsAppHarness.SendAsync(app, campaign, guardians);

        var offer = Assert.Single(harness.WhatsApp.Deliveries, d => d.TemplateName == "bk_slot_offer_id");
        Assert.Empty(offer.Buttons);
        Assert.Equal(3, offer.BodyValues.Count);
        var record = await app.GetRequiredService<WhatsAppDeliveryStore>().GetAsync(SendLog.KeyOf(schoolId, campaign.Id, 0, guardians[0].Id) + ":slots", CancellationToken.None);
        Assert.StartsWith("Jadwal temu BK, balas 1, 2 atau 3: ", record!.SmsBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reminder_ByWhatsApp_ItsFactsSayWhatsApp_AndItsSmsFallbackSaysFallbackReminder()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (schoolId, _, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        var campaign = await ReplyBookingCampaignAsync(app, schoolId);
        await WhatsAppHarness.SendAsync(app, campaign, guardians);
        await WhatsAppHarness.PostEventsAsync(app, TextEvent(Guid.NewGuid().ToString(), guardians[0].Phone, "1"));
        var booking = Assert.Single(await app.GetRequiredService<BookingStore>().ListAsync(schoolId, "bk-1", CancellationToken.None));
        await app.GetRequiredService<BookingEventHandler>().HandleAsync(booking.Id, CancellationToken.None);

        // A day before the meeting the 24-hour reminder is due; WhatsApp takes it but never reports delivery.
        harness.Clock.Advance(booking.Start.AddHours(-24).AddMinutes(1) - harness.Clock.GetUtcNow());
        var run = await app.GetRequiredService<FollowUps>().SendDueRemindersAsync(CancellationToken.None);
        Assert.Equal(1, run.Sent);
        Assert.Single(harness.WhatsApp.Deliveries, d => d.TemplateName == "bk_reminder_id");

        // The fallback timer, hour by hour (its SMS waits for the school's sending hours if the deadline falls outside them).
        harness.Clock.Advance(TimeSpan.FromMinutes(241));
        for (var hour = 0; hour < 16 && !harness.Sms.Delivered.Any(m => m.IdempotencyKey.StartsWith("reminder:", StringComparison.Ordinal)); hour++)
        {
            await WhatsAppHarness.SweepAsync(app);
            harness.Clock.Advance(TimeSpan.FromHours(1));
        }

        var facts = await app.GetRequiredService<ParticipationLog>().ListAsync(schoolId, CancellationToken.None);
        var reminded = Assert.Single(facts, f => f.Event.Kind == ParticipationKind.Reminded);
        Assert.Equal(ParticipationChannel.WhatsApp, reminded.Event.Channel);
        var sent = Assert.Single(facts, f => f.Event.Value == "reminder");
        Assert.Equal((ParticipationKind.WhatsAppSent, ParticipationChannel.WhatsApp), (sent.Event.Kind, sent.Event.Channel));
        var fallback = Assert.Single(facts, f => f.Event.Value == "fallback:reminder");
        Assert.Equal((ParticipationKind.SmsSent, ParticipationChannel.Sms, (string?)null, (int?)null), (fallback.Event.Kind, fallback.Event.Channel, fallback.Event.CampaignId, fallback.Event.Wave));
        Assert.Single(harness.Sms.Delivered, m => m.IdempotencyKey.StartsWith("reminder:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutATemplateForTheLanguage_TheOfferGoesBySms_AndTheReofferAnswersAWhatsAppReplyAsFreeText()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (schoolId, _, _) = await WhatsAppHarness.SeedAsync(app, 0);
        var campaign = await ReplyBookingCampaignAsync(app, schoolId);
        var directory = app.GetRequiredService<SchoolDirectory>();
        var (late, _) = await directory.UpsertGuardianAsync(schoolId, "+6281377700001", "Parent One", "en", [new Student("E1", "Student One", "X IPA 1", "bk-1")], CancellationToken.None);
        var (early, _) = await directory.UpsertGuardianAsync(schoolId, "+6281377700002", "Parent Two", "en", [new Student("E2", "Student Two", "X IPA 1", "bk-1")], CancellationToken.None);

        await WhatsAppHarness.SendAsync(app, campaign, [late, early]);

        // No slot_offer template in English and the window is closed: the offers go by SMS.
        Assert.Equal(2, harness.WhatsApp.Deliveries.Count(d => d.TemplateName == "bk_outreach_en"));
        Assert.DoesNotContain(harness.WhatsApp.Deliveries, d => d.TemplateName == "bk_slot_offer_id");
        Assert.Equal([late.Phone, early.Phone], harness.Sms.Delivered.Where(m => m.IdempotencyKey.EndsWith(":slots", StringComparison.Ordinal)).Select(m => m.To).Order());

        // The other parent takes slot 1 by SMS; this one answers 1 by WhatsApp and finds it taken.
        await WhatsAppHarness.PostEventsAsync(app, SmsEvent(Guid.NewGuid().ToString(), early.Phone, "1"));
        var reply = Guid.NewGuid().ToString();
        await WhatsAppHarness.PostEventsAsync(app, TextEvent(reply, late.Phone, "1"));

        var reoffer = Assert.Single(harness.WhatsApp.Deliveries, d => d.RepeatabilityRequestId == AdvancedMessagingSender.RepeatabilityIdOf($"slot-offer:{reply}"));
        Assert.Equal(("text", late.Phone), (reoffer.Kind, reoffer.To));
        Assert.StartsWith("BK meeting: reply 1, 2 or 3 to book: 1) ", reoffer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.Sms.Attempts, m => m.IdempotencyKey == $"slot-offer:{reply}");
        var booked = Assert.Single(await app.GetRequiredService<BookingStore>().ListAsync(schoolId, "bk-1", CancellationToken.None), b => b.Status == BookingStatus.Confirmed);
        Assert.Equal(early.Id, booked.GuardianId);
        Assert.DoesNotContain(booked.SlotId, await OfferedSlotsAsync(app, late.Phone));
    }

    [Fact]
    public async Task Answers_GoBackOnTheChannelTheParentWroteOn()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (_, _, guardians) = await WhatsAppHarness.SeedAsync(app, 3);
        var (byWhatsApp, bySms, chooser) = (guardians[0].Phone, guardians[1].Phone, guardians[2].Phone);

        var stopWa = Guid.NewGuid().ToString();
        var stopSms = Guid.NewGuid().ToString();
        var choose = Guid.NewGuid().ToString();
        await WhatsAppHarness.PostEventsAsync(app, TextEvent(stopWa, byWhatsApp, "BERHENTI"));
        await WhatsAppHarness.PostEventsAsync(app, SmsEvent(stopSms, bySms, "STOP"));
        await WhatsAppHarness.PostEventsAsync(app, TextEvent(choose, chooser, "SMS"));

        // BERHENTI by WhatsApp: one confirmation, by WhatsApp free text (the window the message opened); none by SMS.
        var waConfirmation = Assert.Single(harness.WhatsApp.Deliveries, d => d.To == byWhatsApp);
        Assert.Equal(("text", AdvancedMessagingSender.RepeatabilityIdOf($"opt-out-confirmation:{stopWa}")), (waConfirmation.Kind, waConfirmation.RepeatabilityRequestId));
        Assert.DoesNotContain(harness.Sms.Attempts, m => m.To == byWhatsApp);

        // STOP by SMS: the confirmation by SMS.
        Assert.Equal($"opt-out-confirmation:{stopSms}", Assert.Single(harness.Sms.Attempts, m => m.To == bySms).IdempotencyKey);
        Assert.DoesNotContain(harness.WhatsApp.Deliveries, d => d.To == bySms);

        // "SMS" written by WhatsApp: the choice is SMS from now on, but this answer goes where the parent wrote.
        var chosen = Assert.Single(harness.WhatsApp.Deliveries, d => d.To == chooser);
        Assert.Equal("text", chosen.Kind);
        Assert.Contains("Pesan guru BK kini dikirim lewat SMS", chosen.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.Sms.Attempts, m => m.To == chooser);
    }

    private static async Task<BkOutreach.Core.Outreach.Campaign> ReplyBookingCampaignAsync(IServiceProvider app, string schoolId) =>
        await app.GetRequiredService<CampaignStore>().CreateAsync(schoolId, new CampaignDefinition
        {
            Name = "Balas untuk pesan",
            Term = "2026/2027 Genap",
            Waves = [new CampaignWave("outreach", "2027-01-11")],
            BookingWindow = new DateWindow("2027-01-11", "2027-01-31"),
            SmsReplyBooking = true,
        }, CancellationToken.None);

    private static async Task<List<string>> OfferedSlotsAsync(IServiceProvider app, string phone)
    {
        var offer = await app.GetRequiredService<StorageAccount>().Table(StorageNames.RepliesTable)
            .GetEntityAsync<Azure.Data.Tables.TableEntity>("slot-offer", phone, cancellationToken: CancellationToken.None);
        return JsonSerializer.Deserialize<List<string>>(offer.Value.GetString("Slots")!, StorageJson.Options)!;
    }

    private static string Received(string id, string from, object data) => JsonSerializer.Serialize(new[]
    {
        new
        {
            id,
            subject = $"advancedMessage/sender/{from.TrimStart('+')}/recipient/channel",
            data,
            eventType = "Microsoft.Communication.AdvancedMessageReceived",
            dataVersion = "1.0",
            eventTime = WhatsAppHarness.SchoolMorning.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        },
    });

    private static string TextEvent(string id, string from, string content) => Received(id, from, new
    {
        messageId = Guid.NewGuid().ToString(),
        content,
        channelType = "whatsapp",
        messageType = "text",
        from = from.TrimStart('+'),
        to = "channel",
        receivedTimestamp = WhatsAppHarness.SchoolMorning.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <summary>A tap on a template's quick-reply button, as Event Grid delivers it: <c>messageType</c> button with its text and payload.</summary>
    private static string ButtonEvent(string id, string from, string text, string payload) => Received(id, from, new
    {
        messageId = Guid.NewGuid().ToString(),
        channelType = "whatsapp",
        messageType = "button",
        button = new { text, payload },
        from = from.TrimStart('+'),
        to = "channel",
        receivedTimestamp = WhatsAppHarness.SchoolMorning.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    });

    private static string SmsEvent(string id, string from, string message) => JsonSerializer.Serialize(new[]
    {
        new { id, eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "m-" + id, from, to = "+15550001111", message } },
    });
}
