using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Booking;

public sealed record ReminderRun(int Considered, int Sent);

public enum AttendanceOutcome
{
    Marked,

    /// <summary>The booking already had this mark: nothing changed.</summary>
    Unchanged,

    /// <summary>Unknown id, or the booking was cancelled.</summary>
    UnknownBooking,

    /// <summary>The meeting has not started yet: attendance cannot be known.</summary>
    NotStarted,
}

public sealed record AttendanceResult(AttendanceOutcome Outcome, Booking? Booking);

/// <summary>
/// What happens around a meeting after it is booked: reminders 24 h and 2 h before (each once, from the
/// <see cref="ReminderSchedule"/>, moved earlier — never later — out of quiet hours: a 2 h reminder for a
/// 21:00 meeting goes out before 20:00), attendance marked by the counsellor once the meeting has started
/// (a later mark is a correction, kept as its own fact), and one feedback SMS after the first "attended"
/// mark, whose 1–5 answer is recorded. Every booking change here is an ETag-guarded update with its outbox
/// row (<see cref="BookingStore.UpdateAsync"/>); the SMS and the evidence follow from the handler.
/// </summary>
public sealed partial class FollowUps(
    SchoolDirectory directory,
    BookingStore bookings,
    ReminderSchedule reminders,
    BookingMessages messages,
    Participation.ParticipationFacts facts,
    CampaignStore campaigns,
    StorageAccount storage,
    TimeProvider time,
    ILogger<FollowUps> logger)
{
    /// <summary>The reminder timer: the reminders due now, read from the schedule (never a scan of bookings), each sent once.</summary>
    public async Task<ReminderRun> SendDueRemindersAsync(CancellationToken cancellationToken)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var schools = new Dictionary<string, SchoolSettings?>(StringComparer.Ordinal);
        int considered = 0, sent = 0;
        foreach (var due in await reminders.ListDueAsync(now, cancellationToken))
        {
            var booking = await bookings.GetAsync(due.BookingId, cancellationToken);
            if (booking is null || booking.Status != BookingStatus.Confirmed || booking.Start.ToUnixTimeSeconds() != due.StartUnixSeconds
                || Instant.FromDateTimeOffset(booking.Start) <= now)
            {
                // Cancelled, moved (its new time has its own rows) or already begun.
                await reminders.RemoveAsync(due, cancellationToken);
                continue;
            }

            if (!schools.TryGetValue(booking.SchoolId, out var school))
            {
                school = schools[booking.SchoolId] = await directory.GetSchoolAsync(booking.SchoolId, cancellationToken);
            }

            if (school is null)
            {
                await reminders.RemoveAsync(due, cancellationToken);
                continue;
            }

            if (!SendingWindow.IsOpen(school, now))
            {
                // The school's hours changed since it was scheduled: the next opening, if still before the meeting.
                var next = SendingWindow.NextOpening(school, now);
                await (next < Instant.FromDateTimeOffset(booking.Start) ? reminders.MoveAsync(due, next, cancellationToken) : reminders.RemoveAsync(due, cancellationToken));
                continue;
            }

            considered++;
            WhatsApp.ChannelSendResult? result;
            try
            {
                result = await messages.SendViaAsync(booking, SmsTemplates.Reminder, due.SmsKey, due.DueAt, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One booking that cannot be reminded must not stop the others; its row stays for the next run.
                LogReminderFailed(logger, booking.Id, ex.GetType().Name, ex.Message);
                continue;
            }

            if (result?.Status == SmsSendStatus.Transient)
            {
                continue;
            }

            if (result?.Status == SmsSendStatus.Accepted)
            {
                // The channel that carried it (a later SMS fallback is its own fact: sms_sent, fallback:reminder).
                var campaign = await campaigns.GetAsync(booking.SchoolId, booking.CampaignId, cancellationToken);
                await facts.RecordBookingFactAsync(
                    booking, campaign, null, Participation.ParticipationKind.Reminded, Participation.FactKeys.Reminded(booking.Id, due.Kind) + ":" + due.StartUnixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    result.Channel == MessageChannel.WhatsApp ? Participation.ParticipationChannel.WhatsApp : Participation.ParticipationChannel.Sms, null, time.GetUtcNow(), cancellationToken);
                sent++;
            }

            await reminders.RemoveAsync(due, cancellationToken);
        }

        return new ReminderRun(considered, sent);
    }

    /// <summary>
    /// Marks a meeting that has started attended or no-show (read, change, conditional replace: a reschedule
    /// landing meanwhile is never undone). The first mark is <c>attended</c> / <c>no_show</c>; a later, different
    /// mark is a correction. The first "attended" asks for feedback, once.
    /// </summary>
    public async Task<AttendanceResult> MarkAttendanceAsync(string bookingId, Attendance attendance, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var update = await bookings.UpdateAsync(bookingId, b =>
        {
            if (b.Status != BookingStatus.Confirmed)
            {
                return BookingChange.None(nameof(AttendanceOutcome.UnknownBooking));
            }

            if (b.Start > now)
            {
                return BookingChange.None(nameof(AttendanceOutcome.NotStarted));
            }

            if (b.Attendance == attendance)
            {
                return BookingChange.None();
            }

            var askFeedback = attendance == Attendance.Attended && b.FirstAttendedAt is null;
            var kind = b.Attendance != Attendance.Unknown
                ? BookingEventKind.AttendanceCorrected
                : attendance == Attendance.Attended ? BookingEventKind.Attended : BookingEventKind.NoShow;
            return new BookingChange(b with { Attendance = attendance, FirstAttendedAt = askFeedback ? now : b.FirstAttendedAt }, kind, null, askFeedback);
        }, cancellationToken);

        if (update.Booking is null || update.Refusal == nameof(AttendanceOutcome.UnknownBooking) || update.Refusal == "unknown_booking")
        {
            return new AttendanceResult(AttendanceOutcome.UnknownBooking, null);
        }

        if (update.Refusal == nameof(AttendanceOutcome.NotStarted))
        {
            return new AttendanceResult(AttendanceOutcome.NotStarted, update.Booking);
        }

        if (update.Written is null)
        {
            return new AttendanceResult(AttendanceOutcome.Unchanged, update.Booking);
        }

        LogAttendance(logger, update.Booking.Id, attendance);
        return new AttendanceResult(AttendanceOutcome.Marked, update.Booking);
    }

    /// <summary>
    /// Takes an inbound SMS that answers a feedback question ("1".."5", with noise around it) from a number
    /// that was asked within the last week; returns the booking and score it recorded, or null.
    /// </summary>
    public async Task<(Booking Booking, int Score)?> TakeFeedbackReplyAsync(string from, string message, Participation.ParticipationChannel via, CancellationToken cancellationToken)
    {
        var digits = message.Where(char.IsAsciiDigit).ToArray();
        if (digits.Length != 1 || digits[0] is < '1' or > '5')
        {
            return null;
        }

        var table = storage.Table(StorageNames.RepliesTable);
        var pending = await table.GetEntityIfExistsAsync<TableEntity>("awaiting-feedback", from, cancellationToken: cancellationToken);
        if (!pending.HasValue || pending.Value!.GetDateTimeOffset("At") < time.GetUtcNow().AddDays(-7))
        {
            return null;
        }

        var booking = await bookings.GetAsync(pending.Value.GetString("BookingId")!, cancellationToken);
        if (booking is null)
        {
            return null;
        }

        var score = digits[0] - '0';
        var update = await bookings.UpdateAsync(
            booking.Id,
            b => b.FeedbackScore == score ? BookingChange.None() : new BookingChange(b with { FeedbackScore = score, FeedbackVia = via }, BookingEventKind.Feedback),
            cancellationToken);
        booking = update.Booking ?? booking;
        try
        {
            await table.DeleteEntityAsync(pending.Value, pending.Value.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Another delivery of the same reply got here first.
        }

        return (booking, score);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reminder for booking {BookingId} not sent ({ErrorType}: {Error}); retried next run")]
    private static partial void LogReminderFailed(ILogger logger, string bookingId, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking {BookingId} marked {Attendance}")]
    private static partial void LogAttendance(ILogger logger, string bookingId, Attendance attendance);
}
