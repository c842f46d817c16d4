using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>Busy time for slot computation comes from the cache the busy-time timer keeps.</summary>
public sealed class StoredBusyTime(BusyTimeStore store) : IBusyTimeSource
{
    public async Task<IReadOnlyList<Interval>> GetBusyAsync(string schoolId, string counselorId, Instant from, Instant to, CancellationToken cancellationToken) =>
        [.. (await store.GetRecentAsync(schoolId, counselorId, from, to, cancellationToken)).Select(b => new Interval(b.Start, b.End))];
}

/// <summary>The busy-time timer's work: refresh every counsellor's free/busy (calendar changes go through the booking-event handler).</summary>
public sealed class CalendarTimers(SchoolDirectory directory, BusyTimeSync busyTimes, ICounselorCalendar calendar)
{
    public async Task<BusyTimeSyncSummary> SyncBusyTimesAsync(CancellationToken cancellationToken)
    {
        if (!calendar.IsEnabled)
        {
            return new BusyTimeSyncSummary(false, 0, 0, []);
        }

        var mailboxes = new List<CounselorMailbox>();
        var horizon = 0;
        foreach (var schoolId in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            foreach (var c in await directory.ListCounselorsAsync(schoolId, cancellationToken))
            {
                if (!string.IsNullOrWhiteSpace(c.Counselor.Email))
                {
                    mailboxes.Add(new CounselorMailbox(schoolId, c.Id, c.Counselor.Email));
                    horizon = Math.Max(horizon, c.Counselor.HorizonDays + 1);
                }
            }
        }

        return await busyTimes.SyncAsync(mailboxes, Duration.FromDays(horizon), cancellationToken);
    }
}
