namespace BkOutreach.Tests.Infrastructure;

/// <summary>Reads until a condition holds, for state that queue functions settle in the background.</summary>
public static class Poll
{
    /// <summary>Returns the first value that satisfies <paramref name="done"/>, or the last one read after 60 s.
    /// Queue work is at least once: a run that fails on a storage hiccup is retried after host.json's
    /// visibility timeout (10 s), so the wait leaves room for one retry on a busy machine.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        T value;
        do
        {
            value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        return value;
    }
}
