using BkOutreach.Core.Booking;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Scheduling;

/// <summary>Busy time from the counsellor's own calendar; none when no calendar is connected.</summary>
public interface IBusyTimeSource
{
    Task<IReadOnlyList<Interval>> GetBusyAsync(string schoolId, string counselorId, Instant from, Instant to, CancellationToken cancellationToken);
}

/// <summary>A school's open slots with the counsellor each belongs to.</summary>
public sealed record SchoolSlots(SchoolSettings School, IReadOnlyList<(CounselorEntry Counselor, OpenSlot Slot)> Slots);

/// <summary>Gathers what the pure <see cref="SlotCalculator"/> needs from storage: settings, held seats, busy time, now.</summary>
public sealed class SlotService(SchoolDirectory directory, BookingStore bookings, SlotCalculator calculator, IBusyTimeSource busy, TimeProvider time)
{
    /// <summary>The query for one counsellor, or null when school or counsellor does not exist.</summary>
    /// <param name="leaveOut">A booking not to count (the parent's own, when rescheduling).</param>
    public async Task<SlotQuery?> QueryAsync(string schoolId, string counselorId, Booking.Booking? leaveOut, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        var counselor = school is null ? null : await directory.GetCounselorAsync(schoolId, counselorId, cancellationToken);
        return school is null || counselor is null ? null : await QueryAsync(schoolId, school, counselorId, counselor, leaveOut, cancellationToken);
    }

    public async Task<SlotQuery> QueryAsync(string schoolId, SchoolSettings school, string counselorId, CounselorSettings counselor, Booking.Booking? leaveOut, CancellationToken cancellationToken)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var until = now + Duration.FromDays(counselor.HorizonDays + 1);
        var usage = await bookings.GetSeatUsageAsync(schoolId, counselorId, now.ToDateTimeOffset(), until.ToDateTimeOffset(), cancellationToken);
        return await QueryAsync(schoolId, school, counselorId, counselor, leaveOut, usage, now, until, cancellationToken);
    }

    /// <summary>
    /// A guardian's seats with this counsellor and the counsellor's query, from ONE read of the booking
    /// partition (<see cref="BookingStore.ReadSeatsAsync"/>): the guardian's booking is left out of the seats,
    /// and the snapshot can go on to <see cref="BookingStore.TakeSeatAsync(SeatRequest, SeatSnapshot?, CancellationToken)"/>.
    /// </summary>
    /// <param name="recentSeats">For a booking request: the seats may come from this instance's view of the
    /// partition (<see cref="BookingStore.ReadSeatsAsync(string, string, string, string, DateTimeOffset, DateTimeOffset, bool, CancellationToken)"/>).</param>
    public async Task<(SeatSnapshot Seats, SlotQuery Query)> QueryForGuardianAsync(
        string schoolId, SchoolSettings school, string counselorId, CounselorSettings counselor, string campaignId, string guardianId, CancellationToken cancellationToken, bool recentSeats = false)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var until = now + Duration.FromDays(counselor.HorizonDays + 1);
        var seats = await bookings.ReadSeatsAsync(schoolId, counselorId, campaignId, guardianId, now.ToDateTimeOffset(), until.ToDateTimeOffset(), recentSeats, cancellationToken);
        return (seats, await QueryAsync(schoolId, school, counselorId, counselor, seats.Active, seats.Usage, now, until, cancellationToken));
    }

    /// <summary>Open slots of every counsellor of a school (the public feed), or null for an unknown school.</summary>
    public async Task<SchoolSlots?> SchoolSlotsAsync(string schoolId, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return null;
        }

        var all = new List<(CounselorEntry, OpenSlot)>();
        foreach (var entry in await directory.ListCounselorsAsync(schoolId, cancellationToken))
        {
            var query = await QueryAsync(schoolId, school, entry.Id, entry.Counselor, null, cancellationToken);
            all.AddRange(calculator.OpenSlots(query).Select(s => (entry, s)));
        }

        return new SchoolSlots(school, all);
    }

    private async Task<SlotQuery> QueryAsync(
        string schoolId, SchoolSettings school, string counselorId, CounselorSettings counselor, Booking.Booking? leaveOut, IReadOnlyList<SeatUsage> usage, Instant now, Instant until, CancellationToken cancellationToken)
    {
        var held = new List<ExistingBooking>();
        foreach (var u in usage)
        {
            var seats = u.Taken;
            if (leaveOut is { Status: BookingStatus.Confirmed } own && own.Start == u.Start && own.End == u.End)
            {
                seats--;
            }

            if (seats > 0)
            {
                held.Add(new ExistingBooking(counselorId, Instant.FromDateTimeOffset(u.Start), Instant.FromDateTimeOffset(u.End), seats));
            }
        }

        var busyTimes = await busy.GetBusyAsync(schoolId, counselorId, now, until, cancellationToken);
        return new SlotQuery(school, counselorId, counselor, held, busyTimes, now);
    }

    public IReadOnlyList<OpenSlot> OpenSlots(SlotQuery query) => calculator.OpenSlots(query);

    public bool TryGetBookable(string slotId, SlotQuery query, out OpenSlot? slot, out SlotRejection rejection) =>
        calculator.TryGetBookable(slotId, query, out slot, out rejection);
}
