using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BkOutreach.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Tests.Fakes;

/// <summary>What the fake does with a recipient's first request.</summary>
public enum WhatsAppFault
{
    /// <summary>Accepted; the test decides which status events follow.</summary>
    None,

    /// <summary>400 with an ACS error (a number not on WhatsApp): refused at send, nothing delivered.</summary>
    Refuse,

    /// <summary>429 with Retry-After: 1 on the first request; a retry after that wait is accepted.</summary>
    ThrottleOnce,

    /// <summary>503 on every request while set (nothing remembered, nothing sent): a service outage.</summary>
    Unavailable,
}

/// <summary>
/// A request the fake holds before sending (see <see cref="FakeAdvancedMessagingServer.Hold"/>): <see cref="Arrived"/>
/// completes when it came, and the fake sends and answers it only after <see cref="Release"/>.
/// </summary>
public sealed class HeldRequest
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Arrived => _arrived.Task;

    public void Release() => _released.TrySetResult();

    internal async Task HoldAsync()
    {
        _arrived.TrySetResult();
        await _released.Task;
    }
}

/// <summary>A message the fake accepted ("handed to WhatsApp"): one per first-time repeatability id.</summary>
public sealed record WhatsAppDelivery(string To, string MessageId, string Kind, string? TemplateName, string? Language, IReadOnlyList<string> BodyValues, IReadOnlyList<string> Buttons, string? Text, string RepeatabilityRequestId);

/// <summary>
/// A local stand-in for ACS Advanced Messaging, <c>POST /messages/notifications:send</c>, speaking its
/// documented wire: HMAC checked as ACS does (<see cref="FakeAcsServer.CheckSignature"/>, 401 on any
/// mismatch); <c>api-version</c>, <c>Repeatability-Request-ID</c> (a UUID) and <c>Repeatability-First-Sent</c>
/// (RFC 1123) required (400 without); the same request id answered with the first answer (status and
/// body, <c>Repeatability-Result: accepted</c>) and nothing sent again; a body of <c>channelRegistrationId</c>,
/// one number in <c>to</c>, <c>kind</c> template (name, language, values, bindings whose every refValue names
/// a value) or text (content); 202 with per-recipient <c>receipts</c>. Faults per number
/// (<see cref="FaultFor"/>); a retry of a throttled request that comes before its Retry-After is counted in
/// <see cref="EarlyRetries"/> and throttled again.
/// </summary>
public sealed class FakeAdvancedMessagingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly byte[] _accessKey;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, (int Status, string Body)> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, long> _throttledUntil = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<WhatsAppDelivery> _deliveries = [];
    private readonly List<int> _statuses = [];
    private readonly ConcurrentDictionary<string, HeldRequest> _holds = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _messageCounter;
    private int _earlyRetries;
    private int _repeats;

    private FakeAdvancedMessagingServer(WebApplication app, string endpoint, byte[] accessKey, TimeProvider clock, string channelRegistrationId)
    {
        _app = app;
        Endpoint = endpoint;
        _accessKey = accessKey;
        _clock = clock;
        ChannelRegistrationId = channelRegistrationId;
    }

    public string Endpoint { get; }

    public string ChannelRegistrationId { get; }

    public string ConnectionString => $"endpoint={Endpoint};accesskey={Convert.ToBase64String(_accessKey)}";

    public Func<string, WhatsAppFault> FaultFor { get; set; } = _ => WhatsAppFault.None;

    public IReadOnlyList<WhatsAppDelivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _deliveries];
            }
        }
    }

    /// <summary>Every answered status, in order (401, 400, 429, 202, …).</summary>
    public IReadOnlyList<int> Statuses
    {
        get
        {
            lock (_gate)
            {
                return [.. _statuses];
            }
        }
    }

    public int EarlyRetries => Volatile.Read(ref _earlyRetries);

    /// <summary>Holds the next valid first-time request to <paramref name="to"/> until the test releases it.</summary>
    public HeldRequest Hold(string to)
    {
        var held = new HeldRequest();
        _holds[to] = held;
        return held;
    }

    /// <summary>Requests answered from the repeatability store (sent nothing).</summary>
    public int Repeats => Volatile.Read(ref _repeats);

    public static async Task<FakeAdvancedMessagingServer> StartAsync(TimeProvider clock)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = TestAzurite.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var server = new FakeAdvancedMessagingServer(app, $"http://127.0.0.1:{port}/", RandomNumberGenerator.GetBytes(64), clock, Guid.NewGuid().ToString());
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>An Event Grid delivery of <c>AdvancedMessageDeliveryStatusUpdated</c> for a message, as ACS posts it.</summary>
    public string StatusEvent(WhatsAppDelivery message, string status, string? eventId = null)
    {
        var data = new JsonObject
        {
            ["messageId"] = message.MessageId,
            ["status"] = status,
            ["channelType"] = "whatsapp",
            ["from"] = ChannelRegistrationId,
            ["to"] = message.To.TrimStart('+'),
            ["receivedTimestamp"] = _clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        };
        if (status == "failed")
        {
            data["error"] = new JsonObject { ["channelCode"] = "131026", ["channelMessage"] = "Message undeliverable" };
        }

        return new JsonArray(new JsonObject
        {
            ["id"] = eventId ?? Guid.NewGuid().ToString(),
            ["eventType"] = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
            ["subject"] = "advancedMessage/sender/" + ChannelRegistrationId,
            ["eventTime"] = _clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            ["dataVersion"] = "1.0",
            ["data"] = data,
        }).ToJsonString();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != "/messages/notifications:send")
        {
            await AnswerAsync(context, 404, Error("NotFound", "Only POST /messages/notifications:send is served."));
            return;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (FakeAcsServer.CheckSignature(context, body, _accessKey, _clock) is { } authProblem)
        {
            await AnswerAsync(context, 401, Error("Denied", authProblem));
            return;
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            await AnswerAsync(context, 400, Error("MissingApiVersionParameter", "The api-version query parameter is required."));
            return;
        }

        var requestId = context.Request.Headers["Repeatability-Request-ID"].ToString();
        var firstSent = context.Request.Headers["Repeatability-First-Sent"].ToString();
        if (!Guid.TryParse(requestId, out _) || !DateTimeOffset.TryParseExact(firstSent, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            await AnswerAsync(context, 400, Error("InvalidRepeatabilityHeaders", "Repeatability-Request-ID (a UUID) and Repeatability-First-Sent (RFC 1123) are required."));
            return;
        }

        if (_answers.TryGetValue(requestId, out var earlier))
        {
            Interlocked.Increment(ref _repeats);
            context.Response.Headers["Repeatability-Result"] = "accepted";
            await AnswerAsync(context, earlier.Status, JsonNode.Parse(earlier.Body)!.AsObject());
            return;
        }

        JsonObject request;
        try
        {
            request = JsonNode.Parse(body)!.AsObject();
        }
        catch (JsonException ex)
        {
            await AnswerAsync(context, 400, Error("BadRequest", ex.Message));
            return;
        }

        if (Problem(request) is { } problem)
        {
            await AnswerAsync(context, 400, Error("BadRequest", problem));
            return;
        }

        var to = request["to"]![0]!.GetValue<string>();
        var fault = FaultFor(to);
        if (fault == WhatsAppFault.Unavailable)
        {
            await AnswerAsync(context, 503, Error("ServiceUnavailable", "Injected outage."));
            return;
        }

        if (_holds.TryRemove(to, out var held))
        {
            await held.HoldAsync();
        }

        if (fault == WhatsAppFault.ThrottleOnce)
        {
            // A retry is the same pipeline's request again (same x-ms-client-request-id); another instance
            // sending the same message meanwhile is a first attempt of its own, answered by repeatability.
            var now = Stopwatch.GetTimestamp();
            var client = context.Request.Headers["x-ms-client-request-id"].ToString();
            var first = _throttledUntil.TryAdd(requestId, now + Stopwatch.Frequency);
            var retryKey = $"{requestId}|{client}";
            if (first)
            {
                _throttledUntil[retryKey] = now + Stopwatch.Frequency;
            }

            if (first || (_throttledUntil.TryGetValue(retryKey, out var until) && now < until))
            {
                if (!first)
                {
                    // The client came back before the Retry-After it was given.
                    Interlocked.Increment(ref _earlyRetries);
                }

                context.Response.Headers.RetryAfter = "1";
                await AnswerAsync(context, 429, Error("TooManyRequests", "Injected throttling."));
                return;
            }
        }

        if (fault == WhatsAppFault.Refuse)
        {
            await RememberAndAnswerAsync(context, requestId, 400, Error("InvalidRecipient", "The recipient is not a WhatsApp user."));
            return;
        }

        // As the service does, one request id sends once even when two arrive at the same moment.
        var messageId = $"{Interlocked.Increment(ref _messageCounter):D8}-0000-4000-8000-000000000000";
        var answer = new JsonObject { ["receipts"] = new JsonArray(new JsonObject { ["messageId"] = messageId, ["to"] = to }) };
        (int Status, string Body)? earlierAnswer = null;
        lock (_gate)
        {
            if (_answers.TryGetValue(requestId, out var raced))
            {
                earlierAnswer = raced;
            }
            else
            {
                _deliveries.Add(ToDelivery(request, to, messageId, requestId));
                _answers[requestId] = (202, answer.ToJsonString());
            }
        }

        if (earlierAnswer is { } repeat)
        {
            Interlocked.Increment(ref _repeats);
            context.Response.Headers["Repeatability-Result"] = "accepted";
            await AnswerAsync(context, repeat.Status, JsonNode.Parse(repeat.Body)!.AsObject());
            return;
        }

        context.Response.Headers["Repeatability-Result"] = "accepted";
        await AnswerAsync(context, 202, answer);
    }

    private string? Problem(JsonObject request)
    {
        if ((string?)request["channelRegistrationId"] != ChannelRegistrationId)
        {
            return "channelRegistrationId is not this resource's channel.";
        }

        if (request["to"] is not JsonArray { Count: 1 } to || to[0]?.GetValue<string>() is not { Length: > 0 })
        {
            return "to must hold exactly one number (repeatability is per request).";
        }

        switch ((string?)request["kind"])
        {
            case "text":
                return (string?)request["content"] is { Length: > 0 } ? null : "content is required for kind text.";
            case "template":
                var template = request["template"] as JsonObject;
                if (template is null || (string?)template["name"] is not { Length: > 0 } || (string?)template["language"] is not { Length: > 0 })
                {
                    return "template.name and template.language are required.";
                }

                var names = (template["values"] as JsonArray ?? []).Select(v => (string?)v!["name"]).ToHashSet(StringComparer.Ordinal);
                var bindings = template["bindings"] as JsonObject;
                if (bindings is not null && (string?)bindings["kind"] != "whatsApp")
                {
                    return "bindings.kind must be whatsApp.";
                }

                var refs = (bindings?["body"] as JsonArray ?? []).Concat(bindings?["buttons"] as JsonArray ?? []).Select(b => (string?)b!["refValue"]);
                return refs.All(r => r is not null && names.Contains(r)) ? null : "every binding's refValue must name a template value.";
            default:
                return "kind must be template or text here.";
        }
    }

    private static WhatsAppDelivery ToDelivery(JsonObject request, string to, string messageId, string requestId)
    {
        var kind = (string)request["kind"]!;
        if (kind == "text")
        {
            return new WhatsAppDelivery(to, messageId, kind, null, null, [], [], (string?)request["content"], requestId);
        }

        var template = request["template"]!.AsObject();
        var values = (template["values"] as JsonArray ?? []).ToDictionary(v => (string)v!["name"]!, v => v!.AsObject(), StringComparer.Ordinal);
        var bindings = template["bindings"] as JsonObject;
        var body = (bindings?["body"] as JsonArray ?? []).Select(b => (string?)values[(string)b!["refValue"]!]["text"] ?? "").ToList();
        var buttons = (bindings?["buttons"] as JsonArray ?? []).Select(b =>
        {
            var value = values[(string)b!["refValue"]!];
            return $"{(string?)b["subType"]}:{(string?)value["text"] ?? (string?)value["payload"]}";
        }).ToList();
        return new WhatsAppDelivery(to, messageId, kind, (string?)template["name"], (string?)template["language"], body, buttons, null, requestId);
    }

    private async Task RememberAndAnswerAsync(HttpContext context, string requestId, int status, JsonObject body)
    {
        _answers.TryAdd(requestId, (status, body.ToJsonString()));
        context.Response.Headers["Repeatability-Result"] = "accepted";
        await AnswerAsync(context, status, body);
    }

    private async Task AnswerAsync(HttpContext context, int status, JsonObject body)
    {
        lock (_gate)
        {
            _statuses.Add(status);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8);
    }

    private static JsonObject Error(string code, string message) =>
        new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };
}
