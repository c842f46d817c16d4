using NodaTime;

namespace BkOutreach.Core.Scheduling;

/// <summary>
/// How prayer times are derived. <see cref="Kemenag"/> is what the Indonesian Ministry of Religious Affairs
/// publishes: Fajr (Subuh) at 20° and Isha (Isya) at 18° below the horizon, Shafi'i Asr (shadow equal to the
/// object plus its noon shadow), and 2 minutes of ihtiyat (a safety margin) added to every prayer and taken
/// off sunrise (Syuruq), so that nobody prays too early or ends Subuh too late.
/// </summary>
public sealed record PrayerCalculationParameters(double FajrAngle, double IshaAngle, double AsrShadowFactor, int IhtiyatMinutes)
{
    public static PrayerCalculationParameters Kemenag { get; } = new(20.0, 18.0, 1.0, 2);
}

/// <summary>Prayer times of one date in the school's zone, ihtiyat included, to the second.</summary>
public sealed record DailyPrayerTimes(
    LocalDate Date,
    LocalDateTime Fajr,
    LocalDateTime Sunrise,
    LocalDateTime Dhuhr,
    LocalDateTime Asr,
    LocalDateTime Maghrib,
    LocalDateTime Isha);

/// <summary>
/// Prayer times from the sun's position: Dhuhr is solar transit, Maghrib is sunset and Sunrise is sunrise
/// (upper limb on the horizon, with 0.833° for refraction and the sun's radius), Fajr and Isha are the sun
/// at the twilight angles below the horizon, Asr is the sun at the altitude whose shadow is
/// <c>factor + tan|latitude − declination|</c> times the object's height. Each event is found by iterating
/// on the sun's position at the event itself, so the slow drift of declination through the day is included.
/// Where a twilight angle is never reached (summer beyond roughly 48° latitude) the time falls at solar
/// midnight, the darkest moment of that night; Indonesia never needs that.
/// </summary>
public static class PrayerTimes
{
    private const double SunriseAltitude = -0.833;
    private const int Iterations = 4;
    private static readonly Instant JulianEpochAnchor = Instant.FromUtc(1970, 1, 1, 0, 0);

    public static DailyPrayerTimes For(LocalDate date, double latitude, double longitude, DateTimeZone zone) =>
        For(date, latitude, longitude, zone, PrayerCalculationParameters.Kemenag);

    public static DailyPrayerTimes For(
        LocalDate date,
        double latitude,
        double longitude,
        DateTimeZone zone,
        PrayerCalculationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(parameters);

        var localNoon = date.At(new LocalTime(12, 0)).InZoneLeniently(zone).ToInstant();
        var transit = Solve(localNoon, longitude, _ => 0.0);

        double AltitudeHourAngle(SolarPosition sun, double altitude) =>
            HourAngleHours(latitude, sun.DeclinationDegrees, altitude);

        var fajr = Solve(transit, longitude, sun => -AltitudeHourAngle(sun, -parameters.FajrAngle));
        var sunrise = Solve(transit, longitude, sun => -AltitudeHourAngle(sun, SunriseAltitude));
        // The Asr shadow is measured against the noon shadow, so its altitude uses the declination at transit.
        var asrAltitude = AsrAltitude(latitude, SolarPosition.At(JulianDate(transit)).DeclinationDegrees, parameters.AsrShadowFactor);
        var asr = Solve(transit, longitude, sun => AltitudeHourAngle(sun, asrAltitude));
        var sunset = Solve(transit, longitude, sun => AltitudeHourAngle(sun, SunriseAltitude));
        var isha = Solve(transit, longitude, sun => AltitudeHourAngle(sun, -parameters.IshaAngle));

        var ihtiyat = Duration.FromMinutes(parameters.IhtiyatMinutes);
        LocalDateTime Local(Instant instant) => RoundToSecond(instant).InZone(zone).LocalDateTime;

        return new DailyPrayerTimes(
            date,
            Local(fajr + ihtiyat),
            Local(sunrise - ihtiyat),
            Local(transit + ihtiyat),
            Local(asr + ihtiyat),
            Local(sunset + ihtiyat),
            Local(isha + ihtiyat));
    }

    /// <summary>The instant near <paramref name="start"/> at which the sun's hour angle equals the target.</summary>
    private static Instant Solve(Instant start, double longitude, Func<SolarPosition, double> targetHourAngleHours)
    {
        var t = start;
        for (var i = 0; i < Iterations; i++)
        {
            var sun = SolarPosition.At(JulianDate(t));
            var correction = HourAngleAt(t, longitude, sun) - targetHourAngleHours(sun);
            t -= Duration.FromSeconds(correction * 3600.0);
        }

        return t;
    }

    /// <summary>Apparent solar time minus 12 h at <paramref name="t"/>, in -12..12 hours.</summary>
    private static double HourAngleAt(Instant t, double longitude, SolarPosition sun)
    {
        var universalHours = t.InUtc().TimeOfDay.TickOfDay / (double)NodaConstants.TicksPerHour;
        var hourAngle = universalHours + (longitude / 15.0) + sun.EquationOfTimeHours - 12.0;
        return hourAngle - (24.0 * Math.Round(hourAngle / 24.0));
    }

    /// <summary>Hours from transit until the sun's centre is at <paramref name="altitude"/> degrees.</summary>
    private static double HourAngleHours(double latitude, double declination, double altitude)
    {
        var cosine = (Angle.Sin(altitude) - (Angle.Sin(latitude) * Angle.Sin(declination)))
            / (Angle.Cos(latitude) * Angle.Cos(declination));
        return Angle.Acos(Math.Clamp(cosine, -1.0, 1.0)) / 15.0;
    }

    private static double AsrAltitude(double latitude, double declination, double shadowFactor) =>
        Angle.Atan(1.0 / (shadowFactor + Angle.Tan(Math.Abs(latitude - declination))));

    private static double JulianDate(Instant t) => 2440587.5 + (t - JulianEpochAnchor).TotalDays;

    private static Instant RoundToSecond(Instant t)
    {
        var ticks = t.ToUnixTimeTicks();
        var rounded = (long)Math.Round(ticks / (double)NodaConstants.TicksPerSecond, MidpointRounding.AwayFromZero);
        return Instant.FromUnixTimeSeconds(rounded);
    }
}
