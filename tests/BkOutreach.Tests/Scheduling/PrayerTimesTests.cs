using BkOutreach.Core.Scheduling;
using NodaTime;
using Xunit.Abstractions;

namespace BkOutreach.Tests.Scheduling;

public sealed class PrayerTimesTests(ITestOutputHelper output)
{
    private static readonly Duration Tolerance = Duration.FromMinutes(2);

    [Theory]
    [InlineData("Palembang", -2.9761, 104.7754, "Asia/Jakarta")]
    [InlineData("Jakarta", -6.2088, 106.8456, "Asia/Jakarta")]
    [InlineData("Makassar", -5.1477, 119.4327, "Asia/Makassar")]
    [InlineData("Jayapura", -2.5337, 140.7181, "Asia/Jayapura")]
    public async Task PrayerTimes_EveryDayOf2027_AgreeWithAdhanWithinTwoMinutes(string city, double latitude, double longitude, string zoneId)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var reference = await AdhanReference.YearAsync(latitude, longitude, zoneId, 2027, PrayerCalculationParameters.Kemenag.IhtiyatMinutes);
        Assert.Equal(365, reference.Count);

        var worst = new Dictionary<string, Duration>();
        var failures = new List<string>();
        foreach (var day in reference)
        {
            var ours = PrayerTimes.For(day.Date, latitude, longitude, zone);
            Compare("Fajr", ours.Fajr, day.Fajr);
            Compare("Sunrise", ours.Sunrise, day.Sunrise);
            Compare("Dhuhr", ours.Dhuhr, day.Dhuhr);
            Compare("Asr", ours.Asr, day.Asr);
            Compare("Maghrib", ours.Maghrib, day.Maghrib);
            Compare("Isha", ours.Isha, day.Isha);

            void Compare(string prayer, LocalDateTime actual, LocalDateTime expected)
            {
                var deviation = Period.Between(expected, actual, PeriodUnits.Seconds).ToDuration();
                var magnitude = deviation < Duration.Zero ? -deviation : deviation;
                if (!worst.TryGetValue(prayer, out var max) || magnitude > max)
                {
                    worst[prayer] = magnitude;
                }

                if (magnitude > Tolerance)
                {
                    failures.Add($"{day.Date:uuuu-MM-dd} {prayer}: ours {actual:HH:mm:ss}, adhan {expected:HH:mm:ss}");
                }
            }
        }

        output.WriteLine($"{city}: max deviation in seconds " + string.Join(", ", worst.Select(w => $"{w.Key} {w.Value.TotalSeconds:0}")));
        Assert.Empty(failures);
        // The low-precision solar formulas are good to seconds; a drift near the tolerance means a bug.
        Assert.All(worst.Values, max => Assert.True(max < Duration.FromSeconds(60), $"{city}: deviation {max.TotalSeconds:0}s"));
    }

    [Fact]
    public void PrayerTimes_Palembang11January2027_MatchThePublishedAdhanMinutes()
    {
        // PLATFORM-NOTES: plain adhan (MWL: +1 min on Dhuhr only, rounded to the minute) gives Dhuhr 12:10,
        // Asr 15:34, Maghrib 18:17, Isha 19:32 WIB. Kemenag adds 2 min to each (1 more than MWL on Dhuhr).
        var times = PrayerTimes.For(new LocalDate(2027, 1, 11), -2.9761, 104.7754, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]);

        AssertNear(new LocalTime(12, 11), times.Dhuhr.TimeOfDay);
        AssertNear(new LocalTime(15, 36), times.Asr.TimeOfDay);
        AssertNear(new LocalTime(18, 19), times.Maghrib.TimeOfDay);
        AssertNear(new LocalTime(19, 34), times.Isha.TimeOfDay);
        Assert.True(times.Fajr < times.Sunrise && times.Sunrise < times.Dhuhr && times.Dhuhr < times.Asr && times.Asr < times.Maghrib && times.Maghrib < times.Isha);
    }

    [Fact]
    public void PrayerTimes_SameSolarDayInThreeZones_DifferByTheZoneOffset()
    {
        // A place on 105°E read in WIB and in WITA shows the same instants one hour apart on the clock.
        var date = new LocalDate(2027, 3, 5);
        var wib = PrayerTimes.For(date, -3.0, 105.0, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]);
        var wita = PrayerTimes.For(date, -3.0, 105.0, DateTimeZoneProviders.Tzdb["Asia/Makassar"]);

        Assert.Equal(wib.Dhuhr.PlusHours(1), wita.Dhuhr);
        Assert.Equal(wib.Maghrib.PlusHours(1), wita.Maghrib);
    }

    private static void AssertNear(LocalTime expected, LocalTime actual)
    {
        var difference = Math.Abs((actual - expected).ToDuration().TotalMinutes);
        Assert.True(difference <= 1.0, $"expected about {expected:HH:mm}, got {actual:HH:mm:ss}");
    }
}
