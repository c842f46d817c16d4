using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Privacy;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Sms.Acs;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// ACS Advanced Messaging (WhatsApp) over its REST API, <c>POST {endpoint}/messages/notifications:send</c>, on
/// the same Azure.Core pipeline, authentication and retry policy as <see cref="AcsSmsSender"/>. One recipient
/// per request, because repeatability is per request here: the headers <c>Repeatability-Request-ID</c>
/// (derived from the idempotency key) and <c>Repeatability-First-Sent</c> (the first attempt's time) make a
/// retried POST (by the pipeline on 429/5xx, honouring Retry-After, or by the queue after a crash) answer
/// with the first result instead of sending again.
/// </summary>
public sealed partial class AdvancedMessagingSender : IWhatsAppSender
{
    private const string RepeatabilityRequestIdHeader = "Repeatability-Request-ID";
    private const string RepeatabilityFirstSentHeader = "Repeatability-First-Sent";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly string _channelRegistrationId;
    private readonly string _apiVersion;
    private readonly bool _buttons;
    private readonly ILogger<AdvancedMessagingSender> _logger;

    public AdvancedMessagingSender(AcsSmsOptions acs, WhatsAppOptions options, TimeProvider time, ILogger<AdvancedMessagingSender> logger, AcsSmsClientOptions? clientOptions = null, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(acs);
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _channelRegistrationId = options.ChannelRegistrationId ?? throw new ArgumentException("WhatsApp__ChannelRegistrationId is required.", nameof(options));
        _apiVersion = options.ApiVersion;
        _buttons = options.SendsButtons;

        HttpPipelinePolicy authentication;
        if (!string.IsNullOrWhiteSpace(acs.ConnectionString))
        {
            var parsed = AcsConnectionString.Parse(acs.ConnectionString);
            _endpoint = parsed.Endpoint;
            authentication = new AcsHmacAuthenticationPolicy(parsed.AccessKey, time);
        }
        else if (Uri.TryCreate(acs.Endpoint, UriKind.Absolute, out var endpoint))
        {
            _endpoint = endpoint;
            authentication = new BearerTokenAuthenticationPolicy(credential ?? new DefaultAzureCredential(), AcsSmsSender.TokenScope);
        }
        else
        {
            throw new ArgumentException("Sms__Acs__ConnectionString or Sms__Acs__Endpoint is required for WhatsApp.", nameof(acs));
        }

        _pipeline = HttpPipelineBuilder.Build(clientOptions ?? new AcsSmsClientOptions(), [], [authentication], new ResponseClassifier());
    }

    public async Task<WhatsAppSendResult> SendAsync(WhatsAppMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var http = _pipeline.CreateMessage();
        var request = http.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath("/messages/notifications:send", escape: false);
        request.Uri.AppendQuery("api-version", _apiVersion, escapeValue: true);
        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
        request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        request.Headers.SetValue(RepeatabilityRequestIdHeader, RepeatabilityIdOf(message.IdempotencyKey));
        request.Headers.SetValue(RepeatabilityFirstSentHeader, message.FirstAttemptAt.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture));
        request.Content = RequestContent.Create(WriteBody(message));

        try
        {
            await _pipeline.SendAsync(http, cancellationToken);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            LogTransportFailure(_logger, ex.Message);
            return new WhatsAppSendResult(SmsSendStatus.Transient, null, $"ACS unreachable: {ex.Message}");
        }

        var response = http.Response;
        if (response.Status is 200 or 202)
        {
            var receipt = ReadReceipt(response, message.To);
            if (receipt is null)
            {
                return new WhatsAppSendResult(SmsSendStatus.Transient, null, $"ACS answered {response.Status} without a receipt for the recipient.");
            }

            var masked = Mask.Phone(message.To);
            LogSent(_logger, masked, receipt);
            return new WhatsAppSendResult(SmsSendStatus.Accepted, receipt, null);
        }

        var (code, text) = Sms.Acs.AcsSmsSender.ReadError(response);
        var described = $"ACS Advanced Messaging answered {response.Status} {response.ReasonPhrase}: {code ?? "no code"}: {text}";
        LogRefused(_logger, Mask.Phone(message.To), response.Status, code ?? "", text);
        if (response.Status is 401 or 403)
        {
            throw new AcsSmsException(response.Status, code, described
                + ". Check Sms__Acs__ConnectionString (or the managed identity's role) and that WhatsApp__ChannelRegistrationId belongs to this resource.");
        }

        var status = response.Status is 408 or 429 or >= 500 ? SmsSendStatus.Transient : SmsSendStatus.Rejected;
        return new WhatsAppSendResult(status, null, described);
    }

    /// <summary>The request's repeatability id: a UUID derived from the key, in its own namespace so it never equals the SMS one.</summary>
    public static string RepeatabilityIdOf(string idempotencyKey) => RepeatabilityId.For("whatsapp:" + idempotencyKey);

    private BinaryData WriteBody(WhatsAppMessage message)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("channelRegistrationId", _channelRegistrationId);
            json.WriteStartArray("to");
            json.WriteStringValue(message.To);
            json.WriteEndArray();
            if (message.Template is { } template)
            {
                json.WriteString("kind", "template");
                WriteTemplate(json, template);
            }
            else
            {
                json.WriteString("kind", "text");
                json.WriteString("content", message.Text ?? message.Preview);
            }

            json.WriteEndObject();
        }

        return new BinaryData(buffer.ToArray());
    }

    /// <summary>Body values are named <c>body1</c>, <c>body2</c>, … and bound in that order; buttons only where the API version has them.</summary>
    private void WriteTemplate(Utf8JsonWriter json, WhatsAppTemplateContent template)
    {
        var buttons = _buttons ? template.Buttons : null;
        json.WriteStartObject("template");
        json.WriteString("name", template.Name);
        json.WriteString("language", template.Language);
        json.WriteStartArray("values");
        for (var i = 0; i < template.BodyValues.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString("kind", "text");
            json.WriteString("name", BodyName(i));
            json.WriteString("text", template.BodyValues[i]);
            json.WriteEndObject();
        }

        if (buttons?.UrlSuffix is { } suffix)
        {
            json.WriteStartObject();
            json.WriteString("kind", "text");
            json.WriteString("name", "link");
            json.WriteString("text", suffix);
            json.WriteEndObject();
        }

        for (var i = 0; i < (buttons?.QuickReplies.Count ?? 0); i++)
        {
            json.WriteStartObject();
            json.WriteString("kind", "quickAction");
            json.WriteString("name", QuickReplyName(i));
            json.WriteString("text", buttons!.QuickReplies[i]);
            json.WriteString("payload", buttons.QuickReplies[i]);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("bindings");
        json.WriteString("kind", "whatsApp");
        json.WriteStartArray("body");
        for (var i = 0; i < template.BodyValues.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString("refValue", BodyName(i));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (buttons is not null && (buttons.UrlSuffix is not null || buttons.QuickReplies.Count > 0))
        {
            json.WriteStartArray("buttons");
            if (buttons.UrlSuffix is not null)
            {
                json.WriteStartObject();
                json.WriteString("subType", "url");
                json.WriteString("refValue", "link");
                json.WriteEndObject();
            }

            for (var i = 0; i < buttons.QuickReplies.Count; i++)
            {
                json.WriteStartObject();
                json.WriteString("subType", "quickReply");
                json.WriteString("refValue", QuickReplyName(i));
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string BodyName(int index) => "body" + (index + 1).ToString(CultureInfo.InvariantCulture);

    private static string QuickReplyName(int index) => "reply" + (index + 1).ToString(CultureInfo.InvariantCulture);

    private static string? ReadReceipt(Response response, string to)
    {
        try
        {
            var receipts = JsonSerializer.Deserialize<SendMessageResult>(response.Content.ToMemory().Span, Json)?.Receipts ?? [];
            var digits = to.TrimStart('+');
            return receipts.FirstOrDefault(r => r.To is not null && r.To.TrimStart('+') == digits)?.MessageId
                ?? (receipts.Count == 1 ? receipts[0].MessageId : null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WhatsApp message to {MaskedPhone} accepted as {MessageId}")]
    private static partial void LogSent(ILogger logger, string maskedPhone, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WhatsApp message to {MaskedPhone} not accepted: {Status} {ErrorCode}: {Error}")]
    private static partial void LogRefused(ILogger logger, string maskedPhone, int status, string errorCode, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WhatsApp request did not reach ACS: {Error}")]
    private static partial void LogTransportFailure(ILogger logger, string error);

    private sealed record SendMessageResult([property: JsonPropertyName("receipts")] IReadOnlyList<MessageReceipt>? Receipts);

    private sealed record MessageReceipt([property: JsonPropertyName("messageId")] string? MessageId, [property: JsonPropertyName("to")] string? To);
}
