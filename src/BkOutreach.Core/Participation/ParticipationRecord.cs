using BkOutreach.Core.Booking;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Participation;

/// <summary>A school's bookings and its participation log.</summary>
public sealed record SchoolParticipation(
    IReadOnlyList<CounselorEntry> Counselors,
    IReadOnlyList<Booking.Booking> Bookings,
    IReadOnlyList<ParticipationEntry> Entries);

/// <summary>
/// Reads the participation log the way every report needs it, together with the school's bookings. Reading
/// writes nothing: every booking fact comes from the booking's outbox row, recorded by the handler, so there
/// is nothing to put back. The dashboard and both CSV exports read through here, so they never disagree
/// about who booked.
/// </summary>
public sealed class ParticipationRecord(SchoolDirectory directory, BookingStore bookings, ParticipationLog log)
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
        return new SchoolParticipation(counselors, all, entries);
    }
}
