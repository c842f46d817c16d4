using BkOutreach.Core.Booking;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Participation;

/// <summary>A school's bookings and its participation log, with lost booking facts put back first.</summary>
public sealed record SchoolParticipation(
    IReadOnlyList<CounselorEntry> Counselors,
    IReadOnlyList<Booking.Booking> Bookings,
    IReadOnlyList<ParticipationEntry> Entries);

/// <summary>
/// Reads the participation log the way every report needs it: booking facts are written behind, so
/// before the log is read the facts it lacks are restored from the bookings themselves
/// (<see cref="ParticipationFacts.RestoreBookingFactsAsync"/>). The dashboard and both CSV exports read
/// through here, so they never disagree about who booked.
/// </summary>
public sealed class ParticipationRecord(SchoolDirectory directory, BookingStore bookings, ParticipationLog log, ParticipationFacts facts)
{
    public async Task<SchoolParticipation> ReadAsync(string schoolId, SchoolSettings school, CancellationToken cancellationToken)
    {
        var counselors = await directory.ListCounselorsAsync(schoolId, cancellationToken);
        var all = new List<Booking.Booking>();
        foreach (var counselor in counselors)
        {
            all.AddRange(await bookings.ListAsync(schoolId, counselor.Id, cancellationToken));
        }

        var entries = await log.ListAsync(schoolId, cancellationToken);
        var restored = await facts.RestoreBookingFactsAsync(school, all, entries, cancellationToken);
        if (restored.Count > 0)
        {
            entries = await log.ListAsync(schoolId, cancellationToken);
        }

        return new SchoolParticipation(counselors, all, entries);
    }
}
