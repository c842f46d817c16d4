using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using NodaTime;
using static BkOutreach.Tests.Scheduling.SchedulingFixtures;

namespace BkOutreach.Tests.Scheduling;

public sealed class SlotCalculatorTests
{
    private static readonly SlotCalculator Plain = new(new NoPrayerBlackouts());

    private static List<string> StartsOn(IEnumerable<OpenSlot> slots, LocalDate date) =>
        slots.Where(s => s.Start.Date == date).Select(s => s.Start.TimeOfDay.ToString("HH:mm", null)).ToList();

    [Fact]
    public void OpenSlots_DefaultPolicy_OnlyWeekendMorningsAndMondayToThursdayEvenings()
    {
        var slots = Plain.OpenSlots(Query());

        Assert.NotEmpty(slots);
        Assert.All(slots, s =>
        {
            var day = s.Start.DayOfWeek;
            var weekend = day is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday
                && s.Start.TimeOfDay >= new LocalTime(8, 0) && s.End.TimeOfDay <= new LocalTime(12, 0);
            var evening = day is >= IsoDayOfWeek.Monday and <= IsoDayOfWeek.Thursday
                && s.Start.TimeOfDay >= new LocalTime(19, 30) && s.End.TimeOfDay <= new LocalTime(21, 0);
            Assert.True(weekend || evening, $"{s.Id} is neither a weekend morning nor a weekday evening");
            Assert.Equal(MeetingMode.Either, s.Mode);
        });
        Assert.Equal(["08:00", "08:40", "09:20", "10:00", "10:40", "11:20"], StartsOn(slots, new LocalDate(2027, 1, 16)));
        Assert.Equal(["19:30", "20:10"], StartsOn(slots, new LocalDate(2027, 1, 12)));
        Assert.Empty(StartsOn(slots, new LocalDate(2027, 1, 15)));
    }

    [Fact]
    public void OpenSlots_AreInTheSchoolZoneWithItsOffset_AndTheirIdsRoundTrip()
    {
        var slots = Plain.OpenSlots(Query());
        var again = Plain.OpenSlots(Query());

        Assert.Equal(slots.Select(s => s.Id), again.Select(s => s.Id));
        Assert.All(slots, s =>
        {
            Assert.Equal(Wib, s.Start.Zone);
            Assert.Equal(Offset.FromHours(7), s.Start.Offset);
            Assert.Equal(Duration.FromMinutes(30), s.End.ToInstant() - s.Start.ToInstant());
            Assert.True(SlotId.TryParse(s.Id.ToString(), out var parsed));
            Assert.Equal(s.Id, parsed);
            Assert.Equal(s.Start.LocalDateTime, parsed.Start);
        });
        Assert.Equal(slots.Count, slots.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public void OpenSlots_BufferBetweenConsecutiveSlots_IsKept()
    {
        var counselor = Counselor with { SlotMinutes = 45, BufferMinutes = 15, Windows = [new(["Sat"], "08:00", "12:00", "in_person")] };

        var slots = Plain.OpenSlots(Query(counselor: counselor));

        Assert.Equal(["08:00", "09:00", "10:00", "11:00"], StartsOn(slots, new LocalDate(2027, 1, 16)));
        Assert.All(slots, s => Assert.Equal(MeetingMode.InPerson, s.Mode));
    }

    [Fact]
    public void OpenSlots_MinimumNotice_HidesSlotsStartingTooSoon()
    {
        var fridayMorning = AtWib(2027, 1, 15, 10, 0);

        var slots = Plain.OpenSlots(Query(now: fridayMorning));

        Assert.Equal(["10:00", "10:40", "11:20"], StartsOn(slots, new LocalDate(2027, 1, 16)));
        Assert.All(slots, s => Assert.True(s.Start.ToInstant() >= fridayMorning + Duration.FromHours(24)));
        Assert.False(Plain.TryGetBookable("bk-1.20270116T0920.30", Query(now: fridayMorning), out _, out var rejection));
        Assert.Equal(SlotRejection.InsideNotice, rejection);
        Assert.Equal("inside_notice", rejection.ToWire());
    }

    [Fact]
    public void OpenSlots_NoticeOfZero_StillHidesThePast()
    {
        var saturdayNine = AtWib(2027, 1, 16, 9, 0);

        var slots = Plain.OpenSlots(Query(counselor: Counselor with { MinimumNoticeHours = 0 }, now: saturdayNine));

        Assert.Equal(["09:20", "10:00", "10:40", "11:20"], StartsOn(slots, new LocalDate(2027, 1, 16)));
        Assert.False(Plain.TryGetBookable("bk-1.20270116T0840.30", Query(now: saturdayNine), out _, out var rejection));
        Assert.Equal(SlotRejection.Past, rejection);
    }

    [Fact]
    public void OpenSlots_Horizon_HidesSlotsBeyondIt()
    {
        var query = Query(counselor: Counselor with { HorizonDays = 7 });

        var slots = Plain.OpenSlots(query);

        Assert.All(slots, s => Assert.True(s.Start.ToInstant() <= MondayMorning + Duration.FromDays(7)));
        Assert.Equal(new LocalDateTime(2027, 1, 17, 11, 20), slots[^1].Start.LocalDateTime);
        Assert.False(Plain.TryGetBookable("bk-1.20270118T1930.30", query, out _, out var rejection));
        Assert.Equal(SlotRejection.BeyondHorizon, rejection);
    }

    [Fact]
    public void OpenSlots_BlackoutDatesAndRanges_HaveNoSlots()
    {
        var school = Palembang with
        {
            Blackouts = [new Blackout("2027-01-16", null, "Acara sekolah"), new Blackout("2027-01-23", "2027-01-24", "Cuti bersama")],
        };

        var slots = Plain.OpenSlots(Query(school: school));

        Assert.Empty(StartsOn(slots, new LocalDate(2027, 1, 16)));
        Assert.Empty(StartsOn(slots, new LocalDate(2027, 1, 23)));
        Assert.Empty(StartsOn(slots, new LocalDate(2027, 1, 24)));
        Assert.NotEmpty(StartsOn(slots, new LocalDate(2027, 1, 17)));
        Assert.NotEmpty(StartsOn(slots, new LocalDate(2027, 1, 25)));
        Assert.False(Plain.TryGetBookable("bk-1.20270116T0800.30", Query(school: school), out _, out var rejection));
        Assert.Equal(SlotRejection.NotOffered, rejection);
    }

    [Fact]
    public void OpenSlots_Terms_OfferOnlyDatesInsideATerm()
    {
        var school = Palembang with
        {
            Terms = [new Term("Ganjil", "2026-07-13", "2027-01-17"), new Term("Genap", "2027-02-01", "2027-06-19")],
        };

        var slots = Plain.OpenSlots(Query(school: school));

        Assert.Contains(slots, s => s.Start.Date == new LocalDate(2027, 1, 17));
        Assert.Contains(slots, s => s.Start.Date == new LocalDate(2027, 2, 1));
        Assert.DoesNotContain(slots, s => s.Start.Date > new LocalDate(2027, 1, 17) && s.Start.Date < new LocalDate(2027, 2, 1));
    }

    [Fact]
    public void OpenSlots_Seats_CountBookingsOfExactlyThatSlot()
    {
        var counselor = Counselor with { Seats = 3 };
        ExistingBooking Seat() => new("bk-1", AtWib(2027, 1, 16, 8, 0), AtWib(2027, 1, 16, 8, 30));

        var twoTaken = Plain.OpenSlots(Query(counselor: counselor, bookings: [Seat(), Seat()]));
        var full = Query(counselor: counselor, bookings: [Seat(), Seat(), Seat()]);

        var slot = Assert.Single(twoTaken, s => s.Id.ToString() == "bk-1.20270116T0800.30");
        Assert.Equal((3, 1), (slot.Capacity, slot.Remaining));
        Assert.Equal(3, Assert.Single(twoTaken, s => s.Id.ToString() == "bk-1.20270116T0840.30").Remaining);
        Assert.DoesNotContain(Plain.OpenSlots(full), s => s.Id.ToString() == "bk-1.20270116T0800.30");
        Assert.False(Plain.TryGetBookable("bk-1.20270116T0800.30", full, out _, out var rejection));
        Assert.Equal(SlotRejection.Taken, rejection);
        Assert.Equal("slot_taken", rejection.ToWire());
    }

    [Fact]
    public void OpenSlots_BookingOfADifferentLength_BlocksEveryOverlappingSlot()
    {
        // Booked under last month's rules: 45 minutes from 08:00. Today's 30-minute grid must not offer
        // 08:00 (same start, not the same slot) nor 08:40 (overlaps 08:40–08:45), whatever the seats.
        var counselor = Counselor with { Seats = 3 };
        var query = Query(counselor: counselor, bookings: [new("bk-1", AtWib(2027, 1, 16, 8, 0), AtWib(2027, 1, 16, 8, 45))]);

        var slots = Plain.OpenSlots(query);

        Assert.Equal(["09:20", "10:00", "10:40", "11:20"], StartsOn(slots, new LocalDate(2027, 1, 16)));
        Assert.False(Plain.TryGetBookable("bk-1.20270116T0840.30", query, out _, out var rejection));
        Assert.Equal(SlotRejection.Taken, rejection);
    }

    [Fact]
    public void OpenSlots_BookingWithinTheBuffer_BlocksTheNeighbour()
    {
        // 09:10–09:15 touches 08:40–09:10 and leaves 09:20 only 5 of the 10 minutes of buffer.
        var query = Query(bookings: [new("bk-1", AtWib(2027, 1, 16, 9, 10), AtWib(2027, 1, 16, 9, 15))]);

        Assert.Equal(["08:00", "10:00", "10:40", "11:20"], StartsOn(Plain.OpenSlots(query), new LocalDate(2027, 1, 16)));
    }

    [Fact]
    public void OpenSlots_BookingsOfOtherCounselors_DoNotCount()
    {
        var slots = Plain.OpenSlots(Query(bookings: [new("bk-2", AtWib(2027, 1, 16, 8, 0), AtWib(2027, 1, 16, 8, 30))]));

        Assert.Equal(1, Assert.Single(slots, s => s.Id.ToString() == "bk-1.20270116T0800.30").Remaining);
    }

    [Fact]
    public void OpenSlots_BusyTime_HidesOverlappingSlots()
    {
        var slots = Plain.OpenSlots(Query(busy: [new Interval(AtWib(2027, 1, 16, 10, 0), AtWib(2027, 1, 16, 11, 0))]));

        Assert.Equal(["08:00", "08:40", "09:20", "11:20"], StartsOn(slots, new LocalDate(2027, 1, 16)));
    }

    [Fact]
    public void OpenSlots_BusyTimeThatIsOurOwnBooking_LeavesTheOtherSeats()
    {
        var start = AtWib(2027, 1, 16, 8, 0);
        var end = AtWib(2027, 1, 16, 8, 30);

        var slots = Plain.OpenSlots(Query(counselor: Counselor with { Seats = 2 }, bookings: [new("bk-1", start, end)], busy: [new Interval(start, end)]));

        Assert.Equal(1, Assert.Single(slots, s => s.Id.ToString() == "bk-1.20270116T0800.30").Remaining);
    }

    [Fact]
    public void OpenSlots_WindowModes_AreCarriedToTheSlots()
    {
        var counselor = Counselor with
        {
            Windows = [new(["Sat"], "08:00", "10:00", "in_person"), new(["Sun"], "09:00", "11:00", "online")],
        };

        var slots = Plain.OpenSlots(Query(counselor: counselor));

        Assert.All(slots, s => Assert.Equal(s.Start.DayOfWeek == IsoDayOfWeek.Saturday ? MeetingMode.InPerson : MeetingMode.Online, s.Mode));
        Assert.Contains(slots, s => s.Mode == MeetingMode.Online);
        Assert.Equal("in_person", MeetingMode.InPerson.ToWire());
    }

    [Fact]
    public void OpenSlots_PrayerBlackout_MovesTheGridPastIt()
    {
        var calculator = new SlotCalculator(new FixedPrayerBlackouts((new LocalTime(19, 20), new LocalTime(19, 57))));

        var slots = calculator.OpenSlots(Query());

        Assert.Equal(["20:00"], StartsOn(slots, new LocalDate(2027, 1, 12)));
        Assert.True(calculator.TryGetBookable("bk-1.20270112T2000.30", Query(), out _, out _));
        Assert.False(calculator.TryGetBookable("bk-1.20270112T1930.30", Query(), out _, out var rejection));
        Assert.Equal(SlotRejection.NotOffered, rejection);
    }

    [Theory]
    [InlineData("garbage", SlotRejection.Malformed)]
    [InlineData(null, SlotRejection.Malformed)]
    [InlineData("bk-2.20270116T0800.30", SlotRejection.WrongCounselor)]
    [InlineData("bk-1.20270116T0805.30", SlotRejection.NotOffered)]
    [InlineData("bk-1.20270116T0800.45", SlotRejection.NotOffered)]
    [InlineData("bk-1.20270115T1930.30", SlotRejection.NotOffered)]
    [InlineData("bk-1.20270116T1300.30", SlotRejection.NotOffered)]
    [InlineData("bk-1.20270110T0800.30", SlotRejection.Past)]
    public void TryGetBookable_UnbookableIds_SayWhy(string? slotId, SlotRejection expected)
    {
        Assert.False(Plain.TryGetBookable(slotId, Query(), out var slot, out var rejection));
        Assert.Null(slot);
        Assert.Equal(expected, rejection);
    }

    [Fact]
    public void TryGetBookable_AnOfferedSlot_ReturnsTheSameSlotAsTheList()
    {
        var listed = Plain.OpenSlots(Query()).First(s => s.Start.DayOfWeek == IsoDayOfWeek.Sunday);

        Assert.True(Plain.TryGetBookable(listed.Id.ToString(), Query(), out var slot, out var rejection));
        Assert.Equal(SlotRejection.None, rejection);
        Assert.Equal(listed, slot);
    }

    [Fact]
    public void OpenSlots_InvalidSettings_AreRefusedWithTheProblems()
    {
        var error = Assert.Throws<ArgumentException>(() => Plain.OpenSlots(Query(counselor: Counselor with { Seats = 0 })));

        Assert.Contains("counselor.seats", error.Message, StringComparison.Ordinal);
    }
}
