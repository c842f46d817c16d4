using System.Globalization;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Keeps the whole deployment under <c>Sms__MaxPerMinute</c>, however many instances send at once.
/// <para>
/// Mechanism: a shared counter per UTC second in Table Storage (<c>ratelimit</c> table, one row per second).
/// Second <c>w</c> may carry <c>floor((w+1)·max/60) − floor(w·max/60)</c> messages, so any 60 consecutive
/// seconds carry exactly <c>max</c> and the allowance is spread evenly (600/min → 10 each second). An
/// instance claims seats in the current second's row with an ETag-guarded update (a lost race re-reads);
/// when the second is full it waits for the next one. Instances therefore never need to know about each
/// other, and a crashed instance holds nothing. Any sliding minute touches at most 61 seconds, so the
/// worst case is max + max/60 (1.7% over) — providers measure per second or minute with that slack.
/// </para>
/// </summary>
public sealed class SmsRateLimiter(StorageAccount storage, IOptions<SmsOptions> options, TimeProvider time)
{
    private const string Partition = "sms";

    /// <summary>Waits until <paramref name="count"/> sends may go out now; returns when all are granted.</summary>
    public async Task AcquireAsync(int count, CancellationToken cancellationToken)
    {
        var remaining = count;
        while (remaining > 0)
        {
            var granted = await TryAcquireAsync(remaining, cancellationToken);
            remaining -= granted;
            if (remaining > 0)
            {
                var now = time.GetUtcNow();
                var nextSecond = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1);
                await Task.Delay(nextSecond - now + TimeSpan.FromMilliseconds(5), time, cancellationToken);
            }
        }
    }

    /// <summary>Claims up to <paramref name="wanted"/> sends in the current second; returns how many were granted.</summary>
    public async Task<int> TryAcquireAsync(int wanted, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.RateLimitTable);
        while (true)
        {
            var second = time.GetUtcNow().ToUnixTimeSeconds();
            var capacity = CapacityOf(second, options.Value.MaxPerMinute);
            var rowKey = second.ToString(CultureInfo.InvariantCulture);
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, rowKey, cancellationToken: cancellationToken);
            var used = existing.HasValue ? existing.Value!.GetInt32("Used") ?? 0 : 0;
            var grant = Math.Min(wanted, capacity - used);
            if (grant <= 0)
            {
                return 0;
            }

            var row = new TableEntity(Partition, rowKey) { ["Used"] = used + grant };
            try
            {
                if (existing.HasValue)
                {
                    await table.UpdateEntityAsync(row, existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(row, cancellationToken);
                }

                return grant;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another instance claimed in the same second first: read again.
            }
        }
    }

    internal static int CapacityOf(long unixSecond, int maxPerMinute) =>
        (int)(((unixSecond + 1) * maxPerMinute / 60) - (unixSecond * maxPerMinute / 60));
}
