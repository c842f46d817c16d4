using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Booking;

public sealed record ReminderRun(int Considered, int Sent);

/// <summary>
/// What happens around a meeting after it is booked: reminders 24 h and 2 h before (each once, moved
/// earlier — never later — out of quiet hours: a 2 h reminder for a 21:00 meeting goes out before 20:00),
/// attendance marked by the counsellor, and one feedback SMS after an attended meeting whose 1–5 answer is
/// recorded.
/// </summary>
public sealed partial class FollowUps(
    SchoolDirectory directory,
    BookingStore bookings,
    CampaignStore campaigns,
    LinkTokens links,
    BookingService bookingService,
    SmsTemplates templates,
    ISmsSender sender,
    Participation.ParticipationFacts facts,
    StorageAccount storage,
    TimeProvider time,
    ILogger<FollowUps> logger)
{
    private static readonly (string Kind, Duration Before)[] Reminders = [("24h", Duration.FromHours(24)), ("2h", Duration.FromHours(2))];

    /// <summary>The reminder timer: every due reminder of every school, once each (keyed by booking, start and kind).</summary>
    public async Task<ReminderRun> SendDueRemindersAsync(CancellationToken cancellationToken)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var sentTable = storage.Table(StorageNames.RemindersTable);
        int considered = 0, sent = 0;
        foreach (var schoolId in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
            if (school is null || !SendingWindow.IsOpen(school, now))
            {
                continue;
            }

            foreach (var counselor in await directory.ListCounselorsAsync(schoolId, cancellationToken))
            {
                foreach (var booking in await bookings.ListAsync(schoolId, counselor.Id, cancellationToken))
                {
                    var start = Instant.FromDateTimeOffset(booking.Start);
                    if (booking.Status != BookingStatus.Confirmed || start <= now || start - now > Duration.FromHours(25))
                    {
                        continue;
                    }

                    foreach (var (kind, before) in Reminders)
                    {
                        var due = SendingWindow.LatestOpeningAtOrBefore(school, start - before);
                        var bookedAfterDue = Instant.FromDateTimeOffset(booking.UpdatedAt) > due;
                        if (now < due || bookedAfterDue)
                        {
                            continue;
                        }

                        considered++;
                        var key = $"reminder:{booking.Id}:{booking.Start.ToUnixTimeSeconds()}:{kind}";
                        if ((await sentTable.GetEntityIfExistsAsync<TableEntity>(booking.Id, key, cancellationToken: cancellationToken)).HasValue)
                        {
                            continue;
                        }

                        bool delivered;
                        try
                        {
                            delivered = await SendAboutAsync(school, booking, counselor.Counselor.Name, SmsTemplates.Reminder, key, cancellationToken);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            // One booking that cannot be reminded (a template refusing its data, a guardian gone)
                            // must not stop every other school's reminders; it is tried again next run.
                            LogReminderFailed(logger, booking.Id, ex.GetType().Name, ex.Message);
                            continue;
                        }

                        if (delivered)
                        {
                            await sentTable.UpsertEntityAsync(new TableEntity(booking.Id, key) { ["At"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
                            await facts.BookingFollowUpAsync(booking, Participation.ParticipationKind.Reminded, Participation.FactKeys.Reminded(booking.Id, kind) + ":" + booking.Start.ToUnixTimeSeconds(), null, cancellationToken);
                            sent++;
                        }
                    }
                }
            }
        }

        return new ReminderRun(considered, sent);
    }

    /// <summary>Marks a booking attended or no-show; an attended meeting gets one feedback SMS.</summary>
    public async Task<Result<Booking>> MarkAttendanceAsync(string bookingId, Attendance attendance, CancellationToken cancellationToken)
    {
        var booking = await bookings.GetAsync(bookingId, cancellationToken);
        if (booking is null || booking.Status != BookingStatus.Confirmed)
        {
            return Result<Booking>.Missing();
        }

        var marked = booking with { Attendance = attendance };
        await bookings.SaveAsync(marked, cancellationToken);
        await facts.BookingFollowUpAsync(
            marked,
            attendance == Attendance.Attended ? Participation.ParticipationKind.Attended : Participation.ParticipationKind.NoShow,
            attendance == Attendance.Attended ? Participation.FactKeys.Attended(booking.Id) : Participation.FactKeys.NoShow(booking.Id),
            null,
            cancellationToken);
        if (attendance == Attendance.Attended)
        {
            var school = await directory.GetSchoolAsync(booking.SchoolId, cancellationToken);
            var counselor = await directory.GetCounselorAsync(booking.SchoolId, booking.CounselorId, cancellationToken);
            var guardian = await directory.GetGuardianAsync(booking.SchoolId, booking.GuardianId, cancellationToken);
            if (school is not null && guardian is not null
                && await SendAboutAsync(school, booking, counselor?.Name ?? "", SmsTemplates.Feedback, $"feedback:{booking.Id}", cancellationToken))
            {
                await storage.Table(StorageNames.RepliesTable).UpsertEntityAsync(
                    new TableEntity("awaiting-feedback", guardian.Phone) { ["BookingId"] = booking.Id, ["At"] = time.GetUtcNow() },
                    TableUpdateMode.Replace,
                    cancellationToken);
            }
        }

        LogAttendance(logger, booking.Id, attendance);
        return Result<Booking>.Ok(marked);
    }

    /// <summary>
    /// Takes an inbound SMS that answers a feedback question ("1".."5", with noise around it) from a number
    /// that was asked within the last week; returns the booking and score it recorded, or null.
    /// </summary>
    public async Task<(Booking Booking, int Score)?> TakeFeedbackReplyAsync(string from, string message, CancellationToken cancellationToken)
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
        await bookings.SaveAsync(booking with { FeedbackScore = score }, cancellationToken);
        await facts.BookingFollowUpAsync(booking, Participation.ParticipationKind.Feedback, Participation.FactKeys.Feedback(booking.Id), score.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
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

    private async Task<bool> SendAboutAsync(SchoolSettings school, Booking booking, string counselorName, string template, string key, CancellationToken cancellationToken)
    {
        var guardian = await directory.GetGuardianAsync(booking.SchoolId, booking.GuardianId, cancellationToken);
        var campaign = await campaigns.GetAsync(booking.SchoolId, booking.CampaignId, cancellationToken);
        if (guardian is null || campaign is null)
        {
            return false;
        }

        var zone = DateTimeZoneProviders.Tzdb[school.TimeZone];
        var token = await links.IssueAsync(booking.SchoolId, guardian.Id, campaign.Id, CampaignValidation.LinksExpireAt(campaign.Definition, zone), cancellationToken);
        var text = templates.Render(template, guardian.Language, new SmsTemplateModel
        {
            GuardianName = guardian.Name,
            StudentNames = [.. guardian.Students.Where(s => booking.StudentIds.Contains(s.Id)).Select(s => s.Name)],
            SchoolName = school.Name,
            CounselorName = counselorName,
            Link = bookingService.ManageUrl(token),
            MeetingTime = MeetingText.Format(Instant.FromDateTimeOffset(booking.Start).InZone(zone), guardian.Language),
            Mode = MeetingText.Mode(booking.Mode, guardian.Language),
        }).Text;
        var result = await sender.SendAsync([new SmsMessage(guardian.Phone, text, key)], cancellationToken);
        return result[0].Status == SmsSendStatus.Accepted;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reminder for booking {BookingId} not sent ({ErrorType}: {Error}); retried next run")]
    private static partial void LogReminderFailed(ILogger logger, string bookingId, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Booking {BookingId} marked {Attendance}")]
    private static partial void LogAttendance(ILogger logger, string bookingId, Attendance attendance);
}
