namespace BkOutreach.Tests.Reliability;

/// <summary>The app's clock for tests that must let minutes pass: runs in real time from a start, and jumps forward on request.</summary>
public sealed class ShiftableClock(DateTimeOffset start) : TimeProvider
{
    private readonly long _startedAt = System.GetTimestamp();
    private long _shiftTicks;

    public override DateTimeOffset GetUtcNow() => start + System.GetElapsedTime(_startedAt) + TimeSpan.FromTicks(Interlocked.Read(ref _shiftTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _shiftTicks, by.Ticks);
}
