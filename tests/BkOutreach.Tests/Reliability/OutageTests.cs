using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure;
using BkOutreach.Core.Health;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Reliability;

/// <summary>Issue 18's outages: while storage is down public routes answer 503 with Retry-After; the queue listeners outlive it.</summary>
public sealed class OutageTests
{
    [Fact]
    public async Task AzuriteStopped_RoutesAnswer503WithRetryAfter_ListenersRetry_AndAfterItComesBackACampaignIsSent()
    {
        var folder = Path.Combine(Path.GetTempPath(), "bk-azurite-" + Guid.NewGuid().ToString("N"));
        var ports = FaultTests.PortsOutsideTheEphemeralRange(3);
        var azurite = await Azurite.StartAsync(ports[0], ports[1], ports[2], folder, TextWriter.Null, CancellationToken.None);
        try
        {
            await using var runner = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = azurite.ConnectionString, new RunnerSettings { Clock = SchoolMorning, RunTimers = false });
            var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 3);
            var token = (await TokensAsync(runner, journey.SchoolId, campaign))[0].Token;
            var slot = (await runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots"))[0].GetProperty("id").GetString()!;
            var listeners = runner.Services.GetRequiredService<QueueListeners>();
            await EventuallyAsync(() => Task.FromResult(listeners.All), l => l.Count > 0 && l.All(x => x.State == QueueListeners.Listening), TimeSpan.FromSeconds(20));

            await azurite.DisposeAsync();
            using var booking = await runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slot }));
            using var again = await runner.Http.GetAsync($"api/b/{token}");
            using var admin = await runner.Admin.PostAsync($"api/admin/campaigns/{campaign}/dispatch", null);
            using var health = await runner.Http.GetAsync("api/health");
            var retrying = await EventuallyAsync(() => Task.FromResult(listeners.All), l => l.Any(x => x.Queue == "sms-send" && x.State == QueueListeners.Retrying), TimeSpan.FromSeconds(60));

            foreach (var response in new[] { booking, again, admin })
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
                Assert.Equal("storage_unavailable", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains(retrying, l => l.Queue == "sms-send" && l.Error is not null);

            azurite = await Azurite.StartAsync(ports[0], ports[1], ports[2], folder, TextWriter.Null, CancellationToken.None);
            await EventuallyAsync(async () => (await runner.Http.GetAsync("api/health")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
            Assert.All(listeners.All, l => Assert.Equal(QueueListeners.Listening, l.State));
            await EventuallyAsync(async () => (await runner.Admin.PostAsync($"api/admin/campaigns/{campaign}/dispatch", null)).StatusCode, s => s == HttpStatusCode.Accepted, TimeSpan.FromSeconds(20));

            Assert.Equal(3, (await journey.BookingLinksAsync(campaign, 3)).Count);
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AListenerThatEnded_MakesHealthUnhealthy_NamingTheQueue()
    {
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { RunTimers = false });
        Assert.Equal(HttpStatusCode.OK, (await runner.Http.GetAsync("api/health")).StatusCode);

        runner.Services.GetRequiredService<QueueListeners>().Ended("sms-send", "InvalidOperationException: boom");
        using var health = await runner.Http.GetAsync("api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var stopped = (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("listeners").EnumerateArray().Single(l => l.GetProperty("queue").GetString() == "sms-send");
        Assert.Equal("stopped", stopped.GetProperty("state").GetString());
    }

    [Fact]
    public void IsOutage_TellsUnreachableOrBusyStorage_FromBugsAndRefusals()
    {
        var unreachable = new RequestFailedException(0, "Connection refused", new HttpRequestException("Connection refused"));

        Assert.True(StorageOutage.IsOutage(unreachable));
        Assert.True(StorageOutage.IsOutage(new AggregateException("Retry failed after 4 tries.", unreachable, unreachable)));
        Assert.True(StorageOutage.IsOutage(new RequestFailedException(503, "Server busy")));
        Assert.False(StorageOutage.IsOutage(new RequestFailedException(404, "Not found")));
        Assert.False(StorageOutage.IsOutage(new RequestFailedException(412, "Condition not met")));
        Assert.False(StorageOutage.IsOutage(new AggregateException(unreachable, new InvalidOperationException("bug"))));
        Assert.False(StorageOutage.IsOutage(new InvalidOperationException("bug")));
        Assert.False(StorageOutage.IsOutage(new Microsoft.AspNetCore.Http.BadHttpRequestException("Request body too large.", 413)));

        // Only unreachable storage puts every route on 503 for a while; a busy answer fails its own request.
        Assert.True(StorageOutage.IsUnreachable(unreachable));
        Assert.True(StorageOutage.IsUnreachable(new AggregateException(unreachable, new HttpRequestException("reset"))));
        Assert.False(StorageOutage.IsUnreachable(new RequestFailedException(503, "Server busy")));
        Assert.False(StorageOutage.IsUnreachable(new RequestFailedException(500, "Internal error")));
    }
}
