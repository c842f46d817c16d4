using BkOutreach.Core.Health;
using BkOutreach.Core.Storage;

namespace BkOutreach.LocalRunner;

/// <summary>Keeps every timer on its schedule and every queue polled while the runner runs.</summary>
public sealed class TriggerHost(IReadOnlyList<FunctionDescriptor> functions, TriggerRunner runner, StorageAccount storage, HostJson host, bool runTimers, QueueListeners listeners) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var function in functions)
        {
            if (function.Kind == TriggerKind.Timer && runTimers)
            {
                loops.Add(runner.ScheduleAsync(function, stoppingToken));
            }
            else if (function.Kind == TriggerKind.Queue)
            {
                loops.Add(WatchAsync(function, stoppingToken));
            }
        }

        return Task.WhenAll(loops);
    }

    /// <summary>A listener that ends while the runner runs is dead: health says so (it should never happen; the loop catches everything).</summary>
    private async Task WatchAsync(FunctionDescriptor function, CancellationToken stoppingToken)
    {
        var queue = AppSettingResolver.Resolve(function.Queue!.QueueName, runner.Configuration);
        try
        {
            await runner.ListenAsync(function, storage, host, stoppingToken);
            if (!stoppingToken.IsCancellationRequested)
            {
                listeners.Ended(queue, "the listener returned");
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            listeners.Ended(queue, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}
