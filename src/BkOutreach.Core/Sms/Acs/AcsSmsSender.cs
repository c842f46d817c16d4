using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Privacy;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Sms.Acs;

/// <summary>
/// Azure Communication Services SMS over its REST API (<c>POST {endpoint}/sms?api-version=…</c>) on an
/// Azure.Core pipeline. Messages with the same body and tag share a request of at most 100 recipients.
/// Each recipient carries a repeatability id derived from its idempotency key and the time of the first
/// attempt under that key, so ACS answers a repeated key with the first outcome instead of sending again:
/// that is what makes retrying a POST (by the pipeline on 429/5xx, or by the queue after a crash) safe.
/// Authentication: the access key of <c>Sms__Acs__ConnectionString</c> (HMAC), or, when only
/// <c>Sms__Acs__Endpoint</c> is set, an Entra ID token (managed identity through DefaultAzureCredential).
/// </summary>
public sealed partial class AcsSmsSender : ISmsSender
{
    public const string TokenScope = "https://communication.azure.com//.default";
    private const int MaxRecipientsPerRequest = 100;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly string _from;
    private readonly string _apiVersion;
    private readonly string? _partner;
    private readonly string? _partnerApiKey;
    private readonly TimeProvider _time;
    private readonly ILogger<AcsSmsSender> _logger;

    public AcsSmsSender(AcsSmsOptions settings, TimeProvider time, ILogger<AcsSmsSender> logger, AcsSmsClientOptions? clientOptions = null, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _time = time;
        _logger = logger;
        _from = string.IsNullOrWhiteSpace(settings.From)
            ? throw new ArgumentException("Sms__Acs__From is required.", nameof(settings))
            : settings.From;
        _apiVersion = string.IsNullOrWhiteSpace(settings.ApiVersion) ? "2021-03-07" : settings.ApiVersion;
        _partner = string.IsNullOrWhiteSpace(settings.MessagingConnect.Partner) ? null : settings.MessagingConnect.Partner;
        _partnerApiKey = string.IsNullOrWhiteSpace(settings.MessagingConnect.ApiKey) ? null : settings.MessagingConnect.ApiKey;

        HttpPipelinePolicy authentication;
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            var parsed = AcsConnectionString.Parse(settings.ConnectionString);
            _endpoint = parsed.Endpoint;
            authentication = new AcsHmacAuthenticationPolicy(parsed.AccessKey, time);
        }
        else if (Uri.TryCreate(settings.Endpoint, UriKind.Absolute, out var endpoint))
        {
            _endpoint = endpoint;
            authentication = new BearerTokenAuthenticationPolicy(credential ?? new DefaultAzureCredential(), TokenScope);
        }
        else
        {
            throw new ArgumentException("Sms__Acs__ConnectionString or Sms__Acs__Endpoint is required.", nameof(settings));
        }

        // Authentication is a per-retry policy: it runs after the retry policy, so each attempt is signed anew.
        _pipeline = HttpPipelineBuilder.Build(clientOptions ?? new AcsSmsClientOptions(), [], [authentication], new ResponseClassifier());
    }

    public int MaxBatchSize => MaxRecipientsPerRequest;

    public async Task<IReadOnlyList<SmsSendResult>> SendAsync(IReadOnlyList<SmsMessage> messages, CancellationToken cancellationToken)
    {
        var results = new SmsSendResult?[messages.Count];

        // The same key twice in one call is one fact: send it once, answer both positions.
        var firstIndexOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var distinct = new List<int>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            if (firstIndexOfKey.TryAdd(messages[i].IdempotencyKey, i))
            {
                distinct.Add(i);
            }
        }

        var now = _time.GetUtcNow();
        foreach (var group in distinct.GroupBy(i => (messages[i].Body, messages[i].Tag)))
        {
            foreach (var batch in group.Chunk(MaxRecipientsPerRequest))
            {
                var batchResults = await SendBatchAsync(group.Key.Body, group.Key.Tag, [.. batch.Select(i => messages[i])], now, cancellationToken);
                for (var j = 0; j < batch.Length; j++)
                {
                    results[batch[j]] = batchResults[j];
                }
            }
        }

        for (var i = 0; i < messages.Count; i++)
        {
            results[i] ??= results[firstIndexOfKey[messages[i].IdempotencyKey]];
        }

        return results!;
    }

    private async Task<SmsSendResult[]> SendBatchAsync(string body, string? tag, SmsMessage[] batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = RequestMethod.Post;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath("/sms", escape: false);
        request.Uri.AppendQuery("api-version", _apiVersion, escapeValue: true);
        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/json");
        request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        request.Content = RequestContent.Create(WriteBody(body, tag, batch, now));

        try
        {
            await _pipeline.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException)
        {
            // The transport gave up after its retries (connection refused, timeouts; the retry policy
            // wraps the attempts' failures in an AggregateException): ACS decided nothing we know of.
            LogTransportFailure(_logger, batch.Length, ex.Message);
            return [.. batch.Select(m => new SmsSendResult(m.IdempotencyKey, SmsSendStatus.Transient, null, $"ACS unreachable: {ex.Message}"))];
        }

        var response = message.Response;
        var status = response.Status;
        if (status is 200 or 202)
        {
            var results = ReadRecipientResults(response, batch);
            var accepted = results.Count(r => r.Status == SmsSendStatus.Accepted);
            var rejected = results.Count(r => r.Status == SmsSendStatus.Rejected);
            LogBatchSent(_logger, batch.Length, accepted, rejected, batch.Length - accepted - rejected);
            return results;
        }

        var (code, text) = ReadError(response);
        var described = $"ACS answered {status} {response.ReasonPhrase}: {code ?? "no code"}: {text}";
        LogBatchFailed(_logger, batch.Length, status, code ?? "", text);
        if (status is 401 or 403)
        {
            throw new AcsSmsException(status, code, described
                + ". Check Sms__Acs__ConnectionString (endpoint and access key) or the managed identity's role on the Communication Services resource.");
        }

        var outcome = status is 408 or 429 or >= 500 ? SmsSendStatus.Transient : SmsSendStatus.Rejected;
        return [.. batch.Select(m => new SmsSendResult(m.IdempotencyKey, outcome, null, described))];
    }

    private BinaryData WriteBody(string body, string? tag, SmsMessage[] batch, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("from", _from);
            json.WriteStartArray("smsRecipients");
            foreach (var m in batch)
            {
                json.WriteStartObject();
                json.WriteString("to", m.To);
                json.WriteString("repeatabilityRequestId", RepeatabilityId.For(m.IdempotencyKey));
                json.WriteString("repeatabilityFirstSent", (m.FirstAttemptAt ?? now).ToUniversalTime().ToString("R", CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("message", body);
            json.WriteStartObject("smsSendOptions");
            json.WriteBoolean("enableDeliveryReport", true);
            if (tag is not null)
            {
                json.WriteString("tag", tag);
            }

            if (_partner is not null && _partnerApiKey is not null)
            {
                json.WriteStartObject("messagingConnect");
                json.WriteString("partner", _partner);
                json.WriteString("apiKey", _partnerApiKey);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return new BinaryData(buffer.ToArray());
    }

    private SmsSendResult[] ReadRecipientResults(Response response, SmsMessage[] batch)
    {
        IReadOnlyList<AcsSendResponseItem> items;
        try
        {
            items = JsonSerializer.Deserialize<AcsSendResponse>(response.Content.ToMemory().Span, Json)?.Value ?? [];
        }
        catch (JsonException ex)
        {
            // Accepted but unreadable: the repeatability ids make a later retry safe, so report Transient.
            return [.. batch.Select(m => new SmsSendResult(m.IdempotencyKey, SmsSendStatus.Transient, null, $"ACS answered {response.Status} with an unreadable body: {ex.Message}"))];
        }

        // ACS answers in request order; match on the number as well, in case an item is missing or reordered.
        var used = new bool[items.Count];
        var results = new SmsSendResult[batch.Length];
        for (var i = 0; i < batch.Length; i++)
        {
            var index = i < items.Count && SameNumber(items[i].To, batch[i].To) && !used[i] ? i : FindUnused(items, used, batch[i].To);
            if (index < 0)
            {
                results[i] = new SmsSendResult(batch[i].IdempotencyKey, SmsSendStatus.Transient, null, "ACS returned no result for this recipient.");
                continue;
            }

            used[index] = true;
            results[i] = ToResult(batch[i], items[index]);
        }

        return results;
    }

    private SmsSendResult ToResult(SmsMessage message, AcsSendResponseItem item)
    {
        var wasRepeat = item.RepeatabilityResult is { } r
            && (r.Equals("accepted", StringComparison.OrdinalIgnoreCase) || r.Equals("rejected", StringComparison.OrdinalIgnoreCase));
        var status = item.HttpStatusCode switch
        {
            >= 200 and < 300 => SmsSendStatus.Accepted,
            408 or 429 or >= 500 => SmsSendStatus.Transient,
            _ => SmsSendStatus.Rejected,
        };
        if (status != SmsSendStatus.Accepted)
        {
            LogRecipientNotAccepted(_logger, Mask.Phone(message.To), item.HttpStatusCode, item.ErrorMessage ?? "");
        }

        var error = status == SmsSendStatus.Accepted ? null : $"{item.HttpStatusCode}: {item.ErrorMessage ?? "no message"}";
        return new SmsSendResult(message.IdempotencyKey, status, item.MessageId, error, wasRepeat);
    }

    private static int FindUnused(IReadOnlyList<AcsSendResponseItem> items, bool[] used, string to)
    {
        for (var j = 0; j < items.Count; j++)
        {
            if (!used[j] && SameNumber(items[j].To, to))
            {
                return j;
            }
        }

        return -1;
    }

    private static bool SameNumber(string? a, string b) =>
        a is not null && a.AsSpan().TrimStart('+').SequenceEqual(b.AsSpan().TrimStart('+'));

    /// <summary>The code and message of an ACS error answer (SMS and Advanced Messaging share its shape), else the start of the body.</summary>
    internal static (string? Code, string Message) ReadError(Response response)
    {
        var raw = response.Content?.ToString() ?? "";
        try
        {
            var error = JsonSerializer.Deserialize<AcsErrorResponse>(raw, Json)?.Error;
            if (error is not null)
            {
                return (error.Code, error.Message ?? "");
            }
        }
        catch (JsonException)
        {
            // Not the ACS error shape (a proxy's HTML page, an empty body): report the text itself.
        }

        return (null, raw.Length > 300 ? raw[..300] : raw);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ACS SMS request for {Count} recipients: {Accepted} accepted, {Rejected} rejected, {Transient} transient")]
    private static partial void LogBatchSent(ILogger logger, int count, int accepted, int rejected, int transient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACS SMS request for {Count} recipients failed with {Status} {ErrorCode}: {Error}")]
    private static partial void LogBatchFailed(ILogger logger, int count, int status, string errorCode, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACS SMS request for {Count} recipients did not reach ACS: {Error}")]
    private static partial void LogTransportFailure(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ACS did not accept the SMS to {MaskedPhone}: {Status} {Error}")]
    private static partial void LogRecipientNotAccepted(ILogger logger, string maskedPhone, int status, string error);
}
