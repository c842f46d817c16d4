namespace BkOutreach.LocalRunner;

/// <summary>
/// The app's clock under <c>--clock</c>: starts at the given instant and runs forward in real time, so a
/// demo or a check can stand on a school morning, a weekend or the evening before a meeting.
/// </summary>
public sealed class RunnerClock(DateTimeOffset start) : TimeProvider
{
    private readonly long _startedAt = System.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => start.ToUniversalTime() + System.GetElapsedTime(_startedAt);
}
