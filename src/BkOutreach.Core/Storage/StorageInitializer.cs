using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Storage;

/// <summary>
/// Creates every table and queue at start. When storage does not answer yet (Azurite still starting, a
/// network blip), the app keeps starting and retries in the background; /api/health reports the reason.
/// </summary>
public sealed partial class StorageInitializer(StorageAccount storage, ILogger<StorageInitializer> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>Completes once every table and queue exists.</summary>
    public Task Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await storage.EnsureCreatedAsync(stoppingToken);
                _ready.TrySetResult();
                LogReady(logger);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogNotReady(logger, ex.GetType().Name, ex.Message, delay.TotalSeconds);
            }

            await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage ready: tables and queues exist")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage not reachable yet ({ErrorType}: {Error}); retrying in {DelaySeconds} s")]
    private static partial void LogNotReady(ILogger logger, string errorType, string error, double delaySeconds);
}
