namespace BkOutreach.Core.Storage;

/// <summary>
/// The schedule of a write-behind buffer: after work is queued, one write runs a moment later, off the
/// request that queued it (no request context flows into it), and again while work is still waiting.
/// The owner queues its work and calls <see cref="Schedule"/> while holding <see cref="Gate"/>.
/// </summary>
internal sealed class WriteBehind(TimeSpan delay)
{
    private Task? _scheduled;

    /// <summary>The owner's lock for its waiting work; the schedule is kept under it too.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Starts a write within the delay unless one is already coming. Call holding <see cref="Gate"/>.</summary>
    public void Schedule(Func<Task> writeAsync, Func<bool> hasWaiting) => _scheduled ??= Start(writeAsync, hasWaiting);

    private Task Start(Func<Task> writeAsync, Func<bool> hasWaiting)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return Task.Run(() => RunAsync(writeAsync, hasWaiting));
        }

        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(() => RunAsync(writeAsync, hasWaiting));
        }
    }

    private async Task RunAsync(Func<Task> writeAsync, Func<bool> hasWaiting)
    {
        await Task.Delay(delay);
        try
        {
            await writeAsync();
        }
        finally
        {
            lock (Gate)
            {
                _scheduled = null;
                if (hasWaiting())
                {
                    Schedule(writeAsync, hasWaiting);
                }
            }
        }
    }
}
