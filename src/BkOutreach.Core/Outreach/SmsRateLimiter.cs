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
/// when the second is full it reserves the rest in the next seconds at once and sends when they begin.
/// Instances therefore never need to know about each other; a crashed instance wastes at most the seats it
/// reserved (never more than <see cref="ReserveAheadSeconds"/> ahead). Any sliding minute touches at most
/// 61 seconds, so the worst case is max + max/60 (1.7% over) — providers measure per second or minute with
/// that slack.
/// </para>
/// </summary>
public sealed class SmsRateLimiter(StorageAccount storage, IOptions<SmsOptions> options, TimeProvider time)
{
    private const string Partition = "sms";

    /// <summary>How far ahead of the present an instance may reserve seats.</summary>
    public const int ReserveAheadSeconds = 10;

    /// <summary>
    /// Waits until <paramref name="count"/> sends may go out now; returns when all are granted. When the
    /// current second is full the rest is reserved in the following seconds straight away (at most
    /// <see cref="ReserveAheadSeconds"/> ahead) and the call returns when the last of them begins, so no
    /// second's allowance is lost to instances waking up and racing for it after it has started.
    /// </summary>
    public async Task AcquireAsync(int count, CancellationToken cancellationToken)
    {
        var remaining = count;
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        var last = second;
        while (remaining > 0)
        {
            var present = time.GetUtcNow().ToUnixTimeSeconds();
            if (second > present + ReserveAheadSeconds)
            {
                await DelayUntilAsync(second - ReserveAheadSeconds, cancellationToken);
                present = time.GetUtcNow().ToUnixTimeSeconds();
            }

            // A second that has already gone by cannot be used any more.
            second = Math.Max(second, present);
            var granted = await TryAcquireInAsync(second, remaining, cancellationToken);
            if (granted > 0)
            {
                remaining -= granted;
                last = second;
            }

            if (remaining > 0)
            {
                second++;
            }
        }

        await DelayUntilAsync(last, cancellationToken);
    }

    /// <summary>Claims up to <paramref name="wanted"/> sends in the current second; returns how many were granted.</summary>
    public Task<int> TryAcquireAsync(int wanted, CancellationToken cancellationToken) =>
        TryAcquireInAsync(time.GetUtcNow().ToUnixTimeSeconds(), wanted, cancellationToken);

    private async Task<int> TryAcquireInAsync(long second, int wanted, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.RateLimitTable);
        var capacity = CapacityOf(second, options.Value.MaxPerMinute);
        var rowKey = second.ToString(CultureInfo.InvariantCulture);
        while (true)
        {
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

    private async Task DelayUntilAsync(long unixSecond, CancellationToken cancellationToken)
    {
        var wait = DateTimeOffset.FromUnixTimeSeconds(unixSecond) - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    internal static int CapacityOf(long unixSecond, int maxPerMinute) =>
        (int)(((unixSecond + 1) * maxPerMinute / 60) - (unixSecond * maxPerMinute / 60));
}
