using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Runner;

public sealed class LocalRunnerTests : IAsyncLifetime
{
    private TestRunner _runner = null!;

    public async Task InitializeAsync() =>
        _runner = await TestRunner.StartAsync(
            s => s["Probe:Schedule"] = "0 0 0 1 1 *",
            new RunnerSettings
            {
                ExtraFunctionAssemblies = [typeof(ProbeFunctions).Assembly],
                AdjustHost = h => h with { VisibilityTimeout = TimeSpan.FromMilliseconds(200) },
            });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task HttpFunction_IsServedOnItsAttributeRoute_UnderTheHostJsonPrefix()
    {
        var body = await _runner.Http.GetFromJsonAsync<JsonElement>("api/probe/budi/hello?q=x");

        Assert.Equal("budi", body.GetProperty("hello").GetString());
        Assert.Equal("x", body.GetProperty("query").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.GetAsync("probe/budi/hello")).StatusCode);
    }

    [Fact]
    public async Task Health_AnswersOkWithVersionAndStorage()
    {
        var response = await _runner.Http.GetAsync("api/health");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
        Assert.True(body.GetProperty("storage").GetProperty("ok").GetBoolean());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task FunctionLevelRoute_WithoutTheRightKey_Is401(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/admin/probe");
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await _runner.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task FunctionLevelRoute_WithTheKeyInHeaderOrQuery_IsServed()
    {
        Assert.Equal(HttpStatusCode.OK, (await _runner.Admin.PostAsync("api/admin/probe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _runner.Http.PostAsync($"api/admin/probe?code={TestRunner.AdminKey}", null)).StatusCode);
    }

    [Fact]
    public async Task TimerFunction_RunsThroughTheAdminRoute()
    {
        var before = ProbeFunctions.Calls.Count(c => c.StartsWith("timer:", StringComparison.Ordinal));

        var response = await _runner.Admin.PostAsync("admin/functions/ProbeTimer", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(before + 1, ProbeFunctions.Calls.Count(c => c == "timer:True"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _runner.Http.PostAsync("admin/functions/ProbeTimer", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Admin.PostAsync("admin/functions/NoSuchFunction", null)).StatusCode);
    }

    [Fact]
    public async Task QueueFunction_ReceivesABase64Message()
    {
        var text = Guid.NewGuid().ToString("N");
        var queue = _runner.Services.GetRequiredService<StorageAccount>().Queue(ProbeFunctions.Queue);
        await queue.CreateIfNotExistsAsync();

        await queue.SendMessageAsync(JsonSerializer.Serialize(new { text }));

        await Eventually(() => ProbeFunctions.Calls.Contains($"queue:{text}"), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task QueueFunction_OneSlowMessage_DoesNotHoldUpTheOthers_AsTheHostFetchesTheNextBatch()
    {
        var queue = _runner.Services.GetRequiredService<StorageAccount>().Queue(ProbeFunctions.SlowQueue);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("hold");
        await Eventually(() => ProbeFunctions.Calls.Contains("slow:holding"), TimeSpan.FromSeconds(20));

        // Three batches' worth behind the one still running.
        var others = Enumerable.Range(0, 48).Select(i => $"m{i}").ToList();
        foreach (var text in others)
        {
            await queue.SendMessageAsync(text);
        }

        await Eventually(() => others.All(t => ProbeFunctions.Calls.Contains($"slow:{t}")), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("slow:hold", ProbeFunctions.Calls);
        ProbeFunctions.Release.SetResult();
        await Eventually(() => ProbeFunctions.Calls.Contains("slow:hold"), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task AlwaysFailingQueueFunction_EndsInPoisonQueue_AfterMaxDequeueCount()
    {
        var text = "poison-" + Guid.NewGuid().ToString("N");
        var storage = _runner.Services.GetRequiredService<StorageAccount>();
        var queue = storage.Queue(ProbeFunctions.FailingQueue);
        var poison = storage.Queue(ProbeFunctions.FailingQueue + "-poison");
        await queue.CreateIfNotExistsAsync();
        await poison.CreateIfNotExistsAsync();
        var maxDequeueCount = HostJson.Load(Path.Combine(AppContext.BaseDirectory, "host.json")).MaxDequeueCount;

        await queue.SendMessageAsync(text);

        string? poisoned = null;
        await Eventually(async () =>
        {
            foreach (var m in (await poison.ReceiveMessagesAsync(32)).Value)
            {
                if (m.Body.ToString() == text)
                {
                    poisoned = m.Body.ToString();
                }
            }

            return poisoned is not null;
        }, TimeSpan.FromSeconds(120));
        Assert.Equal(5, maxDequeueCount);
        Assert.Equal(maxDequeueCount, ProbeFunctions.Calls.Count(c => c.StartsWith($"failing:{text}:", StringComparison.Ordinal)));
        Assert.Contains($"failing:{text}:{maxDequeueCount}", ProbeFunctions.Calls);
    }

    private static Task Eventually(Func<bool> condition, TimeSpan timeout) => Eventually(() => Task.FromResult(condition()), timeout);

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Condition not met within {timeout.TotalSeconds} s.");
    }
}
