namespace BkOutreach.Core.Schools;

/// <summary>
/// Which times around the daily prayers get no meetings (optional part of the school document). Each of
/// Dhuhr, Asr, Maghrib and Isya is blocked from <c>before</c> minutes before to <c>after</c> minutes after
/// its time (ihtiyat included); on Fridays the Jumatan window is blocked as well, united with Dhuhr's.
/// The stretch between Maghrib and Isya is always blocked whole: what the margins leave of it is too short
/// for a meeting and it is when families pray and eat.
/// </summary>
public sealed record PrayerBlackoutSettings
{
    /// <summary>Off for schools that do not want prayer blackouts at all.</summary>
    public bool Enabled { get; init; } = true;

    public PrayerMargin Dhuhr { get; init; } = PrayerMargin.Default;

    public PrayerMargin Asr { get; init; } = PrayerMargin.Default;

    public PrayerMargin Maghrib { get; init; } = PrayerMargin.Default;

    public PrayerMargin Isha { get; init; } = PrayerMargin.Default;

    /// <summary>Friday prayer: this local window at least ("HH:mm"), whatever Dhuhr's time.</summary>
    public TimeWindow Jumatan { get; init; } = new("11:30", "13:00");
}

/// <summary>Minutes before and after a prayer time in which no meeting may lie.</summary>
public sealed record PrayerMargin(int Before = 10, int After = 20)
{
    public static PrayerMargin Default { get; } = new();
}
