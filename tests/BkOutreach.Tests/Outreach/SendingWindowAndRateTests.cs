using BkOutreach.Core.Configuration;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NodaTime;

namespace BkOutreach.Tests.Outreach;

public sealed class SendingWindowAndRateTests
{
    private static SchoolSettings School(string zone) => new() { Name = "S", TimeZone = zone, SendingWindow = new TimeWindow("08:00", "20:00") };

    [Theory]
    [InlineData("Asia/Jakarta", "2027-01-11T01:00:00Z", true)]   // 08:00 WIB Monday
    [InlineData("Asia/Jakarta", "2027-01-11T00:59:00Z", false)]  // 07:59 WIB
    [InlineData("Asia/Makassar", "2027-01-11T00:30:00Z", true)]  // 08:30 WITA
    [InlineData("Asia/Makassar", "2027-01-11T12:00:00Z", false)] // 20:00 WITA: quiet hours begin
    [InlineData("Asia/Jayapura", "2027-01-10T23:00:00Z", true)]  // 08:00 WIT Monday, still Sunday in UTC
    [InlineData("Asia/Jayapura", "2027-01-11T11:30:00Z", false)] // 20:30 WIT
    [InlineData("Asia/Jakarta", "2027-01-15T05:00:00Z", false)]  // Friday 12:00 WIB: Jumatan
    [InlineData("Asia/Jakarta", "2027-01-15T06:00:00Z", true)]   // Friday 13:00 WIB
    public void SendingWindow_IsJudgedInTheSchoolsZone(string zone, string utc, bool open) =>
        Assert.Equal(open, SendingWindow.IsOpen(School(zone), InstantPattern(utc)));

    [Fact]
    public void NextOpening_AfterQuietHours_IsEightInTheMorningLocal_AndAfterJumatanIsOneOClock()
    {
        Assert.Equal(InstantPattern("2027-01-11T23:00:00Z"), SendingWindow.NextOpening(School("Asia/Jayapura"), InstantPattern("2027-01-11T13:00:00Z")));
        Assert.Equal(InstantPattern("2027-01-15T06:00:00Z"), SendingWindow.NextOpening(School("Asia/Jakarta"), InstantPattern("2027-01-15T05:10:00Z")));
    }

    [Fact]
    public void LatestOpening_MovesAReminderEarlier_NeverLater()
    {
        // A 2 h reminder for a 21:00 WIB meeting is due 19:00: open. For a Saturday 08:00 meeting, due 06:00: Friday 19:59.
        Assert.Equal(InstantPattern("2027-01-15T12:00:00Z"), SendingWindow.LatestOpeningAtOrBefore(School("Asia/Jakarta"), InstantPattern("2027-01-15T12:00:00Z")));
        Assert.Equal(InstantPattern("2027-01-15T12:59:00Z"), SendingWindow.LatestOpeningAtOrBefore(School("Asia/Jakarta"), InstantPattern("2027-01-15T23:00:00Z")));
    }

    [Theory]
    [InlineData(600)]
    [InlineData(7)]
    [InlineData(6000)]
    public void RateCapacity_AnySixtyConsecutiveSecondsCarryExactlyTheCap(int perMinute)
    {
        for (var start = 1_800_000_000L; start < 1_800_000_000L + 120; start++)
        {
            var total = Enumerable.Range(0, 60).Sum(i => SmsRateLimiter.CapacityOf(start + i, perMinute));
            Assert.Equal(perMinute, total);
        }
    }

    [Fact]
    public async Task RateLimiter_ConcurrentInstancesNeverExceedTheSecondsCapacity()
    {
        var storage = await TestStorage.CreateAsync();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_900_000_000L + Random.Shared.Next(1_000_000)));
        var options = Options.Create(new SmsOptions { MaxPerMinute = 600 });
        var limiters = Enumerable.Range(0, 8).Select(_ => new SmsRateLimiter(storage, options, time)).ToList();

        var granted = await Task.WhenAll(limiters.Select(l => l.TryAcquireAsync(5, CancellationToken.None)));

        Assert.Equal(SmsRateLimiter.CapacityOf(time.GetUtcNow().ToUnixTimeSeconds(), 600), granted.Sum());
    }

    [Fact]
    public async Task RateLimiter_WhenTheSecondIsFull_ReservesTheNextSecondsAtOnce_AndReturnsWhenTheLastBegins()
    {
        var storage = await TestStorage.CreateAsync();
        var start = 1_900_000_000L + Random.Shared.Next(1_000_000);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(start));
        var options = Options.Create(new SmsOptions { MaxPerMinute = 600 });
        var limiter = new SmsRateLimiter(storage, options, time);

        // 10 a second: 25 take this second, the next, and half of the one after, claimed before the clock moves.
        var acquire = limiter.AcquireAsync(25, CancellationToken.None);
        await UntilAsync(async () => await UsedAsync(storage, start + 2) == 5);
        int[] used = [await UsedAsync(storage, start), await UsedAsync(storage, start + 1), await UsedAsync(storage, start + 2), await UsedAsync(storage, start + 3)];
        Assert.Equal([10, 10, 5, 0], used);

        time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.False(acquire.IsCompleted, "the sends must wait for the last second they were granted in");
        time.Advance(TimeSpan.FromSeconds(1));
        await acquire.WaitAsync(TimeSpan.FromSeconds(10));

        // What is left of that second is still there for another instance.
        Assert.Equal(5, await new SmsRateLimiter(storage, options, time).TryAcquireAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task RateLimiter_ReservesNoFurtherAheadThanItsHorizon()
    {
        var storage = await TestStorage.CreateAsync();
        var start = 1_900_000_000L + Random.Shared.Next(1_000_000);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(start));
        var limiter = new SmsRateLimiter(storage, Options.Create(new SmsOptions { MaxPerMinute = 600 }), time);
        var horizon = SmsRateLimiter.ReserveAheadSeconds;

        var acquire = limiter.AcquireAsync((horizon + 5) * 10, CancellationToken.None);
        await UntilAsync(async () => await UsedAsync(storage, start + horizon) == 10);
        await Task.Delay(200);
        Assert.Equal(0, await UsedAsync(storage, start + horizon + 1));

        // Each second that passes lets it reserve one more.
        time.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(async () => await UsedAsync(storage, start + horizon + 1) == 10);
        Assert.Equal(0, await UsedAsync(storage, start + horizon + 2));
        Assert.False(acquire.IsCompleted);
        for (var i = 0; i < horizon + 10 && !acquire.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(acquire, Task.Delay(200));
        }

        await acquire.WaitAsync(TimeSpan.FromSeconds(10));
        var used = new List<int>();
        for (var second = start; second <= start + (2 * horizon) + 10; second++)
        {
            used.Add(await UsedAsync(storage, second));
        }

        Assert.Equal((horizon + 5) * 10, used.Sum());
        Assert.All(used, u => Assert.InRange(u, 0, 10));
    }

    private static async Task<int> UsedAsync(BkOutreach.Core.Storage.StorageAccount storage, long second)
    {
        var row = await storage.Table(BkOutreach.Core.Storage.StorageNames.RateLimitTable)
            .GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("sms", second.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return row.HasValue ? row.Value!.GetInt32("Used") ?? 0 : 0;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the limiter did not reserve in time");
            await Task.Delay(20);
        }
    }

    private static Instant InstantPattern(string utc) => NodaTime.Text.InstantPattern.General.Parse(utc).Value;
}
