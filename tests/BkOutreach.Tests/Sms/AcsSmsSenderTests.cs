using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using BkOutreach.Core;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Sms.Acs;
using BkOutreach.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Sms;

public sealed class AcsSmsSenderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset SchoolMorning = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(SchoolMorning);
    private FakeAcsServer _acs = null!;

    public async Task InitializeAsync() => _acs = await FakeAcsServer.StartAsync(clock: _clock);

    public async Task DisposeAsync() => await _acs.DisposeAsync();

    [Fact]
    public async Task Send_WithAccessKey_IsSignedTheWayAcsChecksAndAccepted()
    {
        var sender = Sender();
        var firstAttempt = new DateTimeOffset(2027, 1, 11, 1, 55, 7, TimeSpan.Zero);

        var results = await sender.SendAsync([new SmsMessage("+6281234567890", "Halo", "c1/w1/g1", "c1/w1", firstAttempt)], default);

        var result = Assert.Single(results);
        Assert.Equal(SmsSendStatus.Accepted, result.Status);
        Assert.False(result.WasRepeat);
        Assert.Equal(_acs.Deliveries.Single().MessageId, result.MessageId);
        var request = Assert.Single(_acs.Requests);
        Assert.True(request.Authorized);
        var body = request.Json;
        Assert.Equal("+15550001111", (string?)body["from"]);
        Assert.Equal("Halo", (string?)body["message"]);
        var recipient = body["smsRecipients"]![0]!;
        Assert.Equal("+6281234567890", (string?)recipient["to"]);
        Assert.Equal(RepeatabilityId.For("c1/w1/g1"), (string?)recipient["repeatabilityRequestId"]);
        Assert.True(Guid.TryParseExact((string?)recipient["repeatabilityRequestId"], "D", out _));
        Assert.Equal("Mon, 11 Jan 2027 01:55:07 GMT", (string?)recipient["repeatabilityFirstSent"]);
        Assert.True((bool)body["smsSendOptions"]!["enableDeliveryReport"]!);
        Assert.Equal("c1/w1", (string?)body["smsSendOptions"]!["tag"]);
        Assert.Null(body["smsSendOptions"]!["messagingConnect"]);
    }

    [Fact]
    public async Task Send_WithoutFirstAttemptTime_SendsNowFromTheClockAsFirstSent()
    {
        await Sender().SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default);

        Assert.Equal("Mon, 11 Jan 2027 02:00:00 GMT", (string?)_acs.Requests.Single().Json["smsRecipients"]![0]!["repeatabilityFirstSent"]);
    }

    [Fact]
    public async Task Send_WithWrongAccessKey_Gets401AsClearException()
    {
        var sender = Sender(connectionString: $"endpoint={_acs.Endpoint};accesskey={Convert.ToBase64String(new byte[64])}");

        var ex = await Assert.ThrowsAsync<AcsSmsException>(() => sender.SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default));

        Assert.Equal(401, ex.Status);
        Assert.Equal("Denied", ex.ErrorCode);
        Assert.Contains("signature does not match", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Sms__Acs__ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_acs.Deliveries);
    }

    [Fact]
    public async Task Send_250RecipientsOfOneText_GoesOutAs100_100_50()
    {
        var messages = Enumerable.Range(0, 250).Select(i => new SmsMessage($"+628123{i:D7}", "Sama untuk semua", $"key-{i}", "wave")).ToList();

        var results = await Sender().SendAsync(messages, default);

        Assert.Equal([100, 100, 50], _acs.Requests.Select(r => r.RecipientCount));
        Assert.All(_acs.Requests, r => Assert.True(r.Authorized));
        Assert.Equal(messages.Select(m => m.IdempotencyKey), results.Select(r => r.IdempotencyKey));
        Assert.All(results, r => Assert.Equal(SmsSendStatus.Accepted, r.Status));
        Assert.Equal(250, _acs.Deliveries.Select(d => d.To).Distinct().Count());
    }

    [Fact]
    public async Task Send_DifferentTextsOrTags_AreSeparateRequests_ResultsKeepInputOrder()
    {
        var messages = new[]
        {
            new SmsMessage("+6281200000001", "A", "k1", "t1"),
            new SmsMessage("+6281200000002", "B", "k2", "t1"),
            new SmsMessage("+6281200000003", "A", "k3", "t1"),
            new SmsMessage("+6281200000004", "A", "k4", "t2"),
        };

        var results = await Sender().SendAsync(messages, default);

        Assert.Equal(3, _acs.Requests.Count);
        Assert.Equal(["k1", "k2", "k3", "k4"], results.Select(r => r.IdempotencyKey));
        var byKey = _acs.Deliveries.ToDictionary(d => d.To);
        Assert.Equal(results[0].MessageId, byKey["+6281200000001"].MessageId);
        Assert.Equal(results[3].MessageId, byKey["+6281200000004"].MessageId);
    }

    [Fact]
    public async Task Send_ThrottledOnce_WaitsRetryAfter_SignsAgain_AndSucceeds()
    {
        _clock.AutoAdvanceAmount = TimeSpan.FromSeconds(3);
        _acs.Enqueue(429, retryAfterSeconds: 1);
        var stopwatch = Stopwatch.StartNew();

        var results = await Sender().SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default);

        stopwatch.Stop();
        Assert.Equal(SmsSendStatus.Accepted, Assert.Single(results).Status);
        Assert.Equal([429, 202], _acs.Requests.Select(r => r.AnsweredStatus));
        Assert.All(_acs.Requests, r => Assert.True(r.Authorized));
        Assert.NotEqual(_acs.Requests[0].Headers["x-ms-date"], _acs.Requests[1].Headers["x-ms-date"]);
        Assert.NotEqual(_acs.Requests[0].Headers["Authorization"], _acs.Requests[1].Headers["Authorization"]);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(0.95), $"Retry-After: 1 was not honoured ({stopwatch.Elapsed.TotalMilliseconds:F0} ms)");
        Assert.Single(_acs.Deliveries);
    }

    [Fact]
    public async Task Send_ServiceUnavailableTwice_RetriesWithBackoffAndSucceeds()
    {
        _acs.Enqueue(503);
        _acs.Enqueue(503);

        var results = await Sender().SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default);

        Assert.Equal(SmsSendStatus.Accepted, Assert.Single(results).Status);
        Assert.Equal([503, 503, 202], _acs.Requests.Select(r => r.AnsweredStatus));
    }

    [Fact]
    public async Task Send_StillUnavailableAfterRetries_ReportsTransient()
    {
        for (var i = 0; i < 4; i++)
        {
            _acs.Enqueue(503, errorCode: "ServiceUnavailable", errorMessage: "Try later");
        }

        var results = await Sender().SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default);

        var result = Assert.Single(results);
        Assert.Equal(SmsSendStatus.Transient, result.Status);
        Assert.Contains("ServiceUnavailable", result.Error, StringComparison.Ordinal);
        Assert.Equal(4, _acs.Requests.Count);
    }

    [Fact]
    public async Task Send_MixedPerRecipientResults_MapToAcceptedRejectedTransient()
    {
        _acs.RecipientStatus = to => to[^1] switch
        {
            '1' => 400,
            '2' => 503,
            '3' => 429,
            _ => 202,
        };
        var messages = new[] { "+6281200000000", "+6281200000001", "+6281200000002", "+6281200000003" }
            .Select((to, i) => new SmsMessage(to, "Halo", $"k{i}")).ToList();

        var results = await Sender().SendAsync(messages, default);

        Assert.Equal([SmsSendStatus.Accepted, SmsSendStatus.Rejected, SmsSendStatus.Transient, SmsSendStatus.Transient], results.Select(r => r.Status));
        Assert.NotNull(results[0].MessageId);
        Assert.Null(results[0].Error);
        Assert.Contains("Invalid To phone number", results[1].Error, StringComparison.Ordinal);
        Assert.Single(_acs.Requests);
    }

    [Fact]
    public async Task Send_WholeRequestRefusedWith400_ReportsRejectedWithAcsError()
    {
        _acs.Enqueue(400, errorCode: "InvalidFrom", errorMessage: "The From number is not provisioned.");

        var results = await Sender().SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default);

        var result = Assert.Single(results);
        Assert.Equal(SmsSendStatus.Rejected, result.Status);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
        Assert.Contains("InvalidFrom", result.Error, StringComparison.Ordinal);
        Assert.Contains("not provisioned", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FakeServer_MoreThan100Recipients_Answers400()
    {
        var body = "{\"from\":\"+1\",\"message\":\"x\",\"smsRecipients\":[" + string.Join(',', Enumerable.Range(0, 101).Select(i => $"{{\"to\":\"+62812{i:D7}\"}}")) + "]}";
        var pipeline = HttpPipelineBuilder.Build(new AcsSmsClientOptions(), new AcsHmacAuthenticationPolicy(Convert.FromBase64String(_acs.AccessKeyBase64), _clock));
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Post;
        message.Request.Uri.Reset(new Uri(_acs.Endpoint + "sms?api-version=2021-03-07"));
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body));

        await pipeline.SendAsync(message, default);

        Assert.Equal(400, message.Response.Status);
        Assert.Contains("1 to 100", message.Response.Content.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WithMessagingConnect_CarriesPartnerAndKeyInBody()
    {
        var settings = Settings();
        settings.MessagingConnect = new MessagingConnectOptions { Partner = "InfobipID", ApiKey = "partner-key-123" };

        await Sender(settings).SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default);

        var connect = _acs.Requests.Single().Json["smsSendOptions"]!["messagingConnect"]!;
        Assert.Equal("InfobipID", (string?)connect["partner"]);
        Assert.Equal("partner-key-123", (string?)connect["apiKey"]);
        Assert.Equal("InfobipID", _acs.Deliveries.Single().MessagingConnectPartner);
    }

    [Fact]
    public async Task Send_SameKeyTwice_IsDeliveredOnce_SecondAnswerIsRepeatWithSameMessageId()
    {
        var sender = Sender();
        var message = new SmsMessage("+6281234567890", "Halo", "campaign-1/wave-1/guardian-7", FirstAttemptAt: SchoolMorning);

        var first = await sender.SendAsync([message], default);
        var second = await sender.SendAsync([message], default);
        var inOneCall = await sender.SendAsync([message, message], default);

        Assert.Single(_acs.Deliveries);
        Assert.False(first[0].WasRepeat);
        Assert.True(second[0].WasRepeat);
        Assert.Equal(SmsSendStatus.Accepted, second[0].Status);
        Assert.Equal(first[0].MessageId, second[0].MessageId);
        Assert.Equal(2, inOneCall.Count);
        Assert.All(inOneCall, r => Assert.Equal(first[0].MessageId, r.MessageId));
        Assert.Equal(1, _acs.Requests.Last().RecipientCount);
    }

    [Fact]
    public async Task Send_AcsUnreachable_ReportsTransient()
    {
        var port = Infrastructure.TestAzurite.FreePort();
        var options = FastRetries();
        options.Retry.MaxRetries = 1;
        var sender = Sender(connectionString: $"endpoint=http://127.0.0.1:{port}/;accesskey={_acs.AccessKeyBase64}", options: options);

        var results = await sender.SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default);

        Assert.Equal(SmsSendStatus.Transient, Assert.Single(results).Status);
    }

    [Fact]
    public async Task Send_WithEndpointOnly_UsesEntraIdBearerTokenForCommunicationScope()
    {
        var credential = new StaticCredential("token-abc");
        var handler = new RecordingHandler();
        var options = FastRetries();
        options.Transport = new HttpClientTransport(new HttpClient(handler));
        var settings = Settings();
        settings.ConnectionString = null;
        settings.Endpoint = "https://bk.communication.azure.com";

        var results = await new AcsSmsSender(settings, _clock, NullLogger<AcsSmsSender>.Instance, options, credential)
            .SendAsync([new SmsMessage("+6281234567890", "Halo", "k")], default);

        Assert.Equal(SmsSendStatus.Accepted, Assert.Single(results).Status);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("https://bk.communication.azure.com/sms?api-version=2021-03-07", request.RequestUri!.ToString());
        Assert.Equal("Bearer token-abc", request.Headers.Authorization!.ToString());
        Assert.False(request.Headers.Contains("x-ms-content-sha256"));
        Assert.Equal(["https://communication.azure.com//.default"], credential.Scopes);
    }

    [Fact]
    public void AddBkOutreach_WithProviderAcs_RegistersAcsSender()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sms:Provider"] = "Acs",
            ["Sms:Acs:ConnectionString"] = _acs.ConnectionString,
            ["Sms:Acs:From"] = "+15550001111",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddBkOutreach(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.IsType<AcsSmsSender>(provider.GetRequiredService<ISmsSender>());
        Assert.Equal(100, provider.GetRequiredService<ISmsSender>().MaxBatchSize);
    }

    private AcsSmsOptions Settings() => new()
    {
        ConnectionString = _acs.ConnectionString,
        From = "+15550001111",
    };

    private static AcsSmsClientOptions FastRetries()
    {
        var options = new AcsSmsClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxRetries = 3;
        return options;
    }

    private AcsSmsSender Sender(AcsSmsOptions? settings = null, string? connectionString = null, AcsSmsClientOptions? options = null)
    {
        settings ??= Settings();
        if (connectionString is not null)
        {
            settings.ConnectionString = connectionString;
        }

        return new AcsSmsSender(settings, _clock, NullLogger<AcsSmsSender>.Instance, options ?? FastRetries());
    }

    private sealed class StaticCredential(string token) : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var json = "{\"value\":[{\"to\":\"+6281234567890\",\"messageId\":\"m1\",\"httpStatusCode\":202,\"successful\":true}]}";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Accepted)
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
                RequestMessage = request,
            });
        }
    }
}
