using System.Collections.Concurrent;
using BkOutreach.Core.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Tests.Runner;

/// <summary>Functions that exist only to exercise the local runner's triggers.</summary>
public sealed class ProbeFunctions
{
    public const string Queue = "probe-queue";
    public const string FailingQueue = "probe-failing";
    public const string SlowQueue = "probe-slow";

    /// <summary>Lets the message <c>hold</c> of <see cref="SlowQueue"/> finish.</summary>
    public static TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static ConcurrentQueue<string> Calls { get; } = new();

    [Function(nameof(ProbeHttp))]
    [Access(AccessScope.Public)]
    public IActionResult ProbeHttp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "probe/{name}/hello")] HttpRequest request,
        string name) => new OkObjectResult(new { hello = name, query = request.Query["q"].ToString() });

    [Function(nameof(ProbeAdmin))]
    [Access(AccessScope.Platform)]
    public IActionResult ProbeAdmin(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/probe")] HttpRequest request) => new OkObjectResult(new { ok = true });

    [Function(nameof(ProbeTimer))]
    public Task ProbeTimer([TimerTrigger("%Probe:Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"timer:{timer.ScheduleStatus is not null}");
        return Task.CompletedTask;
    }

    [Function(nameof(ProbeQueue))]
    public void ProbeQueue([QueueTrigger(Queue)] ProbeMessage message) => Calls.Enqueue($"queue:{message.Text}");

    [Function(nameof(ProbeSlow))]
    public async Task ProbeSlow([QueueTrigger(SlowQueue)] string message, CancellationToken cancellationToken)
    {
        if (message == "hold")
        {
            Calls.Enqueue("slow:holding");
            await Release.Task.WaitAsync(cancellationToken);
        }

        Calls.Enqueue($"slow:{message}");
    }

    [Function(nameof(ProbeFailing))]
    public void ProbeFailing([QueueTrigger(FailingQueue)] string message, long dequeueCount)
    {
        Calls.Enqueue($"failing:{message}:{dequeueCount}");
        throw new InvalidOperationException("always fails");
    }
}

public sealed record ProbeMessage(string Text);
