namespace BkOutreach.Core.Reliability;

/// <summary>Queue settings of host.json that the code must agree with (a test reads host.json to check).</summary>
public static class QueueHostSettings
{
    /// <summary><c>extensions.queues.maxDequeueCount</c>: attempts before a message moves to its poison queue.</summary>
    public const int MaxDequeueCount = 5;
}
