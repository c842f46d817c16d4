using System.Net.Http.Json;
using Azure.Core;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Reliability;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Kiota.Abstractions.Authentication;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Reliability;

/// <summary>Issue 8's faults: the provider failing, a crash after accept, storage restarting, Graph failing, a poison message.</summary>
public sealed class FaultTests
{
    private static Func<HostJson, HostJson> QuickRetries(TimeSpan? lease = null) =>
        h => h with { VisibilityTimeout = TimeSpan.FromMilliseconds(200), MaxPollingInterval = TimeSpan.FromMilliseconds(300), MessageLease = lease ?? TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Acs429_503_AndTimeOutsOnAFifthOfRequests_PlusACrashAfterAccept_EveryGuardianGetsExactlyOneSms()
    {
        const int Families = 120;
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
        var random = new Random(8);
        var gate = new Lock();
        acs.TimeOutDelay = TimeSpan.FromSeconds(2);
        acs.Fault = _ =>
        {
            lock (gate)
            {
                var r = random.NextDouble();
                return r < 0.2 / 3 ? AcsFault.Throttle : r < 0.4 / 3 ? AcsFault.Unavailable : r < 0.2 ? AcsFault.AcceptThenTimeOut : AcsFault.None;
            }
        };
        var crash = new CrashAfterAcceptPolicy(failures: 2);
        await using var runner = await TestRunner.StartAsync(
            s => UseAcs(s, acs, maxPerMinute: 60_000),
            new RunnerSettings
            {
                Clock = SchoolMorning,
                AdjustHost = QuickRetries(),
                ConfigureServices = s =>
                {
                    s.AddSingleton(new StoragePipelinePolicy(crash, HttpPipelinePosition.PerCall));
                    s.AddSingleton(FastAcsRetries());
                },
            });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, Families);

        await journey.DispatchAsync(campaign);
        await EventuallyAsync(() => SendStatesAsync(runner, journey.SchoolId, campaign), s => s.Count == Families && s.All(x => x == "Accepted"), TimeSpan.FromSeconds(45));
        await Task.Delay(1500);

        Assert.Equal(Families, acs.Deliveries.Count);
        Assert.Equal(Families, acs.Deliveries.Select(d => d.To).Distinct().Count());
        Assert.All(await SendStatesAsync(runner, journey.SchoolId, campaign), s => Assert.Equal("Accepted", s));
        Assert.Equal(2, crash.Fired);
        var answered = acs.Requests.Select(r => r.AnsweredStatus).ToList();
        Assert.Contains(429, answered);
        Assert.Contains(503, answered);
        Assert.Contains(0, answered); // answers the client had stopped waiting for
        Assert.Contains(acs.Requests, r => r.Body.Contains("repeatabilityRequestId", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AzuriteStoppedAndStartedMidCampaign_CampaignCompletes_NoDuplicateNothingLost()
    {
        const int Families = 150;
        var folder = Path.Combine(Path.GetTempPath(), "bk-azurite-" + Guid.NewGuid().ToString("N"));
        // Azurite is restarted on the same ports, so they must stay free while it is down: ports below the
        // kernel's ephemeral range are never handed to the parallel tests' connections or to bind(0).
        var ports = PortsOutsideTheEphemeralRange(3);
        int blob = ports[0], queue = ports[1], table = ports[2];
        var azurite = await Azurite.StartAsync(blob, queue, table, folder, TextWriter.Null, CancellationToken.None);
        try
        {
            await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
            await using var runner = await TestRunner.StartAsync(
                s =>
                {
                    s["AzureWebJobsStorage"] = azurite.ConnectionString;
                    UseAcs(s, acs, maxPerMinute: 1200);
                },
                new RunnerSettings { Clock = SchoolMorning, AdjustHost = QuickRetries(TimeSpan.FromSeconds(8)), ConfigureServices = s => s.AddSingleton(FastAcsRetries()) });
            var (journey, campaign) = await SchoolWithFamiliesAsync(runner, Families);

            await journey.DispatchAsync(campaign);
            await EventuallyAsync(() => Task.FromResult(acs.Deliveries.Count), n => n >= 30, TimeSpan.FromSeconds(20));
            await azurite.DisposeAsync();
            var deliveredWhileDown = acs.Deliveries.Count;
            await Task.Delay(TimeSpan.FromSeconds(3));
            azurite = await Azurite.StartAsync(blob, queue, table, folder, TextWriter.Null, CancellationToken.None);
            await EventuallyAsync(() => SendStatesAsync(runner, journey.SchoolId, campaign), s => s.Count == Families && s.All(x => x == "Accepted"), TimeSpan.FromSeconds(45));
            await Task.Delay(1500);

            Assert.InRange(deliveredWhileDown, 30, Families - 1);
            Assert.Equal(Families, acs.Deliveries.Select(d => d.To).Distinct().Count());
            Assert.Equal(Families, acs.Deliveries.Count);
            Assert.All(await SendStatesAsync(runner, journey.SchoolId, campaign), s => Assert.Equal("Accepted", s));
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Graph429And5xx_BookingsStillSucceed_AndTheCalendarSyncCatchesUp()
    {
        var clock = new ShiftableClock(SchoolMorning);
        await using var graph = await FakeGraphServer.StartAsync();
        await using var runner = await TestRunner.StartAsync(
            s =>
            {
                s["Graph:Enabled"] = "true";
                s["Graph:BaseUrl"] = graph.BaseUrl;
            },
            new RunnerSettings
            {
                ConfigureServices = s =>
                {
                    s.AddSingleton<TimeProvider>(clock);
                    s.AddSingleton(new GraphTransport { Authentication = new AnonymousAuthenticationProvider() });
                },
            });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 6);
        var tokens = await TokensAsync(runner, journey.SchoolId, campaign);
        var slots = (await runner.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/links/{tokens[0].Token}/slots")).EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();

        graph.StartOutage(503, retryAfterSeconds: 0);
        var booked = new List<System.Net.HttpStatusCode>();
        for (var i = 0; i < tokens.Count; i++)
        {
            booked.Add((await runner.Http.PostAsync($"api/links/{tokens[i].Token}/booking", OutreachJourney.Json(new { slotId = slots[i * 2] }))).StatusCode);
        }

        // The handler meets the outage (the bookings' outbox rows stay pending); the sweep queues them again.
        await EventuallyAsync(() => Task.FromResult(graph.Requests.Count(r => r.Status == 503)), n => n >= tokens.Count, TimeSpan.FromSeconds(30));
        var duringOutage = await runner.Admin.PostAsync("admin/functions/SweepBookingEvents", null);
        graph.EndOutage();
        graph.FailNext(3, 429, retryAfterSeconds: 0);
        graph.FailNext(2, 500, retryAfterSeconds: null);
        for (var round = 0; round < 6 && graph.Events.Count(e => !e.IsDeleted) < tokens.Count; round++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await runner.Admin.PostAsync("admin/functions/SweepBookingEvents", null)).StatusCode);
            await EventuallyAsync(() => Task.FromResult(graph.Events.Count(e => !e.IsDeleted)), n => n == tokens.Count, TimeSpan.FromSeconds(10));
        }

        Assert.All(booked, s => Assert.Equal(System.Net.HttpStatusCode.Created, s));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, duringOutage.StatusCode);
        Assert.Contains(graph.Requests, r => r.Status == 503);
        Assert.Contains(graph.Requests, r => r.Status is 429);
        var events = graph.Events.Where(e => !e.IsDeleted).ToList();
        Assert.Equal(tokens.Count, events.Count);
        Assert.Equal(tokens.Count, events.Select(e => e.TransactionId).Distinct().Count());
        Assert.All(events, e => Assert.False(e.IsCancelled));
    }

    [Fact]
    public async Task AMessageThatAlwaysFails_EndsInThePoisonQueue_WithItsReasonLoggedAndRecorded()
    {
        var logs = new CapturingLoggerProvider();
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { AdjustHost = QuickRetries(), ConfigureServices = logs.Register });
        var storage = runner.Services.GetRequiredService<StorageAccount>();
        await storage.Queue("sms-send").SendMessageAsync("{ this is not a batch");

        var poisoned = await EventuallyAsync(
            async () => (await storage.Queue("sms-send-poison").PeekMessagesAsync(5)).Value,
            m => m.Length > 0,
            TimeSpan.FromSeconds(40));
        var recorded = await EventuallyAsync(() => runner.Services.GetRequiredService<PoisonLog>().ListAsync("sms-send", 10, CancellationToken.None), r => r.Count > 0, TimeSpan.FromSeconds(5));

        Assert.Equal("{ this is not a batch", Assert.Single(poisoned).Body.ToString());
        var record = Assert.Single(recorded);
        Assert.Equal("SendSmsBatch", record.Function);
        Assert.Equal(5, record.DequeueCount);
        Assert.Contains("JsonException", record.Reason, StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains("poison queue", StringComparison.Ordinal) && e.Message.Contains("JsonException", StringComparison.Ordinal));
        Assert.Equal(5, logs.Entries.Count(e => e.Message.StartsWith("Function SendSmsBatch failed", StringComparison.Ordinal)));

        // A message that names no school is the platform's to look at (the log above), not any school's.
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        var dashboard = await runner.Admin.GetStringAsync($"api/admin/schools/{journey.SchoolId}/dashboard");
        Assert.Null(record.SchoolId);
        Assert.DoesNotContain(System.Net.WebUtility.HtmlEncode(record.MessageId), dashboard, StringComparison.Ordinal);
        Assert.DoesNotContain("{ this is not a batch", dashboard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoisonedBatchOfOneSchool_IsOnItsDashboard_AndNotOnAnotherSchools()
    {
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning, RunTimers = false });
        var (mine, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var other = new OutreachJourney(runner);
        await other.CreateSchoolAsync();
        var function = new BkOutreach.Functions.Outreach.SendSmsBatch(
            runner.Services.GetRequiredService<BkOutreach.Core.Outreach.SendCampaignBatch>(),
            runner.Services.GetRequiredService<PoisonLog>());
        var broken = new BkOutreach.Core.Outreach.SendBatch(mine.SchoolId, campaign, 7, ["g-x"]);
        var messageId = "poisoned-" + Guid.NewGuid().ToString("N");

        await Assert.ThrowsAnyAsync<Exception>(() => function.Run(broken, messageId, BkOutreach.Core.Reliability.QueueHostSettings.MaxDequeueCount, CancellationToken.None));
        var poisonQueue = runner.Services.GetRequiredService<StorageAccount>().Queue("sms-send-poison");
        await poisonQueue.SendMessageAsync(System.Text.Json.JsonSerializer.Serialize(broken, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)));

        var ours = Section(await runner.Admin.GetStringAsync($"api/admin/schools/{mine.SchoolId}/dashboard"));
        var theirs = Section(await runner.Admin.GetStringAsync($"api/admin/schools/{other.SchoolId}/dashboard"));

        Assert.Contains(messageId, ours, StringComparison.Ordinal);
        Assert.Contains(campaign, ours, StringComparison.Ordinal);
        Assert.Contains("has no wave 7", ours, StringComparison.Ordinal);
        Assert.DoesNotContain(messageId, theirs, StringComparison.Ordinal);
        Assert.DoesNotContain(campaign, theirs, StringComparison.Ordinal);
        Assert.DoesNotContain("has no wave 7", theirs, StringComparison.Ordinal);
        Assert.StartsWith("<section id=\"poison\">\n<h2>SMS gagal permanen / Poison queue</h2>\n<p>0 ", theirs, StringComparison.Ordinal);

        static string Section(string html)
        {
            var start = html.IndexOf("<section id=\"poison\">", StringComparison.Ordinal);
            return html[start..(html.IndexOf("</section>", start, StringComparison.Ordinal) + "</section>".Length)];
        }
    }

    [Fact]
    public async Task SendSmsBatch_OnItsLastAttempt_RecordsWhyBeforeTheHostPoisonsIt_EarlierAttemptsRecordNothing()
    {
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var function = new BkOutreach.Functions.Outreach.SendSmsBatch(
            runner.Services.GetRequiredService<BkOutreach.Core.Outreach.SendCampaignBatch>(),
            runner.Services.GetRequiredService<PoisonLog>());
        // A wave the campaign does not have: the sender fails the same way on every attempt.
        var broken = new BkOutreach.Core.Outreach.SendBatch(journey.SchoolId, campaign, 7, ["g-x"]);

        await Assert.ThrowsAnyAsync<Exception>(() => function.Run(broken, "attempt-one", 1, CancellationToken.None));
        await Assert.ThrowsAnyAsync<Exception>(() => function.Run(broken, "last-attempt", BkOutreach.Core.Reliability.QueueHostSettings.MaxDequeueCount, CancellationToken.None));

        var recorded = await runner.Services.GetRequiredService<PoisonLog>().ListAsync("sms-send", 10, CancellationToken.None);
        var record = Assert.Single(recorded);
        Assert.Equal("last-attempt", record.MessageId);
        Assert.Equal("SendSmsBatch", record.Function);
        Assert.Equal(5, record.DequeueCount);
        Assert.Contains("has no wave 7", record.Reason, StringComparison.Ordinal);
    }

    internal static int[] PortsOutsideTheEphemeralRange(int count)
    {
        var ports = new List<int>();
        for (var candidate = 20_000 + Random.Shared.Next(10_000); ports.Count < count; candidate++)
        {
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, candidate);
                listener.Start();
                ports.Add(candidate);
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
        }

        return [.. ports];
    }

    [Fact]
    public void HostJson_MaxDequeueCount_IsWhatTheCodeAssumes()
    {
        using var host = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")));

        Assert.Equal(BkOutreach.Core.Reliability.QueueHostSettings.MaxDequeueCount, host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
    }
}
