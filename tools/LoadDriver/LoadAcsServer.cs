using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace BkOutreach.LoadDriver;

/// <summary>
/// A throughput stand-in for the ACS SMS endpoint (<c>POST /sms</c>, 1–100 recipients, per-recipient
/// repeatability ids answered with the first outcome). It throttles like a provider with a per-minute cap:
/// in any sliding 60 s, at most <c>cap · 61/60</c> campaign recipients (the app's limiter documents that
/// worst case), and anything over it is answered 429 with Retry-After — so every 429 counted here was
/// caused by the sender's own pacing. It does not check signatures: the test fake does that; this one
/// must stay cheap at thousands of requests a minute.
/// </summary>
public sealed class LoadAcsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Queue<long> _window = new();
    private readonly ConcurrentDictionary<string, JsonObject> _repeatable = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _deliveriesByPhone = new(StringComparer.Ordinal);
    private long _firstDelivery;
    private long _lastDelivery;
    private int _deliveries;
    private int _throttled;
    private int _counter;

    private LoadAcsServer(WebApplication app, int port)
    {
        _app = app;
        Endpoint = $"http://127.0.0.1:{port}/";
    }

    public string Endpoint { get; }

    public string ConnectionString => $"endpoint={Endpoint};accesskey={Convert.ToBase64String(new byte[32])}";

    /// <summary>Messages per minute this fake accepts for campaign traffic; 0 accepts everything.</summary>
    public int CapPerMinute { get; set; }

    public int Deliveries => Volatile.Read(ref _deliveries);

    public int Throttled => Volatile.Read(ref _throttled);

    public int DistinctRecipients => _deliveriesByPhone.Count;

    /// <summary>Recipients who got more than one message of the measured traffic.</summary>
    public int Duplicates => _deliveriesByPhone.Values.Sum(n => n - 1);

    /// <summary>Time between the first and the last delivery of the measured traffic.</summary>
    public TimeSpan DeliverySpan => Stopwatch.GetElapsedTime(Volatile.Read(ref _firstDelivery), Volatile.Read(ref _lastDelivery));

    public static async Task<LoadAcsServer> StartAsync()
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var server = new LoadAcsServer(app, port);
        app.MapPost("/sms", server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>Starts a measurement: forgets deliveries, throttling and the sliding window (not the repeatability ids).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _window.Clear();
            _deliveriesByPhone.Clear();
            _deliveries = 0;
            _throttled = 0;
            _firstDelivery = 0;
        }
    }

    public static int FreePort() => LocalRunner.Azurite.FreePorts(1)[0];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var recipients = request["smsRecipients"]!.AsArray();
        var isCampaign = request["smsSendOptions"]?["tag"]?.GetValue<string>()?.StartsWith("campaign:", StringComparison.Ordinal) ?? false;
        var fresh = recipients.Count(r => !_repeatable.ContainsKey(r!["repeatabilityRequestId"]?.GetValue<string>() ?? ""));
        if (isCampaign && !TryAdmit(fresh))
        {
            Interlocked.Increment(ref _throttled);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsJsonAsync(new { error = new { code = "TooManyRequests", message = "Rate limit exceeded." } });
            return;
        }

        var results = new JsonArray();
        foreach (var recipient in recipients)
        {
            var to = recipient!["to"]!.GetValue<string>();
            var id = recipient["repeatabilityRequestId"]?.GetValue<string>() ?? Guid.NewGuid().ToString();
            var candidate = new JsonObject { ["to"] = to, ["httpStatusCode"] = 202, ["successful"] = true, ["messageId"] = $"Outgoing_{Interlocked.Increment(ref _counter):D7}" };
            if (_repeatable.TryAdd(id, candidate) && isCampaign)
            {
                Delivered(to);
            }

            var item = _repeatable[id];
            results.Add(item.DeepClone());
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsJsonAsync(new JsonObject { ["value"] = results });
    }

    private bool TryAdmit(int count)
    {
        if (CapPerMinute <= 0 || count == 0)
        {
            return true;
        }

        var now = Stopwatch.GetTimestamp();
        var minuteAgo = now - Stopwatch.Frequency * 60;
        lock (_gate)
        {
            while (_window.Count > 0 && _window.Peek() < minuteAgo)
            {
                _window.Dequeue();
            }

            if (_window.Count + count > CapPerMinute * 61 / 60)
            {
                return false;
            }

            for (var i = 0; i < count; i++)
            {
                _window.Enqueue(now);
            }

            return true;
        }
    }

    private void Delivered(string to)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _firstDelivery, now, 0);
        Volatile.Write(ref _lastDelivery, now);
        Interlocked.Increment(ref _deliveries);
        _deliveriesByPhone.AddOrUpdate(to, 1, (_, n) => n + 1);
    }
}
