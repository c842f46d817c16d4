using System.Diagnostics;
using System.Reflection;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Health;

public sealed record StorageHealth(bool Ok, double LatencyMs, string? Error);

public sealed record HealthReport(string Status, string Version, StorageHealth Storage, IReadOnlyList<ListenerHealth> Listeners)
{
    public bool Healthy => Storage.Ok && Listeners.All(l => l.Ok);
}

/// <summary>
/// Answers "is this instance able to do its work": the version it runs, whether storage answers, and (where
/// the host polls queues itself) whether every queue listener still runs.
/// </summary>
public sealed class HealthService(StorageAccount storage, TimeProvider time, QueueListeners listeners)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static string Version { get; } =
        typeof(HealthService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        var started = time.GetTimestamp();
        StorageHealth result;
        try
        {
            await storage.Table(StorageNames.SecretsTable).QueryAsync<Azure.Data.Tables.TableEntity>(maxPerPage: 1, cancellationToken: cts.Token)
                .AsPages().GetAsyncEnumerator(cts.Token).MoveNextAsync();
            result = new StorageHealth(true, Elapsed(started), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = new StorageHealth(false, Elapsed(started), $"storage did not answer within {Timeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or AggregateException)
        {
            result = new StorageHealth(false, Elapsed(started), Describe(ex));
        }

        var listening = listeners.All;
        return new HealthReport(result.Ok && listening.All(l => l.Ok) ? "ok" : "unhealthy", Version, result, listening);
    }

    private double Elapsed(long started) => Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);

    private static string Describe(Exception ex) => ex switch
    {
        Azure.RequestFailedException rfe => $"storage answered {rfe.Status} {rfe.ErrorCode}",
        AggregateException agg when agg.InnerExceptions.Count > 0 => Describe(agg.InnerExceptions[^1]),
        _ => $"storage unreachable: {ex.Message}",
    };
}
