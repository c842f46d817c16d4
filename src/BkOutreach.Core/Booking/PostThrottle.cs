using System.Threading.RateLimiting;

namespace BkOutreach.Core.Booking;

/// <summary>
/// Limits booking POSTs per link token and per client address (fixed one-minute windows, per instance:
/// enough to stop a script hammering one link or one address; a deployment-wide limit is the job of a
/// gateway in front). Limits are generous for real parents: a family behind one school Wi-Fi still books.
/// </summary>
public sealed class PostThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public PostThrottle(int perTokenPerMinute = 20, int perAddressPerMinute = 600)
    {
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, k => new FixedWindowRateLimiterOptions
        {
            PermitLimit = k.StartsWith("t:", StringComparison.Ordinal) ? perTokenPerMinute : perAddressPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));
    }

    /// <summary>Null when allowed; otherwise how long to wait (Retry-After).</summary>
    public TimeSpan? Check(string token, string? address)
    {
        foreach (var key in new[] { "t:" + token, "a:" + (address ?? "unknown") })
        {
            using var lease = _limiter.AttemptAcquire(key);
            if (!lease.IsAcquired)
            {
                return lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromMinutes(1);
            }
        }

        return null;
    }

    public void Dispose() => _limiter.Dispose();
}
