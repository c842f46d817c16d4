using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.Core.WhatsApp;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.WhatsApp;

/// <summary>
/// WhatsApp replies through <c>POST /api/events/acs</c> (<c>AdvancedMessageReceived</c> as Event Grid sends
/// it) do what SMS replies do, with the channel on every fact: opt-out of both channels, booking by reply,
/// survey answers, and the SMS / WA channel choice.
/// </summary>
public sealed class InboundWhatsAppTests : IAsyncLifetime
{
    // Monday 2027-01-11 09:00 WIB: inside the sending window, the campaign's first wave is due.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private const string Header = "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n";
    private const string ChannelId = "7a0c5f12-93d4-4c6e-8d7b-2f1e0a9b3c45";

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Clock });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task WhatsAppBerhenti_OptsOutOfBothChannels_AndTheNextSmsWaveSkipsThem()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Header +
            "W1,Siswa Satu,X IPA 1,Wali Satu,081299990001,id,bk-1\n" +
            "W2,Siswa Dua,X IPA 1,Wali Dua,081299990002,id,bk-1\n");
        var directory = _runner.Services.GetRequiredService<SchoolDirectory>();
        var stopped = (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281299990001", CancellationToken.None))!;
        var other = (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281299990002", CancellationToken.None))!;

        var eventId = Guid.NewGuid().ToString();
        var first = await WhatsAppAsync(TextEvent(eventId, "6281299990001", "Berhenti."));
        var again = await WhatsAppAsync(TextEvent(eventId, "6281299990001", "Berhenti."));

        Assert.Equal(1, first.GetProperty("processed").GetInt32());
        Assert.Equal(1, again.GetProperty("repeated").GetInt32());
        Assert.True(await _runner.Services.GetRequiredService<OptOutStore>().IsOptedOutAsync("+6281299990001", CancellationToken.None));
        var confirmation = Assert.Single(await OutboxAsync(m => m.GetProperty("idempotencyKey").GetString() == $"opt-out-confirmation:{eventId}"));
        Assert.Equal("+6281299990001", confirmation.GetProperty("to").GetString());
        Assert.Contains("WhatsApp", confirmation.GetProperty("body").GetString()!, StringComparison.Ordinal);
        var facts = await _runner.Services.GetRequiredService<ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None);
        var optedOut = Assert.Single(facts, f => f.Event.Kind == ParticipationKind.OptedOut);
        Assert.Equal(ParticipationChannel.WhatsApp, optedOut.Event.Channel);
        Assert.Equal(stopped.Id, optedOut.Event.GuardianId);

        // Choosing a channel while opted out keeps the choice but sends nothing (it is no opt-in).
        var choice = Guid.NewGuid().ToString();
        await WhatsAppAsync(TextEvent(choice, "6281299990001", "SMS"));
        Assert.Equal(MessageChannel.Sms, (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281299990001", CancellationToken.None))!.Channel);
        Assert.Empty(await OutboxAsync(m => m.GetProperty("idempotencyKey").GetString() == $"channel-confirmation:{choice}"));

        // The next SMS campaign: the guardian who wrote BERHENTI on WhatsApp gets no SMS either.
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        var sendLog = _runner.Services.GetRequiredService<SendLog>();
        var skipped = await Poll.UntilAsync(() => sendLog.GetAsync(journey.SchoolId, campaign, 0, stopped.Id, CancellationToken.None), r => r is not null);
        var sent = await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count > 0);
        Assert.Equal(SendState.SkippedOptedOut, skipped!.State);
        Assert.Equal(["+6281299990002"], sent.Select(m => m.GetProperty("to").GetString()));
        Assert.NotEqual(SendState.SkippedOptedOut, (await sendLog.GetAsync(journey.SchoolId, campaign, 0, other.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task WhatsAppMessage_OpensTheFreeTextWindowFor24Hours()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Header + "W1,Siswa Satu,X IPA 1,Wali Satu,081299990011,id,bk-1\n");
        var window = _runner.Services.GetRequiredService<WhatsAppWindow>();
        Assert.False(await window.IsOpenAsync("+6281299990011", Clock, CancellationToken.None));

        await WhatsAppAsync(TextEvent(Guid.NewGuid().ToString(), "6281299990011", "Selamat pagi, Bu. Anak saya sakit hari ini.", Clock));
        await WhatsAppAsync(TextEvent(Guid.NewGuid().ToString(), "6281299990011", "Pesan lama yang datang terlambat", Clock.AddHours(-5)));

        Assert.True(await window.IsOpenAsync("+6281299990011", Clock.AddHours(23), CancellationToken.None));
        Assert.False(await window.IsOpenAsync("+6281299990011", Clock.AddHours(24), CancellationToken.None));
        Assert.False(await window.IsOpenAsync("+6281299990012", Clock, CancellationToken.None));
        // A message that is no keyword goes to the counsellor's inbox, marked as come by WhatsApp.
        var guardian = await _runner.Services.GetRequiredService<BkOutreach.Core.Schools.SchoolDirectory>().FindGuardianByPhoneAsync(journey.SchoolId, "+6281299990011", CancellationToken.None);
        var thread = await _runner.Services.GetRequiredService<BkOutreach.Core.Staff.ParentMessages>().OpenAsync(journey.SchoolId, "bk-1", guardian!.Id, CancellationToken.None);
        Assert.Contains(thread!.Messages, m => m.Text == "Selamat pagi, Bu. Anak saya sakit hari ini." && m.Channel == BkOutreach.Core.Schools.MessageChannel.WhatsApp);
    }

    [Fact]
    public async Task WhatsAppReply1_BooksTheFirstOfferedSlot_AndTheBookingSaysWhatsApp()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Header +
            "R1,Siswa Satu,X IPA 1,Wali Satu,081299990021,id,bk-1\n" +
            "R2,Siswa Dua,X IPA 1,Wali Dua,081299990022,id,bk-1\n");
        var campaign = await journey.DispatchReplyBookingCampaignAsync();
        await Poll.UntilAsync(() => OutboxAsync(m => m.GetProperty("idempotencyKey").GetString()!.EndsWith(":slots", StringComparison.Ordinal)), l => l.Count >= 2);
        var offered = await OfferedSlotsAsync("+6281299990021");

        // A quick-reply button: our id "1" counts, not the date in its title.
        var button = await WhatsAppAsync($$"""
            [{ "id": "{{Guid.NewGuid()}}", "subject": "advancedMessage/sender/6281299990021/recipient/{{ChannelId}}",
               "data": { "channelType": "whatsapp", "messageType": "interactive",
                         "interactive": { "type": "buttonReply", "buttonReply": { "id": "1", "title": "Sen 11 Jan 2027 13.00" } },
                         "from": "6281299990021", "to": "{{ChannelId}}", "receivedTimestamp": "2027-01-11T02:00:00+00:00" },
               "eventType": "Microsoft.Communication.AdvancedMessageReceived", "dataVersion": "1.0", "metadataVersion": "1", "eventTime": "2027-01-11T02:00:01Z" }]
            """);

        Assert.Equal(1, button.GetProperty("processed").GetInt32());
        var bookings = await Poll.UntilAsync(
            async () => (await _runner.Services.GetRequiredService<BookingStore>().ListAsync(journey.SchoolId, "bk-1", CancellationToken.None)).Where(b => b.Status == BookingStatus.Confirmed).ToList(),
            l => l.Count > 0);
        var booking = Assert.Single(bookings);
        Assert.Equal(offered[0], booking.SlotId);
        Assert.Equal(ParticipationChannel.WhatsApp, booking.BookedVia);
        await Poll.UntilAsync(
            () => OutboxAsync(m => m.GetProperty("to").GetString() == "+6281299990021" && m.GetProperty("idempotencyKey").GetString()!.EndsWith(":booking_confirmation", StringComparison.Ordinal)),
            l => l.Count > 0);
        var booked = await Poll.UntilAsync(
            async () => (await _runner.Services.GetRequiredService<ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None)).Where(f => f.Event.Kind == ParticipationKind.Booked).ToList(),
            l => l.Count > 0);
        Assert.Equal(ParticipationChannel.WhatsApp, Assert.Single(booked).Event.Channel);
    }

    [Fact]
    public async Task TemplateQuickReply2_ThroughTheWebhook_BooksTheSecondOfferedSlot_OfferAndConfirmationByWhatsApp()
    {
        // WhatsApp on, into the local outbox: the slot offer goes as the slot_offer template.
        await using var runner = await TestRunner.StartAsync(
            configure: v =>
            {
                v["WhatsApp:ChannelRegistrationId"] = ChannelId;
                v["WhatsApp:Templates:outreach:id"] = "bk_outreach_id";
                v["WhatsApp:Templates:slot_offer:id"] = "bk_slot_offer_id";
                v["WhatsApp:Templates:booking_confirmation:id"] = "bk_confirmation_id";
            },
            settings: new RunnerSettings { Clock = Clock });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Header + "Q1,Siswa Satu,X IPA 1,Wali Satu,081299990061,id,bk-1\n");
        var campaign = await journey.DispatchReplyBookingCampaignAsync();
        async Task<List<JsonElement>> Outbox(Func<JsonElement, bool> where) =>
            [.. (await runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray().Where(where)];
        var offer = Assert.Single(await Poll.UntilAsync(() => Outbox(m => m.GetProperty("idempotencyKey").GetString()!.EndsWith(":slots", StringComparison.Ordinal)), l => l.Count > 0));
        Assert.Equal(("whatsapp", "bk_slot_offer_id"), (offer.GetProperty("channel").GetString(), offer.GetProperty("tag").GetString()));
        var offer2 = await runner.Services.GetRequiredService<StorageAccount>().Table(StorageNames.RepliesTable)
            .GetEntityAsync<Azure.Data.Tables.TableEntity>("slot-offer", "+6281299990061", cancellationToken: CancellationToken.None);
        var offered = JsonSerializer.Deserialize<List<string>>(offer2.Value.GetString("Slots")!, StorageJson.Options)!;

        // A tap on the template's second quick-reply button: messageType button, our payload "2".
        var response = await runner.Admin.PostAsync("api/events/acs", new StringContent($$"""
            [{ "id": "{{Guid.NewGuid()}}", "subject": "advancedMessage/sender/6281299990061/recipient/{{ChannelId}}",
               "data": { "messageId": "{{Guid.NewGuid()}}", "channelType": "whatsapp", "messageType": "button",
                         "button": { "text": "Pilihan 2", "payload": "2" },
                         "from": "6281299990061", "to": "{{ChannelId}}", "receivedTimestamp": "2027-01-11T02:00:00+00:00" },
               "eventType": "Microsoft.Communication.AdvancedMessageReceived", "dataVersion": "1.0", "metadataVersion": "1", "eventTime": "2027-01-11T02:00:01Z" }]
            """, Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processed").GetInt32());
        var booking = Assert.Single(await Poll.UntilAsync(
            async () => (await runner.Services.GetRequiredService<BookingStore>().ListAsync(journey.SchoolId, "bk-1", CancellationToken.None)).Where(b => b.Status == BookingStatus.Confirmed).ToList(),
            l => l.Count > 0));
        Assert.Equal(offered[1], booking.SlotId);
        var confirmation = Assert.Single(await Poll.UntilAsync(
            () => Outbox(m => m.GetProperty("idempotencyKey").GetString()!.EndsWith(":booking_confirmation", StringComparison.Ordinal)),
            l => l.Count > 0));
        Assert.Equal(("whatsapp", "bk_confirmation_id"), (confirmation.GetProperty("channel").GetString(), confirmation.GetProperty("tag").GetString()));
    }

    [Fact]
    public async Task SurveyAnswerByWhatsApp_IsRecordedWithChannelWhatsApp()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Header + "V1,Siswa Satu,X IPA 1,Wali Satu,081299990031,id,bk-1\n");
        var created = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/campaigns", OutreachJourney.Json(new
        {
            name = "Survei hambatan",
            term = "2026/2027 Genap",
            template = "outreach",
            waves = new object[] { new { kind = "survey_barrier", sendOn = "2027-01-11" } },
            bookingWindow = new { from = "2027-01-11", to = "2027-02-14" },
        }));
        var campaign = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await journey.DispatchAsync(campaign);
        await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count >= 1);

        var reply = await WhatsAppAsync(TextEvent(Guid.NewGuid().ToString(), "6281299990031", "2, kurang paham peran BK"));

        Assert.Equal(1, reply.GetProperty("processed").GetInt32());
        var facts = await _runner.Services.GetRequiredService<ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None);
        var answer = Assert.Single(facts, f => f.Event.Kind == ParticipationKind.SurveyAnswer);
        Assert.Equal(ParticipationChannel.WhatsApp, answer.Event.Channel);
        Assert.Equal("barrier=2", answer.Event.Value);
        var (header, rows) = Participation.ParticipationTestKit.Parse(await _runner.Admin.GetStringAsync($"api/admin/schools/{journey.SchoolId}/participation-events.csv"));
        var exported = Assert.Single(rows, r => r[Array.IndexOf(header, "kind")] == "survey_answer");
        Assert.Equal("whatsapp", exported[Array.IndexOf(header, "channel")]);
    }

    [Fact]
    public async Task RepliesWaAndSms_SwitchTheChannelInEverySchoolOfTheNumber_WithOneConfirmationEach()
    {
        var first = new OutreachJourney(_runner);
        var second = new OutreachJourney(_runner);
        await first.CreateSchoolAsync();
        await second.CreateSchoolAsync();
        await first.ImportAsync(Header + "K1,Siswa Satu,X IPA 1,Wali Satu,081299990041,id,bk-1\n");
        await second.ImportAsync(Header + "K2,Adik Satu,VII A,Wali Satu,081299990041,id,bk-2\n");

        var wa = Guid.NewGuid().ToString();
        var bySms = await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(new[]
        {
            new { id = wa, eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "m-wa", from = "+6281299990041", to = "+18005550100", message = " wa " } },
        }));
        Assert.Equal(1, (await bySms.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processed").GetInt32());
        var afterWa = await GuardiansAsync("+6281299990041", first.SchoolId, second.SchoolId);
        var waConfirmation = Assert.Single(await OutboxAsync(m => m.GetProperty("idempotencyKey").GetString() == $"channel-confirmation:{wa}"));

        var sms = Guid.NewGuid().ToString();
        await WhatsAppAsync(TextEvent(sms, "6281299990041", "SMS"));
        var afterSms = await GuardiansAsync("+6281299990041", first.SchoolId, second.SchoolId);
        var smsConfirmation = Assert.Single(await OutboxAsync(m => m.GetProperty("idempotencyKey").GetString() == $"channel-confirmation:{sms}"));

        Assert.All(afterWa, g => Assert.Equal(MessageChannel.WhatsApp, g.Channel));
        Assert.All(afterWa, g => Assert.NotNull(g.ChannelChosenAt));
        Assert.All(afterSms, g => Assert.Equal(MessageChannel.Sms, g.Channel));
        Assert.StartsWith("Pesan guru BK kini dikirim lewat WhatsApp", waConfirmation.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("Pesan guru BK kini dikirim lewat SMS", smsConfirmation.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal("+6281299990041", smsConfirmation.GetProperty("to").GetString());
    }

    [Fact]
    public async Task ReplyWa_FromANumberOfOneSchool_NamesTheSchool_AndAnUnknownNumberGetsNothing()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Header + "K1,Siswa Satu,X IPA 1,Wali Satu,081299990051,en,bk-1\n");
        var known = Guid.NewGuid().ToString();
        var unknown = Guid.NewGuid().ToString();

        await WhatsAppAsync(TextEvent(known, "6281299990051", "WhatsApp"));
        var stranger = await WhatsAppAsync(TextEvent(unknown, "6281299990059", "WA"));

        var guardian = (await GuardiansAsync("+6281299990051", journey.SchoolId)).Single();
        Assert.Equal(MessageChannel.WhatsApp, guardian.Channel);
        var confirmation = Assert.Single(await OutboxAsync(m => m.GetProperty("idempotencyKey").GetString() == $"channel-confirmation:{known}"));
        Assert.StartsWith("MA Uji Coba: Messages from the BK counsellor now come by WhatsApp", confirmation.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, stranger.GetProperty("processed").GetInt32());
        Assert.Empty(await OutboxAsync(m => m.GetProperty("idempotencyKey").GetString() == $"channel-confirmation:{unknown}"));
    }

    private static string TextEvent(string id, string from, string content, DateTimeOffset? at = null) =>
        JsonSerializer.Serialize(new[]
        {
            new
            {
                id,
                topic = "/subscriptions/x/resourcegroups/rg/providers/microsoft.communication/communicationservices/bk",
                subject = $"advancedMessage/sender/{from}/recipient/{ChannelId}",
                data = new
                {
                    messageId = Guid.NewGuid().ToString(),
                    content,
                    channelType = "whatsapp",
                    messageType = "text",
                    from,
                    to = ChannelId,
                    receivedTimestamp = (at ?? Clock).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
                },
                eventType = "Microsoft.Communication.AdvancedMessageReceived",
                dataVersion = "1.0",
                metadataVersion = "1",
                eventTime = (at ?? Clock).AddSeconds(2).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            },
        });

    private async Task<JsonElement> WhatsAppAsync(string json)
    {
        var response = await _runner.Admin.PostAsync("api/events/acs", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<List<JsonElement>> OutboxAsync(Func<JsonElement, bool> where) =>
        [.. (await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray().Where(where)];

    private async Task<List<Guardian>> GuardiansAsync(string phone, params string[] schools)
    {
        var directory = _runner.Services.GetRequiredService<SchoolDirectory>();
        var guardians = new List<Guardian>();
        foreach (var school in schools)
        {
            guardians.Add((await directory.FindGuardianByPhoneAsync(school, phone, CancellationToken.None))!);
        }

        return guardians;
    }

    private async Task<List<string>> OfferedSlotsAsync(string phone)
    {
        var offer = await _runner.Services.GetRequiredService<StorageAccount>().Table(StorageNames.RepliesTable)
            .GetEntityAsync<Azure.Data.Tables.TableEntity>("slot-offer", phone, cancellationToken: CancellationToken.None);
        return JsonSerializer.Deserialize<List<string>>(offer.Value.GetString("Slots")!, StorageJson.Options)!;
    }
}
