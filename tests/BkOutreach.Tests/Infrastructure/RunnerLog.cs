using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Tests.Infrastructure;

/// <summary>
/// The last lines a test runner logged (at the app's own levels: warnings, and information from
/// BkOutreach), kept so a test that times out waiting for background work can say what the host did.
/// </summary>
public sealed class RunnerLog : ILoggerProvider
{
    private const int Keep = 400;
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>The most recent lines, oldest first.</summary>
    public string Tail(int lines = 60) => string.Join('\n', _lines.TakeLast(lines));

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Keep && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(string category, RunnerLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
    }
}
