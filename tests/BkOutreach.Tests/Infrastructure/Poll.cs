namespace BkOutreach.Tests.Infrastructure;

/// <summary>Reads until a condition holds, for state that queue functions settle in the background.</summary>
public static class Poll
{
    /// <summary>Returns the first value that satisfies <paramref name="done"/>, or the last one read after 30 s.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
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
