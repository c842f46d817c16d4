using System.Text.Json;
using BkOutreach.Core.Sms;

namespace BkOutreach.Tests.Sms;

public sealed class AcsEventsTests
{
    [Fact]
    public void Parse_ValidationEvent_GivesCodeAndTheHandshakeBody()
    {
        const string Json = """
            [{
              "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
              "topic": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/CommunicationServices/bk",
              "subject": "",
              "data": { "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", "validationUrl": "https://rp-eastus2.eventgrid.azure.net/..." },
              "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
              "eventTime": "2027-01-11T02:00:00.0000000Z",
              "metadataVersion": "1",
              "dataVersion": "2"
            }]
            """;

        var validation = Assert.IsType<SubscriptionValidation>(Assert.Single(AcsEvents.Parse(Json)));

        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", validation.ValidationCode);
        using var body = JsonDocument.Parse(AcsEvents.ValidationResponse(validation.ValidationCode));
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", body.RootElement.GetProperty("validationResponse").GetString());
    }

    [Fact]
    public void Parse_DeliveryReport_GivesStatusDetailsAttemptsAndTag()
    {
        const string Json = """
            [{
              "id": "evt-1",
              "eventType": "Microsoft.Communication.SMSDeliveryReportReceived",
              "data": {
                "MessageId": "Outgoing_20270111020000_abc",
                "From": "15550001111",
                "To": "+6281234567890",
                "DeliveryStatus": "Delivered",
                "DeliveryStatusDetails": "No error.",
                "DeliveryAttempts": [{ "Timestamp": "2027-01-11T02:00:05Z", "SegmentsSucceeded": 2, "SegmentsFailed": 0 }],
                "ReceivedTimestamp": "2027-01-11T02:00:06.5Z",
                "Tag": "camp-1/w1"
              }
            },
            {
              "id": "evt-2",
              "eventType": "microsoft.communication.smsdeliveryreportreceived",
              "data": { "messageId": "m2", "from": "+15550001111", "to": "6281311112222", "deliveryStatus": "Failed", "deliveryStatusDetails": "Number blocked", "receivedTimestamp": "2027-01-11T02:01:00Z" }
            }]
            """;

        var events = AcsEvents.Parse(Json);

        var delivered = Assert.IsType<SmsDeliveryReport>(events[0]);
        Assert.True(delivered.IsDelivered);
        Assert.Equal("Outgoing_20270111020000_abc", delivered.MessageId);
        Assert.Equal("+15550001111", delivered.From);
        Assert.Equal("+6281234567890", delivered.To);
        Assert.Equal("camp-1/w1", delivered.Tag);
        Assert.Equal(new DeliveryAttempt(new DateTimeOffset(2027, 1, 11, 2, 0, 5, TimeSpan.Zero), 2, 0), Assert.Single(delivered.Attempts));
        Assert.Equal(new DateTimeOffset(2027, 1, 11, 2, 0, 6, 500, TimeSpan.Zero), delivered.ReceivedAt);
        var failed = Assert.IsType<SmsDeliveryReport>(events[1]);
        Assert.False(failed.IsDelivered);
        Assert.Equal("+6281311112222", failed.To);
        Assert.Equal("Number blocked", failed.DeliveryStatusDetails);
        Assert.Empty(failed.Attempts);
    }

    [Fact]
    public void Parse_SmsReceived_AsCloudEvent_GivesMessageAndKeyword()
    {
        const string Json = """
            {
              "specversion": "1.0",
              "id": "evt-3",
              "type": "Microsoft.Communication.SMSReceived",
              "source": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/CommunicationServices/bk",
              "data": { "messageId": "Incoming_1", "from": "6281234567890", "to": "15550001111", "message": " Berhenti. ", "receivedTimestamp": "2027-01-11T03:00:00Z" }
            }
            """;

        var received = Assert.IsType<SmsReceived>(Assert.Single(AcsEvents.Parse(Json)));

        Assert.Equal("evt-3", received.Id);
        Assert.Equal("+6281234567890", received.From);
        Assert.Equal("+15550001111", received.To);
        Assert.Equal(SmsKeyword.OptOut, received.Keyword);
    }

    [Theory]
    [InlineData("6281234560009", "+6281234560009")]
    [InlineData("+6281234560009", "+6281234560009")]
    [InlineData("081234560009", "+6281234560009")]
    [InlineData(" 0812-3456-0009 ", "+6281234560009")]
    [InlineData("15550001111", "+15550001111")]
    [InlineData("+081234560009", "")]
    [InlineData("0000", "")]
    [InlineData("+62 812#34", "")]
    [InlineData("BKSEKOLAH", "")]
    [InlineData("", "")]
    public void NormalizeNumber_ReadsTrunkPrefixAsTheRosterDoes_AndNeverGivesPlusZero(string sent, string expected) =>
        Assert.Equal(expected, AcsEvents.NormalizeNumber(sent));

    [Fact]
    public void Parse_OtherEventType_IsKeptAsOther()
    {
        var other = Assert.IsType<OtherAcsEvent>(Assert.Single(AcsEvents.Parse("""[{"id":"e","eventType":"Microsoft.Communication.ChatMessageReceived","data":{}}]""")));

        Assert.Equal("Microsoft.Communication.ChatMessageReceived", other.EventType);
    }

    [Theory]
    [InlineData("""[{"eventType":"Microsoft.Communication.SMSReceived","data":{"messageId":"m1","from":"+6281234560009","message":"STOP"}}]""")]
    [InlineData("""[{"id":"e1","eventType":"Microsoft.Communication.SMSReceived","data":{}},{"id":" ","eventType":"Microsoft.Communication.SMSReceived","data":{}}]""")]
    [InlineData("""{"specversion":"1.0","id":null,"type":"Microsoft.Communication.SMSReceived","data":{}}""")]
    public void Parse_EventWithoutId_IsRefused_NotDeduplicatedAgainstTheEmptyId(string json) =>
        Assert.Contains("has no id", Assert.Throws<FormatException>(() => AcsEvents.Parse(json)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("not json")]
    [InlineData("42")]
    [InlineData("[1]")]
    public void Parse_Garbage_ThrowsFormatException(string json) => Assert.Throws<FormatException>(() => AcsEvents.Parse(json));
}
