using NodaTime;

namespace BkOutreach.Core.Booking;

/// <summary>
/// Meeting times and modes as words for SMS, in Bahasa Indonesia or English; day and month names are our
/// own tables so the output never depends on the server's culture data.
/// </summary>
public static class MeetingText
{
    private static readonly string[] DaysId = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
    private static readonly string[] DaysEn = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    private static readonly string[] MonthsId = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
    private static readonly string[] MonthsEn = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary><c>Sabtu 16 Jan 08:00 WIB</c>: short, so an SMS stays within its segments.</summary>
    public static string Format(ZonedDateTime start, string? language)
    {
        var en = language == "en";
        var day = (en ? DaysEn : DaysId)[(int)start.DayOfWeek - 1];
        var month = (en ? MonthsEn : MonthsId)[start.Month - 1];
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{day} {start.Day} {month} {start.Hour:00}:{start.Minute:00} {ZoneAbbreviation(start.Zone.Id)}");
    }

    public static string Mode(string mode, string? language) => (mode, language == "en") switch
    {
        ("online", true) => "online",
        ("online", false) => "daring",
        (_, true) => "in person",
        _ => "tatap muka",
    };

    /// <summary>WIB, WITA and WIT are what Indonesian parents read; any other zone shows its id.</summary>
    public static string ZoneAbbreviation(string zoneId) => zoneId switch
    {
        "Asia/Jakarta" or "Asia/Pontianak" => "WIB",
        "Asia/Makassar" => "WITA",
        "Asia/Jayapura" => "WIT",
        _ => zoneId,
    };
}
