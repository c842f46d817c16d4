using System.Globalization;
using System.Text.Json;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Sms;

/// <summary>
/// One event of an Event Grid delivery to <c>POST /api/events/acs</c>. <see cref="Id"/> is never empty: it is
/// how a redelivery is recognised and the idempotency key of what the event sets off, so
/// <see cref="AcsEvents.Parse"/> refuses an event without one.
/// </summary>
public abstract record AcsEvent(string Id);

/// <summary>Event Grid asks the endpoint to prove it wants the subscription: answer <see cref="AcsEvents.ValidationResponse"/>.</summary>
public sealed record SubscriptionValidation(string Id, string ValidationCode) : AcsEvent(Id);

/// <summary>One attempt of the carrier to deliver a message.</summary>
public sealed record DeliveryAttempt(DateTimeOffset? Timestamp, int SegmentsSucceeded, int SegmentsFailed);

/// <summary>
/// <c>Microsoft.Communication.SMSDeliveryReportReceived</c>. <see cref="DeliveryStatus"/> is ACS's word
/// ("Delivered", "Failed", …); <see cref="IsDelivered"/> says whether it reached the phone.
/// </summary>
public sealed record SmsDeliveryReport(
    string Id,
    string MessageId,
    string From,
    string To,
    string DeliveryStatus,
    string? DeliveryStatusDetails,
    string? Tag,
    DateTimeOffset? ReceivedAt,
    IReadOnlyList<DeliveryAttempt> Attempts) : AcsEvent(Id)
{
    public bool IsDelivered => DeliveryStatus.Equals("Delivered", StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>Microsoft.Communication.SMSReceived</c>: a reply from a phone.</summary>
public sealed record SmsReceived(string Id, string MessageId, string From, string To, string Message, DateTimeOffset? ReceivedAt) : AcsEvent(Id)
{
    public SmsKeyword Keyword => SmsKeywords.Classify(Message);

    public InboundMessage ToInbound() => new(Id, MessageId, From, Message, ReceivedAt, MessageChannel.Sms);
}

/// <summary>
/// <c>Microsoft.Communication.AdvancedMessageReceived</c>: a WhatsApp message to the school's business
/// number. <see cref="From"/> is the parent's number (ACS sends digits without '+'; given here in E.164),
/// <see cref="To"/> the channel registration id. <see cref="Text"/> is what the message answers, in this
/// order: the id of an interactive reply (button or list item), the payload of a template's quick-reply
/// button, the text content, a media caption; each falling back to the title/text shown when the id or
/// payload is empty. Ids and payloads are ours (set when sending), so a send that wants a reply word
/// ("1", "BERHENTI") puts that word there. A sticker, a reaction or a photo without caption has no text.
/// </summary>
public sealed record AdvancedMessageReceived(
    string Id,
    string MessageId,
    string From,
    string To,
    string ChannelType,
    string MessageType,
    string Text,
    DateTimeOffset? ReceivedAt) : AcsEvent(Id)
{
    /// <summary>The only channel type Advanced Messaging has today.</summary>
    public bool IsWhatsApp => ChannelType.Equals("whatsapp", StringComparison.OrdinalIgnoreCase);

    public InboundMessage ToInbound() => new(Id, MessageId, From, Text, ReceivedAt, MessageChannel.WhatsApp);
}

/// <summary>
/// A parent's message by SMS or WhatsApp, as inbound handling reads it: one path for both channels.
/// <see cref="EventId"/> is the Event Grid event id (the idempotency key of what the message sets off),
/// <see cref="MessageId"/> the provider's message id (for logs).
/// </summary>
public sealed record InboundMessage(string EventId, string MessageId, string From, string Text, DateTimeOffset? ReceivedAt, MessageChannel Channel)
{
    public SmsKeyword Keyword => SmsKeywords.Classify(Text);
}

/// <summary>
/// <c>Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated</c>: WhatsApp's word on a message we sent
/// (<see cref="Status"/>: <c>sent</c>, <c>delivered</c>, <c>read</c> or <c>failed</c>, lower-cased), with the
/// channel's error when it failed. <see cref="From"/> is the channel registration id, not a number.
/// </summary>
public sealed record AdvancedMessageDeliveryStatus(
    string Id,
    string MessageId,
    string Status,
    string From,
    string To,
    string? ChannelType,
    string? ErrorCode,
    string? ErrorMessage,
    DateTimeOffset? ReceivedAt) : AcsEvent(Id);

/// <summary>Any other event type; kept so the caller can acknowledge it without failing the delivery.</summary>
public sealed record OtherAcsEvent(string Id, string EventType) : AcsEvent(Id);

/// <summary>
/// Parses Event Grid deliveries (Event Grid schema: an array of events with <c>eventType</c>; CloudEvents:
/// one event or an array with <c>type</c>). Property names are matched case-insensitively, since casing
/// differs between sources, and phone numbers are returned in E.164 with '+' even when sent without it
/// (<see cref="NormalizeNumber"/>; "" for one that cannot be a phone number).
/// </summary>
public static class AcsEvents
{
    public const string ValidationHeader = "aeg-event-type";
    public const string ValidationHeaderValue = "SubscriptionValidation";
    public const string ValidationEventType = "Microsoft.EventGrid.SubscriptionValidationEvent";
    public const string DeliveryReportEventType = "Microsoft.Communication.SMSDeliveryReportReceived";
    public const string ReceivedEventType = "Microsoft.Communication.SMSReceived";
    public const string AdvancedMessageDeliveryStatusEventType = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";
    public const string AdvancedMessageReceivedEventType = "Microsoft.Communication.AdvancedMessageReceived";

    /// <summary>The body that completes the validation handshake (status 200).</summary>
    public static string ValidationResponse(string validationCode) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["validationResponse"] = validationCode });

    /// <exception cref="FormatException">The body is not JSON of events.</exception>
    public static IReadOnlyList<AcsEvent> Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            // Where it breaks, not the parser's own words (they are about its internals).
            throw new FormatException($"The Event Grid body is not JSON (line {ex.LineNumber + 1 ?? 1}, byte {ex.BytePositionInLine + 1 ?? 1}).", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            return root.ValueKind switch
            {
                JsonValueKind.Array => [.. root.EnumerateArray().Select((e, i) => ParseEvent(e, i))],
                JsonValueKind.Object => [ParseEvent(root, 0)],
                _ => throw new FormatException("The Event Grid body must be an event or an array of events."),
            };
        }
    }

    /// <summary>
    /// A number of an event in E.164 with '+', or "" when it cannot be one (the caller ignores the event). ACS
    /// writes E.164 with or without the '+' (WhatsApp leaves it off: <c>6281…</c>); a number written with the
    /// trunk prefix (<c>0812…</c>) is Indonesian and read as the roster reads it
    /// (<see cref="Outreach.PhoneNumberNormalizer"/>), so it matches the guardian's number. A country code never
    /// starts with 0, so no answer is <c>+0…</c>.
    /// </summary>
    public static string NormalizeNumber(string? number)
    {
        var trimmed = (number ?? "").Trim();
        if (trimmed.StartsWith('0'))
        {
            return Outreach.PhoneNumberNormalizer.Normalize(trimmed).E164 ?? "";
        }

        var digits = trimmed.StartsWith('+') ? trimmed.AsSpan(1) : trimmed.AsSpan();
        return digits.Length is >= 8 and <= 15 && digits[0] != '0' && digits.IndexOfAnyExceptInRange('0', '9') < 0
            ? "+" + digits.ToString()
            : "";
    }

    private static AcsEvent ParseEvent(JsonElement e, int index)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("An Event Grid event must be a JSON object.");
        }

        // Event Grid and CloudEvents always give one. Without it a redelivery cannot be told from a new event,
        // and events without one would all share the same keys (once de-duplicated against each other as "").
        var id = String(e, "id") is { } given && !string.IsNullOrWhiteSpace(given)
            ? given
            : throw new FormatException($"Event {index + 1} has no id; every Event Grid event carries one.");
        var type = String(e, "eventType") ?? String(e, "type") ?? "";
        var data = Property(e, "data") is { ValueKind: JsonValueKind.Object } d ? d : default;
        if (type.Equals(ValidationEventType, StringComparison.OrdinalIgnoreCase))
        {
            return new SubscriptionValidation(id, String(data, "validationCode") ?? throw new FormatException("The validation event has no validationCode."));
        }

        if (type.Equals(DeliveryReportEventType, StringComparison.OrdinalIgnoreCase))
        {
            var attempts = Property(data, "deliveryAttempts") is { ValueKind: JsonValueKind.Array } list
                ? list.EnumerateArray().Select(a => new DeliveryAttempt(Time(a, "timestamp"), Int(a, "segmentsSucceeded"), Int(a, "segmentsFailed"))).ToList()
                : [];
            return new SmsDeliveryReport(
                id,
                String(data, "messageId") ?? "",
                NormalizeNumber(String(data, "from")),
                NormalizeNumber(String(data, "to")),
                String(data, "deliveryStatus") ?? "",
                String(data, "deliveryStatusDetails"),
                String(data, "tag"),
                Time(data, "receivedTimestamp"),
                attempts);
        }

        if (type.Equals(ReceivedEventType, StringComparison.OrdinalIgnoreCase))
        {
            return new SmsReceived(
                id,
                String(data, "messageId") ?? "",
                NormalizeNumber(String(data, "from")),
                NormalizeNumber(String(data, "to")),
                String(data, "message") ?? "",
                Time(data, "receivedTimestamp"));
        }

        if (type.Equals(AdvancedMessageDeliveryStatusEventType, StringComparison.OrdinalIgnoreCase))
        {
            return ParseAdvancedMessageDeliveryStatus(id, data);
        }

        if (type.Equals(AdvancedMessageReceivedEventType, StringComparison.OrdinalIgnoreCase))
        {
            return ParseAdvancedMessageReceived(id, data);
        }

        return new OtherAcsEvent(id, type);
    }

    private static AdvancedMessageDeliveryStatus ParseAdvancedMessageDeliveryStatus(string id, JsonElement data)
    {
        var error = Property(data, "error") is { ValueKind: JsonValueKind.Object } e ? e : default;
        return new AdvancedMessageDeliveryStatus(
            id,
            String(data, "messageId") ?? "",
            (String(data, "status") ?? "").Trim().ToLowerInvariant(),
            String(data, "from") ?? "",
            NormalizeNumber(String(data, "to")),
            String(data, "channelType"),
            String(error, "channelCode") ?? String(error, "code"),
            String(error, "channelMessage") ?? String(error, "message"),
            Time(data, "receivedTimestamp"));
    }

    private static AdvancedMessageReceived ParseAdvancedMessageReceived(string id, JsonElement data)
    {
        static string? Answer(JsonElement? reply, string key, string shown) =>
            reply is { ValueKind: JsonValueKind.Object } r ? NonEmpty(String(r, key)) ?? NonEmpty(String(r, shown)) : null;

        var interactive = Property(data, "interactive");
        var text = (interactive is { ValueKind: JsonValueKind.Object } i ? Answer(Property(i, "buttonReply"), "id", "title") ?? Answer(Property(i, "listReply"), "id", "title") : null)
            ?? Answer(Property(data, "button"), "payload", "text")
            ?? NonEmpty(String(data, "content"))
            ?? (Property(data, "media") is { ValueKind: JsonValueKind.Object } media ? NonEmpty(String(media, "caption")) : null)
            ?? "";
        return new AdvancedMessageReceived(
            id,
            NonEmpty(String(data, "messageId")) ?? id,
            NormalizeNumber(String(data, "from")),
            String(data, "to") ?? "",
            String(data, "channelType") ?? "",
            String(data, "messageType") ?? "",
            text,
            Time(data, "receivedTimestamp"));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string? String(JsonElement element, string name) => Property(element, name) switch
    {
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        { ValueKind: JsonValueKind.Number } v => v.GetRawText(),
        _ => null,
    };

    private static int Int(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var n) ? n : 0;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        DateTimeOffset.TryParse(String(element, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
