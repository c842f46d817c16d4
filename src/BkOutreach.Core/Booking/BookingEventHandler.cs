using Azure.Data.Tables;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Booking;

public enum HandleOutcome
{
    /// <summary>Nothing of the booking is pending any more.</summary>
    Done,

    /// <summary>Another handler holds the booking's next event (its lease); it carries it out.</summary>
    Busy,

    /// <summary>A provider could not take it now (SMS transient, Graph failing): tried again later.</summary>
    RetryLater,
}

/// <summary>
/// The one place where a booking change has its consequences, from the booking's outbox rows
/// (<see cref="BookingEvent"/>) in version order: the participation fact, the reminder schedule, the SMS
/// (confirmation, cancellation, feedback question) and the counsellor's calendar. Each row is claimed first
/// (a lease on the row, ETag-guarded), so two handlers never work on one event at once; each consequence is
/// idempotent by the event (fact keys are insert-once, the SMS goes under the event's key and first-attempt
/// time and is marked done on the row, the calendar keeps the highest booking version), so a redelivered
/// message or a crash half-way does nothing twice. The row is removed when everything is done.
/// <para>
/// The SMS's done mark costs a write of its own only when a step that may take long or fail follows it (the
/// calendar). Otherwise the row's removal comes next and ends the event, and a failure before it writes the
/// mark with the release; only a crash between the send and the removal leaves it unwritten, as a crash between
/// the send and the mark always could, and the retry then sends under the same key and first-attempt time.
/// </para>
/// <para>
/// The school, campaign and counsellor only shape the texts, labels and reminder times here: they are read as
/// a parent's link reads them (<see cref="RecentReads"/>, within <see cref="RecentReads.For"/>). The guardian
/// is read fresh (<see cref="BookingMessages"/>): it decides whether anybody is still there to message.
/// </para>
/// </summary>
public sealed partial class BookingEventHandler(
    BookingStore bookings,
    SchoolDirectory directory,
    CampaignStore campaigns,
    BookingMessages messages,
    ReminderSchedule reminders,
    ParticipationFacts facts,
    CalendarSyncStore calendarSync,
    CalendarSyncProcessor calendarProcessor,
    ICounselorCalendar calendar,
    StorageAccount storage,
    TimeProvider time,
    ILogger<BookingEventHandler> logger)
{
    /// <summary>How long a claim keeps other handlers off an event (a crashed handler's event waits this long).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    public async Task<HandleOutcome> HandleAsync(string bookingId, CancellationToken cancellationToken)
    {
        var queue = (await bookings.ListPendingEventsAsync(bookingId, cancellationToken)).OrderBy(e => e.Event.Version).ToList();
        for (var i = 0; i < queue.Count; i++)
        {
            var claimed = await bookings.ClaimEventAsync(queue[i], Lease, cancellationToken);
            if (claimed is null)
            {
                return HandleOutcome.Busy;
            }

            // A parent who taps twice or changes the time a moment later gets one text, of the latest time.
            var superseded = queue.Skip(i + 1).Any(later => TellsTheParent(later.Event.Kind));
            var work = new ClaimedEvent(claimed);
            bool done;
            try
            {
                done = await PerformAsync(work, superseded, cancellationToken);
                if (done)
                {
                    await bookings.CompleteEventAsync(work.Row, cancellationToken);
                }
            }
            catch
            {
                await ReleaseAsync(work.Row);
                throw;
            }

            if (!done)
            {
                await ReleaseAsync(work.Row);
                return HandleOutcome.RetryLater;
            }

            LogHandled(logger, bookingId, claimed.Event.Version, claimed.Event.Kind);
        }

        return HandleOutcome.Done;
    }

    /// <summary>
    /// True when everything of the event is done; false when a provider must be tried again later. A
    /// <paramref name="superseded"/> confirmation or cancellation is not sent: a later change of the same booking,
    /// already waiting, sends its own message (the fact, reminders and calendar still follow every change).
    /// </summary>
    private async Task<bool> PerformAsync(ClaimedEvent work, bool superseded, CancellationToken cancellationToken)
    {
        var claimed = work.Row;
        var change = claimed.Event;
        var booking = change.Booking;
        var schoolRead = directory.GetSchoolRecentAsync(booking.SchoolId, cancellationToken);
        var campaignRead = campaigns.GetRecentAsync(booking.SchoolId, booking.CampaignId, cancellationToken);
        await Task.WhenAll(schoolRead, campaignRead);
        var (school, campaign) = (await schoolRead, await campaignRead);
        if (school is null)
        {
            LogSchoolGone(logger, booking.Id);
            return true;
        }

        await RecordFactAsync(change, campaign, school, cancellationToken);
        if (change.Kind is BookingEventKind.Booked or BookingEventKind.Rescheduled or BookingEventKind.ModeChanged)
        {
            await reminders.ScheduleAsync(school, booking, cancellationToken);
        }

        if (!claimed.SmsDone && SmsOf(change) is { } sms && !(superseded && TellsTheParent(change.Kind)))
        {
            if (change.AskFeedback && await messages.PhoneOfAsync(booking, cancellationToken) is { } phone)
            {
                // Known before the question goes, so the answer can never arrive first.
                await storage.Table(StorageNames.RepliesTable).UpsertEntityAsync(
                    new TableEntity("awaiting-feedback", phone) { ["BookingId"] = booking.Id, ["At"] = time.GetUtcNow() },
                    TableUpdateMode.Replace,
                    cancellationToken);
            }

            var status = await messages.SendAsync(booking, sms.Template, sms.Key, change.FirstAttemptAt, cancellationToken);
            if (status == SmsSendStatus.Transient)
            {
                LogSmsLater(logger, booking.Id, change.Version);
                return false;
            }

            work.Row = claimed with { SmsDone = true };
            if (NeedsCalendar(change))
            {
                work.Row = await bookings.SaveEventProgressAsync(work.Row, cancellationToken)
                    ?? throw new InvalidOperationException($"The outbox row of booking {booking.Id} v{change.Version} moved on while it was claimed.");
            }
        }

        return await SyncCalendarAsync(change, school, cancellationToken);
    }

    /// <summary>Whether the change sends the parent a message of its own about the meeting (confirmation or cancellation).</summary>
    private static bool TellsTheParent(BookingEventKind kind) =>
        kind is BookingEventKind.Booked or BookingEventKind.Rescheduled or BookingEventKind.ModeChanged or BookingEventKind.Cancelled;

    private static (string Template, string Key)? SmsOf(BookingEvent change) => change.Kind switch
    {
        BookingEventKind.Booked or BookingEventKind.Rescheduled or BookingEventKind.ModeChanged =>
            (SmsTemplates.BookingConfirmation, $"booking:{change.BookingId}:v{change.Version}:{SmsTemplates.BookingConfirmation}"),
        BookingEventKind.Cancelled => (SmsTemplates.Cancellation, $"booking:{change.BookingId}:v{change.Version}:{SmsTemplates.Cancellation}"),
        _ when change.AskFeedback => (SmsTemplates.Feedback, $"feedback:{change.BookingId}"),
        _ => null,
    };

    private async Task RecordFactAsync(BookingEvent change, Campaign? campaign, SchoolSettings school, CancellationToken cancellationToken)
    {
        var b = change.Booking;
        var choice = SlotChoice.Of(b.Start, school.TimeZone, b.Mode).ToValue();
        (ParticipationKind Kind, string Key, ParticipationChannel Channel, string? Value)? fact = change.Kind switch
        {
            BookingEventKind.Booked => (ParticipationKind.Booked, FactKeys.Booked(b.Id), b.BookedVia, choice),
            BookingEventKind.Rescheduled or BookingEventKind.ModeChanged => (ParticipationKind.Rescheduled, FactKeys.Rescheduled(b.Id, b.Sequence), b.ChangedVia, choice),
            BookingEventKind.Cancelled or BookingEventKind.CancelledByErasure => (ParticipationKind.Cancelled, FactKeys.Cancelled(b.Id), b.ChangedVia, null),
            BookingEventKind.Attended => (ParticipationKind.Attended, FactKeys.Attended(b.Id), ParticipationChannel.Admin, null),
            BookingEventKind.NoShow => (ParticipationKind.NoShow, FactKeys.NoShow(b.Id), ParticipationChannel.Admin, null),
            BookingEventKind.AttendanceCorrected => (ParticipationKind.AttendanceCorrected, FactKeys.AttendanceCorrected(b.Id, change.Version), ParticipationChannel.Admin,
                b.Attendance == Attendance.Attended ? "attended" : "no_show"),
            BookingEventKind.Feedback when b.FeedbackScore is { } score => (ParticipationKind.Feedback, FactKeys.Feedback(b.Id), b.FeedbackVia,
                score.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            _ => null,
        };
        if (fact is { } f)
        {
            var guardian = b.Classes.Count > 0 ? null : await directory.GetGuardianAsync(b.SchoolId, b.GuardianId, cancellationToken);
            await facts.RecordBookingFactAsync(b, campaign, guardian, f.Kind, f.Key, f.Channel, f.Value, change.FirstAttemptAt, cancellationToken);
        }
    }

    /// <summary>True when the counsellor's calendar needs nothing more for this event; false when Graph must be tried again.</summary>
    private async Task<bool> SyncCalendarAsync(BookingEvent change, SchoolSettings school, CancellationToken cancellationToken)
    {
        var booking = change.Booking;
        if (!NeedsCalendar(change))
        {
            return true;
        }

        var counselor = await directory.GetCounselorAsync(booking.SchoolId, booking.CounselorId, cancellationToken);
        if (string.IsNullOrWhiteSpace(counselor?.Email))
        {
            return true;
        }

        if (booking.Status == BookingStatus.Cancelled)
        {
            await calendarSync.ScheduleCancelAsync(
                booking.Id,
                change.Kind == BookingEventKind.CancelledByErasure ? "Dibatalkan atas permintaan penghapusan data." : "Dibatalkan oleh orang tua/wali.",
                cancellationToken);
        }
        else
        {
            var guardian = await directory.GetGuardianAsync(booking.SchoolId, booking.GuardianId, cancellationToken);
            var meeting = MeetingEvent.For(
                booking.Id,
                Instant.FromDateTimeOffset(booking.Start),
                Instant.FromDateTimeOffset(booking.End),
                school.TimeZone,
                booking.Mode == "online" ? Graph.MeetingMode.Online : Graph.MeetingMode.InPerson,
                guardian?.Name ?? "",
                string.Join(", ", booking.Classes),
                booking.Mode == "online" ? null : school.Name);
            await calendarSync.ScheduleUpsertAsync(counselor.Email!, meeting, booking.Version, cancellationToken);
        }

        return await calendarProcessor.ProcessBookingAsync(booking.Id, Instant.FromDateTimeOffset(time.GetUtcNow()), cancellationToken);
    }

    /// <summary>Whether the event has anything to do in the counsellor's calendar (Graph on, a change of the meeting).</summary>
    private bool NeedsCalendar(BookingEvent change) =>
        calendar.IsEnabled && change.Kind is BookingEventKind.Booked or BookingEventKind.Rescheduled or BookingEventKind.ModeChanged or BookingEventKind.Cancelled or BookingEventKind.CancelledByErasure;

    private async Task ReleaseAsync(PendingBookingEvent claimed)
    {
        try
        {
            await bookings.SaveEventProgressAsync(claimed with { LeaseUntil = null }, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException)
        {
            // The lease runs out by itself.
        }
    }

    /// <summary>The claimed row as the work left it: with its SMS marked done (on the row or not yet), and its latest ETag.</summary>
    private sealed class ClaimedEvent(PendingBookingEvent row)
    {
        public PendingBookingEvent Row { get; set; } = row;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking {BookingId} v{Version} ({Kind}): consequences done")]
    private static partial void LogHandled(ILogger logger, string bookingId, int version, BookingEventKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Booking {BookingId} v{Version}: the SMS provider could not take the message now; tried again later")]
    private static partial void LogSmsLater(ILogger logger, string bookingId, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Booking {BookingId}: its school no longer exists; its pending change is dropped")]
    private static partial void LogSchoolGone(ILogger logger, string bookingId);
}
