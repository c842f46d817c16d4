namespace BkOutreach.Core.Scheduling;

/// <summary>
/// The sun's declination and the equation of time from the low-precision "approximate solar coordinates"
/// of the U.S. Naval Observatory (about one arc-minute within two centuries of J2000, i.e. a few seconds of
/// time) — far finer than the minutes that prayer times are published in.
/// </summary>
internal readonly record struct SolarPosition(double DeclinationDegrees, double EquationOfTimeHours)
{
    private const double J2000 = 2451545.0;

    /// <param name="julianDate">Julian date (UT) of the moment the position is wanted for.</param>
    public static SolarPosition At(double julianDate)
    {
        var d = julianDate - J2000;
        var meanAnomaly = Angle.Normalize(357.529 + (0.98560028 * d));
        var meanLongitude = Angle.Normalize(280.459 + (0.98564736 * d));
        var eclipticLongitude = Angle.Normalize(
            meanLongitude + (1.915 * Angle.Sin(meanAnomaly)) + (0.020 * Angle.Sin(2 * meanAnomaly)));
        var obliquity = 23.439 - (0.00000036 * d);

        var rightAscensionHours = Angle.Normalize(Angle.Atan2(
            Angle.Cos(obliquity) * Angle.Sin(eclipticLongitude),
            Angle.Cos(eclipticLongitude))) / 15.0;
        var declination = Angle.Asin(Angle.Sin(obliquity) * Angle.Sin(eclipticLongitude));

        // Mean longitude and right ascension can sit on opposite sides of 0h; the equation of time is
        // always small (under 17 minutes), so wrap it into -12h..12h.
        var equationOfTime = (meanLongitude / 15.0) - rightAscensionHours;
        equationOfTime -= 24.0 * Math.Round(equationOfTime / 24.0);
        return new SolarPosition(declination, equationOfTime);
    }
}

/// <summary>Trigonometry in degrees, as the astronomical formulas are written.</summary>
internal static class Angle
{
    private const double DegreesPerRadian = 180.0 / Math.PI;

    public static double Sin(double degrees) => Math.Sin(degrees / DegreesPerRadian);

    public static double Cos(double degrees) => Math.Cos(degrees / DegreesPerRadian);

    public static double Tan(double degrees) => Math.Tan(degrees / DegreesPerRadian);

    public static double Asin(double x) => Math.Asin(x) * DegreesPerRadian;

    public static double Acos(double x) => Math.Acos(x) * DegreesPerRadian;

    public static double Atan(double x) => Math.Atan(x) * DegreesPerRadian;

    public static double Atan2(double y, double x) => Math.Atan2(y, x) * DegreesPerRadian;

    public static double Normalize(double degrees)
    {
        var reduced = degrees % 360.0;
        return reduced < 0 ? reduced + 360.0 : reduced;
    }
}
