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
        var entries = log.ListAsync(schoolId, cancellationToken);
        var (counselors, all) = await ReadBookingsAsync(schoolId, null, cancellationToken);
        return new SchoolParticipation(counselors, all, await entries);
    }

    /// <summary>The school's counsellors and their bookings (one counsellor's, with <paramref name="counselorId"/>), read in parallel.</summary>
    public async Task<(IReadOnlyList<CounselorEntry> Counselors, IReadOnlyList<Booking.Booking> Bookings)> ReadBookingsAsync(string schoolId, string? counselorId, CancellationToken cancellationToken)
    {
        var counselors = (await directory.ListCounselorsAsync(schoolId, cancellationToken)).Where(c => counselorId is null || c.Id == counselorId).ToList();
        var lists = await Task.WhenAll(counselors.Select(c => bookings.ListAsync(schoolId, c.Id, cancellationToken)));
        return (counselors, [.. lists.SelectMany(l => l)]);
    }
}
