using System.Text.Json;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using NodaTime;
using static BkOutreach.Tests.Scheduling.SchedulingFixtures;

namespace BkOutreach.Tests.Scheduling;

public sealed class PrayerBlackoutsTests
{
    private static readonly PrayerBlackouts Prayers = new();

    public static TheoryData<string, double, double, string> Cities => new()
    {
        { "Palembang", -2.9761, 104.7754, "Asia/Jakarta" },
        { "Makassar", -5.1477, 119.4327, "Asia/Makassar" },
        { "Jayapura", -2.5337, 140.7181, "Asia/Jayapura" },
    };

    private static SchoolSettings School(double latitude, double longitude, string zone) =>
        Palembang with { Latitude = latitude, Longitude = longitude, TimeZone = zone };

    [Fact]
    public void Friday_BlocksAtLeastJumatan1130To1300_UnitedWithDhuhr()
    {
        var friday = new LocalDate(2027, 1, 15);
        var times = PrayerTimes.For(friday, -2.9761, 104.7754, Wib);

        var first = Prayers.For(friday, Palembang)[0];

        Assert.Equal("jumatan", first.Name);
        Assert.True(first.Start <= friday + new LocalTime(11, 30));
        Assert.True(first.End >= friday + new LocalTime(13, 0));
        Assert.True(first.Start <= times.Dhuhr.PlusMinutes(-10) && first.End >= times.Dhuhr.PlusMinutes(20));
    }

    [Fact]
    public void Weekday_BlocksDhuhrAsrAndMaghribToIsyaWithDefaultMargins()
    {
        var tuesday = new LocalDate(2027, 1, 12);
        var times = PrayerTimes.For(tuesday, -2.9761, 104.7754, Wib);

        var blocks = Prayers.For(tuesday, Palembang);

        Assert.Equal(["dhuhr", "asr", "maghrib_isya"], blocks.Select(b => b.Name));
        AssertCovers(blocks[0], times.Dhuhr, 10, 20);
        AssertCovers(blocks[1], times.Asr, 10, 20);
        AssertCovers(blocks[2], times.Maghrib, 10, 0);
        AssertCovers(blocks[2], times.Isha, 0, 20);
        Assert.True(blocks[0].End <= blocks[0].Start.PlusMinutes(31));
    }

    [Fact]
    public void Margins_FromTheSchoolDocument_AreUsed()
    {
        var school = Palembang with
        {
            PrayerBlackouts = new PrayerBlackoutSettings { Asr = new PrayerMargin(30, 45), Jumatan = new TimeWindow("11:00", "13:30") },
        };
        var friday = new LocalDate(2027, 1, 15);
        var times = PrayerTimes.For(friday, -2.9761, 104.7754, Wib);

        var blocks = Prayers.For(friday, school);

        Assert.Equal(friday + new LocalTime(11, 0), blocks[0].Start);
        Assert.Equal(friday + new LocalTime(13, 30), blocks[0].End);
        AssertCovers(blocks[1], times.Asr, 30, 45);
        Assert.True(blocks[1].Start >= times.Asr.PlusMinutes(-31));
    }

    [Fact]
    public void Disabled_GivesNoBlackouts()
    {
        var school = Palembang with { PrayerBlackouts = new PrayerBlackoutSettings { Enabled = false } };

        Assert.Empty(Prayers.For(new LocalDate(2027, 1, 15), school));
    }

    [Fact]
    public void SchoolDocument_WithoutPrayerBlackouts_RoundTripsThroughJson()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var json = """{"name":"X","timeZone":"Asia/Makassar","prayerBlackouts":{"asr":{"before":5,"after":15}}}""";

        var school = JsonSerializer.Deserialize<SchoolSettings>(json, web)!;

        Assert.Equal(new PrayerMargin(5, 15), school.PrayerBlackouts!.Asr);
        Assert.Equal(PrayerMargin.Default, school.PrayerBlackouts.Dhuhr);
        Assert.Null(JsonSerializer.Deserialize<SchoolSettings>("""{"name":"X"}""", web)!.PrayerBlackouts);
    }

    [Theory]
    [MemberData(nameof(Cities))]
    public void Slots_AllDayEveryDay_NeverOverlapPrayersInTheSchoolsZone(string city, double latitude, double longitude, string zoneId)
    {
        // A counsellor free 06:00–22:00 every day for 60 days: whatever survives must keep clear of every
        // prayer with its margins, in the school's own zone (WIB, WITA, WIT), checked against PrayerTimes.
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var school = School(latitude, longitude, zoneId) with { Terms = [] };
        var counselor = Counselor with
        {
            Windows = [new(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "06:00", "22:00")],
            MinimumNoticeHours = 0,
            HorizonDays = 60,
        };
        var now = new LocalDate(2027, 1, 4).AtMidnight().InZoneStrictly(zone).ToInstant();

        var slots = new SlotCalculator(Prayers).OpenSlots(Query(school: school, counselor: counselor, now: now));

        Assert.True(slots.Count > 60 * 8, $"{city}: only {slots.Count} slots");
        foreach (var slot in slots)
        {
            Assert.Equal(zone, slot.Start.Zone);
            var times = PrayerTimes.For(slot.Start.Date, latitude, longitude, zone);
            var start = slot.Start.LocalDateTime;
            var end = slot.End.LocalDateTime;
            AssertClear(slot, start, end, times.Dhuhr.PlusMinutes(-10), times.Dhuhr.PlusMinutes(20));
            AssertClear(slot, start, end, times.Asr.PlusMinutes(-10), times.Asr.PlusMinutes(20));
            AssertClear(slot, start, end, times.Maghrib.PlusMinutes(-10), times.Isha.PlusMinutes(20));
            if (slot.Start.DayOfWeek == IsoDayOfWeek.Friday)
            {
                AssertClear(slot, start, end, slot.Start.Date + new LocalTime(11, 30), slot.Start.Date + new LocalTime(13, 0));
            }
        }

        // The gaps between prayers are still used: an afternoon slot between Dhuhr and Asr on a Monday.
        var monday = new LocalDate(2027, 1, 11);
        var mondayTimes = PrayerTimes.For(monday, latitude, longitude, zone);
        Assert.Contains(slots, s => s.Start.Date == monday && s.Start.LocalDateTime > mondayTimes.Dhuhr && s.End.LocalDateTime < mondayTimes.Asr);
        Assert.Contains(slots, s => s.Start.Date == monday && s.Start.LocalDateTime > mondayTimes.Isha);
    }

    [Fact]
    public void DemoSchool_EverySlot_IsWeekendOrWeekdayEvening_AndClearOfJumatanMaghribIsya()
    {
        using var demo = DemoData();
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var school = demo.RootElement.GetProperty("school").Deserialize<SchoolSettings>(web)!;
        var calculator = new SlotCalculator(Prayers);
        var checkedSlots = 0;
        foreach (var entry in demo.RootElement.GetProperty("counselors").EnumerateArray())
        {
            var id = entry.GetProperty("id").GetString()!;
            var counselor = entry.Deserialize<CounselorSettings>(web)!;
            var slots = calculator.OpenSlots(new SlotQuery(school, id, counselor, [], [], MondayMorning));
            Assert.NotEmpty(slots);
            foreach (var slot in slots)
            {
                checkedSlots++;
                var day = slot.Start.DayOfWeek;
                Assert.True(day is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday || slot.Start.TimeOfDay >= new LocalTime(18, 0), $"{slot.Id} is in working hours");
                var times = PrayerTimes.For(slot.Start.Date, school.Latitude, school.Longitude, Wib);
                AssertClear(slot, slot.Start.LocalDateTime, slot.End.LocalDateTime, times.Maghrib, times.Isha.PlusMinutes(15));
                if (day == IsoDayOfWeek.Friday)
                {
                    AssertClear(slot, slot.Start.LocalDateTime, slot.End.LocalDateTime, slot.Start.Date + new LocalTime(11, 30), slot.Start.Date + new LocalTime(13, 0));
                }
            }
        }

        Assert.True(checkedSlots > 20);
    }

    private static void AssertCovers(PrayerBlackout block, LocalDateTime time, int before, int after)
    {
        Assert.True(block.Start <= time.PlusMinutes(-before), $"{block.Name} starts {block.Start:HH:mm}, prayer {time:HH:mm:ss} − {before}");
        Assert.True(block.End >= time.PlusMinutes(after), $"{block.Name} ends {block.End:HH:mm}, prayer {time:HH:mm:ss} + {after}");
    }

    private static void AssertClear(OpenSlot slot, LocalDateTime start, LocalDateTime end, LocalDateTime blockStart, LocalDateTime blockEnd) =>
        Assert.False(start < blockEnd && blockStart < end, $"{slot.Id} overlaps {blockStart:HH:mm:ss}–{blockEnd:HH:mm:ss}");
}
