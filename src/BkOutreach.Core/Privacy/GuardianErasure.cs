using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Privacy;

/// <summary>What one erasure removed, for the log (counts only).</summary>
public sealed record ErasureReport(string GuardianId, int BookingsCancelled, int RowsDeleted);

/// <summary>
/// Erases a guardian on request (right to erasure). Removed: the guardian row with the phone number, the
/// guardian's and students' names (and the phone index row), every link token row of the guardian (the
/// links stop working), the guardian's send-log rows, outbox messages to the number, kept SMS replies, the
/// time the number last wrote by WhatsApp, pending survey / slot-offer / feedback questions of the number,
/// the guardian's parents' message threads (texts included) and waiting answers, and an "opted back in" row. Active
/// bookings are cancelled through <see cref="BookingStore"/> (the seats are free again), like any other
/// cancellation: the transaction writes its outbox row and the booking-event handler cancels the calendar
/// event and records the fact (no SMS: the guardian is being erased). Every booking of the guardian loses
/// its student ids, each by an ETag-guarded update.
/// <para>
/// Kept, because nothing in them names or reaches the person: the participation log (facts keyed by the
/// random guardian id, with class and counsellor; once the guardian row is gone nothing links that id to a
/// name or number, and the research export shows only an HMAC of it), booking rows (times, counsellor,
/// random ids), reminder and delivery-event markers. Kept on purpose: an opt-out row, keyed by the number,
/// so a guardian who said STOP is never messaged again, even after being imported again.
/// </para>
/// <para>
/// Numbers are shared between schools of one deployment, so data keyed only by the number (outbox
/// messages, free-text replies) is removed only when no other school still has a guardian with it;
/// questions and offers carry their school and are removed for this school alone. The guardian row goes
/// last, so an erasure interrupted half-way is finished by calling it again.
/// </para>
/// </summary>
public sealed partial class GuardianErasure(
    SchoolDirectory directory,
    CampaignStore campaigns,
    BookingStore bookings,
    OptOutStore optOuts,
    Staff.ParentMessagesErasure parentMessages,
    Outreach.SendLog sendLog,
    StorageAccount storage,
    TimeProvider time,
    ILogger<GuardianErasure> logger)
{
    private const string ReplyPartition = "reply";
    private const string SurveyPartition = "awaiting-survey";
    private const string OfferPartition = "slot-offer";
    private const string FeedbackPartition = "awaiting-feedback";
    private const string OutboxPartition = "outbox";

    /// <summary>Erases the school's guardian with this id; not found when there is none (already erased).</summary>
    public async Task<Result<ErasureReport>> EraseAsync(string schoolId, string guardianId, CancellationToken cancellationToken)
    {
        var guardian = await directory.GetGuardianAsync(schoolId, guardianId, cancellationToken);
        return guardian is null ? Result<ErasureReport>.Missing() : Result<ErasureReport>.Ok(await EraseAsync(guardian, cancellationToken));
    }

    /// <summary>Erases the school's guardian with this phone number, written any way the roster accepts.</summary>
    public async Task<Result<ErasureReport>> EraseByPhoneAsync(string schoolId, string? phone, CancellationToken cancellationToken)
    {
        var normalized = PhoneNumberNormalizer.Normalize(phone);
        if (!normalized.IsValid)
        {
            return Result<ErasureReport>.Invalid([$"phone: {normalized.Error}."]);
        }

        var guardian = await directory.FindGuardianByPhoneAsync(schoolId, normalized.E164!, cancellationToken);
        return guardian is null ? Result<ErasureReport>.Missing() : Result<ErasureReport>.Ok(await EraseAsync(guardian, cancellationToken));
    }

    private async Task<ErasureReport> EraseAsync(Guardian guardian, CancellationToken cancellationToken)
    {
        var schoolId = guardian.SchoolId;
        var cancelled = await CancelBookingsAsync(guardian, null, cancellationToken);
        cancelled += await SealBookingsAsync(guardian, cancellationToken);
        var deleted = 0;
        deleted += await DeleteLinksAsync(schoolId, guardian.Id, cancellationToken);
        deleted += await DeleteSendRowsAsync(schoolId, guardian.Id, cancellationToken);
        deleted += await DeleteQuestionsAsync(schoolId, guardian.Phone, cancellationToken);

        // WhatsApp delivery records hold the number and the fallback's text; gone, no fallback is sent either.
        deleted += await DeleteWhereAsync(StorageNames.WhatsAppDeliveriesTable, TableClient.CreateQueryFilter($"To eq {guardian.Phone} and SchoolId eq {schoolId}"), cancellationToken);
        deleted += await parentMessages.EraseAsync(schoolId, guardian.Id, cancellationToken);
        if (!await KnownElsewhereAsync(schoolId, guardian.Phone, cancellationToken))
        {
            deleted += await DeleteWhereAsync(StorageNames.OutboxTable, TableClient.CreateQueryFilter($"PartitionKey eq {OutboxPartition} and To eq {guardian.Phone}"), cancellationToken);
            deleted += await DeleteWhereAsync(StorageNames.RepliesTable, TableClient.CreateQueryFilter($"PartitionKey eq {ReplyPartition} and From eq {guardian.Phone}"), cancellationToken);
            deleted += await DeleteIfExistsAsync(storage.Table(StorageNames.RepliesTable), WhatsApp.WhatsAppWindow.Partition, guardian.Phone, ETag.All, cancellationToken) ? 1 : 0;
        }

        deleted += await optOuts.ForgetOptInAsync(guardian.Phone, cancellationToken) ? 1 : 0;
        await directory.DeleteGuardianAsync(schoolId, guardian, cancellationToken);
        var report = new ErasureReport(guardian.Id, cancelled, deleted + 1);
        LogErased(logger, schoolId, guardian.Id, cancelled, report.RowsDeleted);
        return report;
    }

    /// <summary>
    /// Seals the guardian's booking pointer in every counsellor's partition for every campaign whose links may
    /// still be valid (<see cref="BookingStore.SealAsync"/>), before the links are deleted: a booking request
    /// that still holds the link's grant (<see cref="BookingService.OpenForBookingAsync"/>) then books nothing,
    /// and a booking taken between the cancellations above and now is cancelled here.
    /// </summary>
    /// <returns>How many meetings were cancelled on the way.</returns>
    private async Task<int> SealBookingsAsync(Guardian guardian, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(guardian.SchoolId, cancellationToken);
        var now = NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow());
        var zone = school is null ? NodaTime.DateTimeZone.Utc : Outreach.SendingWindow.ZoneOf(school);
        var live = (await campaigns.ListAsync(guardian.SchoolId, cancellationToken))
            .Where(c => Outreach.CampaignValidation.ParseDate(c.Definition.BookingWindow?.To) is null || Outreach.CampaignValidation.LinksExpireAt(c.Definition, zone) > now)
            .ToList();
        var cancelled = 0;
        foreach (var counselor in await directory.ListCounselorsAsync(guardian.SchoolId, cancellationToken))
        {
            foreach (var campaign in live)
            {
                cancelled += await bookings.SealAsync(guardian.SchoolId, counselor.Id, campaign.Id, guardian.Id, cancellationToken) is null ? 0 : 1;
            }
        }

        return cancelled;
    }

    /// <summary>
    /// Takes children away from a guardian who keeps others (a roster moved them to another guardian or left
    /// them out): a booking about none of the remaining children is cancelled as an erasure cancels it, and
    /// the removed children's ids leave every booking of the guardian. The guardian's links stay: they serve
    /// the remaining children, and the booking page offers only the counsellors of those.
    /// </summary>
    /// <param name="guardian">The guardian as stored after the change (without the removed children).</param>
    /// <returns>The bookings cancelled.</returns>
    public Task<int> RevokeStudentsAsync(Guardian guardian, IReadOnlySet<string> removedStudentIds, CancellationToken cancellationToken) =>
        CancelBookingsAsync(guardian, removedStudentIds, cancellationToken);

    /// <summary>
    /// Cancels bookings that have not ended (freeing their seats) and strips student ids from the guardian's
    /// bookings: all of them (<paramref name="removed"/> null, an erasure), or those about removed children.
    /// </summary>
    private async Task<int> CancelBookingsAsync(Guardian guardian, IReadOnlySet<string>? removed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cancelled = 0;
        foreach (var counselor in await directory.ListCounselorsAsync(guardian.SchoolId, cancellationToken))
        {
            foreach (var booking in await bookings.ListAsync(guardian.SchoolId, counselor.Id, cancellationToken))
            {
                if (booking.GuardianId != guardian.Id)
                {
                    continue;
                }

                IReadOnlyList<string> remaining = removed is null ? [] : [.. booking.StudentIds.Where(id => !removed.Contains(id))];
                var about = removed is null
                    || booking.StudentIds.Any(removed.Contains)
                    || (booking.StudentIds.Count == 0 && !guardian.Students.Any(s => s.CounselorId == counselor.Id));
                if (!about)
                {
                    continue;
                }

                // Cancelled through the booking's own path (its outbox event cancels the calendar entry and records
                // the fact; an erasure or a roster move sends the old number no SMS).
                if (remaining.Count == 0 && booking.Status == BookingStatus.Confirmed && booking.End > now
                    && await bookings.CancelAsync(guardian.SchoolId, counselor.Id, booking.CampaignId, guardian.Id, ParticipationChannel.Admin, cancellationToken, erasure: true) is not null)
                {
                    cancelled++;
                    continue;
                }

                if (booking.StudentIds.Count != remaining.Count)
                {
                    await bookings.UpdateAsync(
                        booking.Id,
                        b => b.StudentIds.SequenceEqual(b.StudentIds.Where(id => remaining.Contains(id)))
                            ? BookingChange.None()
                            : new BookingChange(b with { StudentIds = [.. b.StudentIds.Where(id => remaining.Contains(id))] }, BookingEventKind.Erased),
                        cancellationToken);
                }
            }
        }

        return cancelled;
    }

    /// <summary>
    /// Every row of the links table that names this guardian of this school: matched on the SchoolId and
    /// GuardianId properties, not on keys, so it holds whatever the key layout of the links table is.
    /// </summary>
    private Task<int> DeleteLinksAsync(string schoolId, string guardianId, CancellationToken cancellationToken) =>
        DeleteWhereAsync(StorageNames.LinksTable, TableClient.CreateQueryFilter($"SchoolId eq {schoolId} and GuardianId eq {guardianId}"), cancellationToken);

    private async Task<int> DeleteSendRowsAsync(string schoolId, string guardianId, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var campaign in await campaigns.ListAsync(schoolId, cancellationToken))
        {
            for (var wave = 0; wave < campaign.Definition.Waves.Count; wave++)
            {
                deleted += await sendLog.DeleteAsync(schoolId, campaign.Id, wave, guardianId, cancellationToken);
            }
        }

        return deleted;
    }

    /// <summary>The questions the number was last asked, when they belong to this school (they are keyed by number).</summary>
    private async Task<int> DeleteQuestionsAsync(string schoolId, string phone, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.RepliesTable);
        var deleted = 0;
        foreach (var partition in new[] { SurveyPartition, OfferPartition, FeedbackPartition })
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(partition, phone, cancellationToken: cancellationToken);
            if (!row.HasValue || row.Value is not { } entity)
            {
                continue;
            }

            var owner = partition == FeedbackPartition
                ? (await bookings.GetAsync(entity.GetString("BookingId") ?? "", cancellationToken))?.SchoolId
                : entity.GetString("SchoolId");
            if (owner is null || owner == schoolId)
            {
                deleted += await DeleteIfExistsAsync(table, partition, phone, entity.ETag, cancellationToken) ? 1 : 0;
            }
        }

        return deleted;
    }

    private async Task<bool> KnownElsewhereAsync(string schoolId, string phone, CancellationToken cancellationToken)
    {
        foreach (var other in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            if (other != schoolId && await directory.FindGuardianByPhoneAsync(other, phone, cancellationToken) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<int> DeleteWhereAsync(string tableName, string filter, CancellationToken cancellationToken)
    {
        var table = storage.Table(tableName);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        var deleted = 0;
        foreach (var row in rows)
        {
            deleted += await DeleteIfExistsAsync(table, row.PartitionKey, row.RowKey, ETag.All, cancellationToken) ? 1 : 0;
        }

        return deleted;
    }

    private static async Task<bool> DeleteIfExistsAsync(TableClient table, string partition, string row, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.DeleteEntityAsync(partition, row, etag, cancellationToken);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Gone already, or rewritten meanwhile by a newer question that is not ours to remove.
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Guardian {GuardianId} of school {SchoolId} erased on request: {BookingsCancelled} booking(s) cancelled, {RowsDeleted} row(s) deleted")]
    private static partial void LogErased(ILogger logger, string schoolId, string guardianId, int bookingsCancelled, int rowsDeleted);
}
