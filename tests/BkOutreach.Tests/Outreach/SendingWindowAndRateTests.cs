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

    private static Instant InstantPattern(string utc) => NodaTime.Text.InstantPattern.General.Parse(utc).Value;
}
