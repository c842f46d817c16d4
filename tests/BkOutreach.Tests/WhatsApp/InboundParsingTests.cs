using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;

namespace BkOutreach.Tests.WhatsApp;

/// <summary>Reading <c>AdvancedMessageReceived</c> as the Event Grid docs show it: text, buttons, lists, media, and the reply words.</summary>
public sealed class InboundParsingTests
{
    private static string Event(string data, string typeProperty = "eventType") => $$"""
        [{
          "id": "3e1c0d7a-5d4b-4d2e-9a51-0c8a1b7f2e10",
          "topic": "/subscriptions/x/resourcegroups/rg/providers/microsoft.communication/communicationservices/bk",
          "subject": "advancedMessage/sender/6281299990001/recipient/7a0c5f12-93d4-4c6e-8d7b-2f1e0a9b3c45",
          "data": {{data}},
          "{{typeProperty}}": "Microsoft.Communication.AdvancedMessageReceived",
          "dataVersion": "1.0",
          "metadataVersion": "1",
          "eventTime": "2027-01-11T02:00:03.1921716Z"
        }]
        """;

    private static AdvancedMessageReceived Parse(string data, string typeProperty = "eventType") =>
        Assert.IsType<AdvancedMessageReceived>(Assert.Single(AcsEvents.Parse(Event(data, typeProperty))));

    [Fact]
    public void TextMessage_GivesTheContent_TheSenderInE164_AndTheTime()
    {
        var received = Parse("""
            { "messageId": "b5f0c3a2-1111-4c6e-8d7b-2f1e0a9b3c45", "content": "BERHENTI", "channelType": "whatsapp", "messageType": "text",
              "from": "6281299990001", "to": "7a0c5f12-93d4-4c6e-8d7b-2f1e0a9b3c45", "receivedTimestamp": "2027-01-11T02:00:00+00:00" }
            """);

        Assert.Equal("+6281299990001", received.From);
        Assert.Equal("7a0c5f12-93d4-4c6e-8d7b-2f1e0a9b3c45", received.To);
        Assert.Equal("BERHENTI", received.Text);
        Assert.True(received.IsWhatsApp);
        Assert.Equal(new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero), received.ReceivedAt);
        Assert.Equal("b5f0c3a2-1111-4c6e-8d7b-2f1e0a9b3c45", received.MessageId);
        var inbound = received.ToInbound();
        Assert.Equal(MessageChannel.WhatsApp, inbound.Channel);
        Assert.Equal(SmsKeyword.OptOut, inbound.Keyword);
        Assert.Equal(received.Id, inbound.EventId);
    }

    [Fact]
    public void MessageWithoutMessageId_AsTheDocsExampleShows_UsesTheEventId()
    {
        var received = Parse("""{ "content": "Hello", "channelType": "whatsapp", "messageType": "text", "from": "6281299990001", "to": "c", "receivedTimestamp": "2027-01-11T02:00:00+00:00" }""");

        Assert.Equal("3e1c0d7a-5d4b-4d2e-9a51-0c8a1b7f2e10", received.MessageId);
    }

    [Fact]
    public void InteractiveButtonReply_GivesOurButtonId_NotItsTitle()
    {
        var received = Parse("""
            { "channelType": "whatsapp", "messageType": "interactive", "context": { "from": "15550001111", "id": "sent-1" },
              "interactive": { "type": "buttonReply", "buttonReply": { "id": "1", "title": "Sen 11 Jan 09.00" } },
              "from": "6281299990001", "to": "c", "receivedTimestamp": "2027-01-11T02:00:00+00:00" }
            """);

        Assert.Equal("1", received.Text);
    }

    [Fact]
    public void InteractiveReplyWithoutId_FallsBackToTheTitle()
    {
        var received = Parse("""
            { "channelType": "whatsapp", "messageType": "interactive",
              "interactive": { "type": "listReply", "listReply": { "id": "", "title": "WA", "description": "WhatsApp" } },
              "from": "6281299990001", "to": "c", "receivedTimestamp": "2027-01-11T02:00:00+00:00" }
            """);

        Assert.Equal("WA", received.Text);
        Assert.Equal(SmsKeyword.UseWhatsApp, received.ToInbound().Keyword);
    }

    [Fact]
    public void TemplateQuickReplyButton_GivesThePayload_ElseTheButtonText()
    {
        var withPayload = Parse("""
            { "channelType": "whatsapp", "messageType": "button", "button": { "text": "Berhenti menerima pesan", "payload": "BERHENTI" },
              "from": "6281299990001", "to": "c", "receivedTimestamp": "2027-01-11T02:00:00+00:00" }
            """);
        var withoutPayload = Parse("""
            { "channelType": "whatsapp", "messageType": "button", "button": { "text": "MULAI" },
              "from": "6281299990001", "to": "c", "receivedTimestamp": "2027-01-11T02:00:00+00:00" }
            """);

        Assert.Equal(SmsKeyword.OptOut, withPayload.ToInbound().Keyword);
        Assert.Equal(SmsKeyword.OptIn, withoutPayload.ToInbound().Keyword);
    }

    [Fact]
    public void MediaWithCaption_GivesTheCaption_AStickerGivesNoText()
    {
        var photo = Parse("""
            { "channelType": "whatsapp", "messageType": "image", "media": { "mimeType": "image/jpeg", "id": "m1", "caption": "Surat izin anak saya" },
              "from": "6281299990001", "to": "c", "receivedTimestamp": "2027-01-11T02:00:00+00:00" }
            """);
        var sticker = Parse("""
            { "channelType": "whatsapp", "messageType": "sticker", "media": { "mimeType": "image/webp", "id": "m2", "animated": false },
              "from": "6281299990001", "to": "c", "receivedTimestamp": "2027-01-11T02:00:00+00:00" }
            """);

        Assert.Equal("Surat izin anak saya", photo.Text);
        Assert.Equal("", sticker.Text);
    }

    [Fact]
    public void CloudEventsSchema_AndOtherCasing_AreReadToo()
    {
        var received = Parse(
            """{ "Content": "wa", "ChannelType": "WhatsApp", "MessageType": "text", "From": "+6281299990001", "To": "c", "ReceivedTimestamp": "2027-01-11T02:00:00Z" }""",
            typeProperty: "type");

        Assert.Equal("+6281299990001", received.From);
        Assert.True(received.IsWhatsApp);
        Assert.Equal(SmsKeyword.UseWhatsApp, received.ToInbound().Keyword);
    }

    [Theory]
    [InlineData("SMS", SmsKeyword.UseSms)]
    [InlineData(" sms. ", SmsKeyword.UseSms)]
    [InlineData("WA", SmsKeyword.UseWhatsApp)]
    [InlineData("wa!", SmsKeyword.UseWhatsApp)]
    [InlineData("WhatsApp", SmsKeyword.UseWhatsApp)]
    [InlineData("lewat WA saja", SmsKeyword.Other)]
    [InlineData("SMS saja", SmsKeyword.Other)]
    [InlineData("berhenti", SmsKeyword.OptOut)]
    [InlineData("Mulai", SmsKeyword.OptIn)]
    public void ChannelWords_AreKeywordsOnlyAlone(string text, SmsKeyword expected) =>
        Assert.Equal(expected, SmsKeywords.Classify(text));
}
