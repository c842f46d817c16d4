using System.Globalization;
using BkOutreach.Core.Scheduling;
using NodaTime;

namespace BkOutreach.Core.Booking.Pages;

/// <summary>
/// The words the pages take from data: day and month names, meeting modes and the zone abbreviation, in
/// Bahasa Indonesia or English. Our own tables, not the OS culture data, so a server without (or with
/// different) ICU data still writes "Sabtu, 16 Januari 2027".
/// </summary>
internal static class PageText
{
    public const string Indonesian = "id";
    public const string English = "en";

    private static readonly string[] IndonesianDays = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
    private static readonly string[] EnglishDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    private static readonly string[] IndonesianMonths =
    [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ];

    private static readonly string[] EnglishMonths =
    [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ];

    /// <summary>English for "en" (any region), Bahasa Indonesia for everything else, including nothing.</summary>
    public static string Language(string? language) =>
        language is not null && language.Trim().StartsWith(English, StringComparison.OrdinalIgnoreCase) ? English : Indonesian;

    /// <summary>"Sabtu, 16 Januari 2027" / "Saturday 16 January 2027".</summary>
    public static string Date(LocalDate date, string language)
    {
        var month = date.Month - 1;
        var year = date.Year.ToString(CultureInfo.InvariantCulture);
        var dayOfMonth = date.Day.ToString(CultureInfo.InvariantCulture);
        return language == English
            ? $"{Day(date.DayOfWeek, language)} {dayOfMonth} {EnglishMonths[month]} {year}"
            : $"{Day(date.DayOfWeek, language)}, {dayOfMonth} {IndonesianMonths[month]} {year}";
    }

    /// <summary>"Sabtu" / "Saturday".</summary>
    public static string Day(IsoDayOfWeek day, string language) => (language == English ? EnglishDays : IndonesianDays)[(int)day - 1];

    /// <summary>"08:00–08:30" (24-hour clock, en dash), local times of the school.</summary>
    public static string TimeRange(ZonedDateTime start, ZonedDateTime end) =>
        $"{Clock(start.TimeOfDay)}\u2013{Clock(end.TimeOfDay)}";

    /// <summary>WIB, WITA or WIT for Indonesia's zones; otherwise the UTC offset ("UTC+10").</summary>
    public static string Zone(ZonedDateTime at) => at.Zone.Id switch
    {
        "Asia/Jakarta" or "Asia/Pontianak" => "WIB",
        "Asia/Makassar" => "WITA",
        "Asia/Jayapura" => "WIT",
        _ => "UTC" + Offset(at.Offset),
    };

    public static string Mode(MeetingMode mode, string language) => (mode, language) switch
    {
        (MeetingMode.InPerson, English) => "in person",
        (MeetingMode.Online, English) => "online",
        (_, English) => "in person or online",
        (MeetingMode.InPerson, _) => "tatap muka",
        (MeetingMode.Online, _) => "daring",
        _ => "tatap muka atau daring",
    };

    private static string Clock(LocalTime time) =>
        time.Hour.ToString("00", CultureInfo.InvariantCulture) + ":" + time.Minute.ToString("00", CultureInfo.InvariantCulture);

    private static string Offset(Offset offset)
    {
        var seconds = offset.Seconds;
        var sign = seconds < 0 ? "-" : "+";
        seconds = Math.Abs(seconds);
        var hours = (seconds / 3600).ToString(CultureInfo.InvariantCulture);
        var minutes = seconds / 60 % 60;
        return minutes == 0 ? sign + hours : sign + hours + ":" + minutes.ToString("00", CultureInfo.InvariantCulture);
    }
}
