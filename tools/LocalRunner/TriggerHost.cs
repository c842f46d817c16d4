using BkOutreach.Core.Storage;

namespace BkOutreach.LocalRunner;

/// <summary>Keeps every timer on its schedule and every queue polled while the runner runs.</summary>
public sealed class TriggerHost(IReadOnlyList<FunctionDescriptor> functions, TriggerRunner runner, StorageAccount storage, HostJson host, bool runTimers) : BackgroundService
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
                loops.Add(runner.ListenAsync(function, storage, host, stoppingToken));
            }
        }

        return Task.WhenAll(loops);
    }
}
