using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BkOutreach.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Tests.Fakes;

/// <summary>
/// A local stand-in for the ACS SMS endpoint that speaks its wire protocol: it checks the HMAC signature
/// the way ACS does (recomputed from the request it received) and answers 401 on any mismatch, refuses
/// more than 100 recipients with 400, honours per-recipient repeatability ids (a known id is answered with
/// the first outcome and <c>repeatabilityResult: accepted</c>, and is not delivered again), and can be
/// scripted to answer 429 with Retry-After, 5xx, or mixed per-recipient results.
/// </summary>
public sealed class FakeAcsServer : IAsyncDisposable
{
    private static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(15);

    private readonly WebApplication _app;
    private readonly byte[] _accessKey;
    private readonly TimeProvider _clock;
    private readonly ConcurrentQueue<ScriptedAnswer> _script = new();
    private readonly ConcurrentDictionary<string, JsonObject> _repeatable = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<Delivery> _deliveries = [];
    private readonly Lock _gate = new();
    private int _messageCounter;
    private int _requestCounter;

    private FakeAcsServer(WebApplication app, string endpoint, byte[] accessKey, TimeProvider clock)
    {
        _app = app;
        Endpoint = endpoint;
        _accessKey = accessKey;
        _clock = clock;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:51234/</c> (a non-default port, as the signature must cover).</summary>
    public string Endpoint { get; }

    public string AccessKeyBase64 => Convert.ToBase64String(_accessKey);

    public string ConnectionString => $"endpoint={Endpoint};accesskey={AccessKeyBase64}";

    /// <summary>
    /// A fault for the n-th authorised, well-formed request (counting from 1), decided before the script;
    /// default none. <see cref="AcsFault.AcceptThenTimeOut"/> does the work, then answers only after
    /// <see cref="TimeOutDelay"/>, as a provider whose answer is lost after it accepted.
    /// </summary>
    public Func<int, AcsFault> Fault { get; set; } = _ => AcsFault.None;

    public TimeSpan TimeOutDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The status each new recipient gets (202, 400, 503, …); default 202.</summary>
    public Func<string, int> RecipientStatus { get; set; } = _ => 202;

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Messages "handed to the carrier": one per first-time accepted recipient.</summary>
    public IReadOnlyList<Delivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _deliveries];
            }
        }
    }

    public static async Task<FakeAcsServer> StartAsync(byte[]? accessKey = null, TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = TestAzurite.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var server = new FakeAcsServer(app, $"http://127.0.0.1:{port}/", accessKey ?? RandomNumberGenerator.GetBytes(64), clock ?? TimeProvider.System);
        app.MapPost("/sms", server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>The next authorised request is answered with this status (and Retry-After seconds, if given).</summary>
    public void Enqueue(int status, int? retryAfterSeconds = null, string? errorCode = null, string? errorMessage = null) =>
        _script.Enqueue(new ScriptedAnswer(status, retryAfterSeconds, errorCode ?? "Scripted", errorMessage ?? $"Scripted {status}"));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

        var authProblem = CheckSignature(context, body, _accessKey, _clock);
        var record = new ReceivedRequest(Encoding.UTF8.GetString(body), headers, authProblem is null, 0);
        if (authProblem is not null)
        {
            await AnswerAsync(context, record, 401, Error("Denied", authProblem));
            return;
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            await AnswerAsync(context, record, 400, Error("MissingApiVersionParameter", "The api-version query parameter is required."));
            return;
        }

        JsonObject request;
        try
        {
            request = JsonNode.Parse(body)!.AsObject();
        }
        catch (JsonException ex)
        {
            await AnswerAsync(context, record, 400, Error("BadRequest", ex.Message));
            return;
        }

        var recipients = request["smsRecipients"]?.AsArray() ?? [];
        record = record with { RecipientCount = recipients.Count };
        if (recipients.Count is 0 or > 100 || request["from"] is null || request["message"] is null)
        {
            await AnswerAsync(context, record, 400, Error("BadRequest", $"smsRecipients must hold 1 to 100 recipients (got {recipients.Count}); from and message are required."));
            return;
        }

        var fault = Fault(Interlocked.Increment(ref _requestCounter));
        if (fault is AcsFault.Throttle or AcsFault.Unavailable)
        {
            context.Response.Headers.RetryAfter = "0";
            await AnswerAsync(context, record, fault == AcsFault.Throttle ? 429 : 503, Error(fault == AcsFault.Throttle ? "TooManyRequests" : "ServiceUnavailable", "Injected fault"));
            return;
        }

        if (_script.TryDequeue(out var scripted))
        {
            if (scripted.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            await AnswerAsync(context, record, scripted.Status, Error(scripted.ErrorCode, scripted.ErrorMessage));
            return;
        }

        var message = request["message"]!.GetValue<string>();
        var options = request["smsSendOptions"]?.AsObject();
        var tag = options?["tag"]?.GetValue<string>();
        var partner = options?["messagingConnect"]?["partner"]?.GetValue<string>();
        var results = new JsonArray();
        foreach (var recipient in recipients)
        {
            var to = recipient!["to"]!.GetValue<string>();
            var requestId = recipient["repeatabilityRequestId"]?.GetValue<string>();
            if (requestId is not null && _repeatable.TryGetValue(requestId, out var earlier))
            {
                var repeat = earlier.DeepClone().AsObject();
                repeat["repeatabilityResult"] = "accepted";
                results.Add(repeat);
                continue;
            }

            var status = RecipientStatus(to);
            var item = new JsonObject { ["to"] = to, ["httpStatusCode"] = status, ["successful"] = status == 202 };
            if (status == 202)
            {
                var messageId = $"Outgoing_{Interlocked.Increment(ref _messageCounter):D6}";
                item["messageId"] = messageId;
                lock (_gate)
                {
                    _deliveries.Add(new Delivery(to, message, tag, requestId, messageId, partner));
                }
            }
            else
            {
                item["errorMessage"] = status < 500 ? "Invalid To phone number format." : "ServiceUnavailable";
            }

            // Only decided outcomes are remembered; a recipient that failed transiently may be tried again.
            if (requestId is not null && status < 500 && status != 429)
            {
                _repeatable.TryAdd(requestId, item.DeepClone().AsObject());
            }

            results.Add(item);
        }

        if (fault == AcsFault.AcceptThenTimeOut)
        {
            await Task.Delay(TimeOutDelay, context.RequestAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (context.RequestAborted.IsCancellationRequested)
            {
                lock (_gate)
                {
                    _requests.Add(record with { AnsweredStatus = 0 });
                }

                return;
            }
        }

        await AnswerAsync(context, record, 202, new JsonObject { ["value"] = results });
    }

    /// <summary>ACS's check (for SMS and Advanced Messaging alike), written from the documented scheme rather than from the client's code.</summary>
    internal static string? CheckSignature(HttpContext context, byte[] body, byte[] accessKey, TimeProvider clock)
    {
        var request = context.Request;
        var date = request.Headers["x-ms-date"].ToString();
        var claimedHash = request.Headers["x-ms-content-sha256"].ToString();
        var authorization = request.Headers.Authorization.ToString();
        if (date.Length == 0 || claimedHash.Length == 0 || authorization.Length == 0)
        {
            return "x-ms-date, x-ms-content-sha256 and Authorization are required.";
        }

        if (!DateTimeOffset.TryParseExact(date, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt)
            || (signedAt - clock.GetUtcNow()).Duration() > AllowedClockSkew)
        {
            return "x-ms-date is missing, malformed or too far from the server's clock.";
        }

        var actualHash = Convert.ToBase64String(SHA256.HashData(body));
        if (!string.Equals(actualHash, claimedHash, StringComparison.Ordinal))
        {
            return "x-ms-content-sha256 does not match the body.";
        }

        const string Prefix = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";
        if (!authorization.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return "Authorization must be HMAC-SHA256 with SignedHeaders=x-ms-date;host;x-ms-content-sha256.";
        }

        var pathAndQuery = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var host = request.Headers.Host.ToString();
        var toSign = $"{request.Method.ToUpperInvariant()}\n{pathAndQuery}\n{date};{host};{actualHash}";
        var expected = HMACSHA256.HashData(accessKey, Encoding.UTF8.GetBytes(toSign));
        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(authorization[Prefix.Length..]);
        }
        catch (FormatException)
        {
            return "The signature is not base64.";
        }

        return CryptographicOperations.FixedTimeEquals(expected, presented) ? null : "The request signature does not match.";
    }

    private async Task AnswerAsync(HttpContext context, ReceivedRequest record, int status, JsonObject body)
    {
        lock (_gate)
        {
            _requests.Add(record with { AnsweredStatus = status });
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static JsonObject Error(string code, string message) =>
        new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private sealed record ScriptedAnswer(int Status, int? RetryAfterSeconds, string ErrorCode, string ErrorMessage);
}

public enum AcsFault
{
    None,

    /// <summary>429 with Retry-After: 0, nothing done.</summary>
    Throttle,

    /// <summary>503, nothing done.</summary>
    Unavailable,

    /// <summary>The request is carried out, but the answer comes too late for the client.</summary>
    AcceptThenTimeOut,
}

public sealed record ReceivedRequest(string Body, IReadOnlyDictionary<string, string> Headers, bool Authorized, int RecipientCount, int AnsweredStatus = 0)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}

public sealed record Delivery(string To, string Message, string? Tag, string? RepeatabilityRequestId, string MessageId, string? MessagingConnectPartner);
