using System.Text.Json;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Tests.Scheduling;

/// <summary>Settings and clocks the scheduling tests share: a Palembang school in the 2026/2027 even term.</summary>
internal static class SchedulingFixtures
{
    public static readonly DateTimeZone Wib = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];

    /// <summary>Monday 11 January 2027, 09:00 WIB.</summary>
    public static readonly Instant MondayMorning = Instant.FromUtc(2027, 1, 11, 2, 0);

    public static SchoolSettings Palembang { get; } = new()
    {
        Name = "MA Aisyiyah 1 Palembang",
        TimeZone = "Asia/Jakarta",
        Latitude = -2.9761,
        Longitude = 104.7754,
        Terms = [new Term("2026/2027 Genap", "2027-01-04", "2027-06-19")],
    };

    public static CounselorSettings Counselor { get; } = new()
    {
        Name = "Rahmawati Yusuf, S.Pd.",
        Email = "rahmawati.yusuf@ma-aisyiyah1plg.sch.id",
        SlotMinutes = 30,
        BufferMinutes = 10,
        Seats = 1,
        MinimumNoticeHours = 24,
        HorizonDays = 28,
    };

    public static SlotQuery Query(
        SchoolSettings? school = null,
        CounselorSettings? counselor = null,
        IReadOnlyList<ExistingBooking>? bookings = null,
        IReadOnlyList<Interval>? busy = null,
        Instant? now = null,
        string counselorId = "bk-1") =>
        new(school ?? Palembang, counselorId, counselor ?? Counselor, bookings ?? [], busy ?? [], now ?? MondayMorning);

    public static Instant AtWib(int year, int month, int day, int hour, int minute) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneStrictly(Wib).ToInstant();

    public static JsonDocument DemoData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "data", "demo", "demo-school.json");
            if (File.Exists(path))
            {
                return JsonDocument.Parse(File.ReadAllText(path));
            }
        }

        throw new InvalidOperationException("data/demo/demo-school.json not found.");
    }
}

/// <summary>No prayer blackouts, so rule tests see the plain grid.</summary>
internal sealed class NoPrayerBlackouts : IPrayerBlackoutCalculator
{
    public IReadOnlyList<PrayerBlackout> For(LocalDate date, SchoolSettings school) => [];
}

/// <summary>The same blackouts (times of day) on every date.</summary>
internal sealed class FixedPrayerBlackouts(params (LocalTime From, LocalTime To)[] blocks) : IPrayerBlackoutCalculator
{
    public IReadOnlyList<PrayerBlackout> For(LocalDate date, SchoolSettings school) =>
        blocks.Select(b => new PrayerBlackout("fixed", date + b.From, date + b.To)).ToList();
}
