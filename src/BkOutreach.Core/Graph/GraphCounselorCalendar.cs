using System.Security.Cryptography;
using System.Text;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.Calendar.GetSchedule;
using Microsoft.Graph.Users.Item.Events.Item.Cancel;
using Microsoft.Kiota.Abstractions;
using NodaTime;

namespace BkOutreach.Core.Graph;

/// <summary>
/// <see cref="ICounselorCalendar"/> on Microsoft Graph (application permission Calendars.ReadWrite, limited
/// to the counsellors' mailboxes by an application access policy). Events are created in the counsellor's
/// own mailbox, so the counsellor is the organizer and the parent is not an attendee (parents have no
/// Microsoft 365 address; they get the .ics and the Teams link by SMS).
/// </summary>
public sealed class GraphCounselorCalendar(GraphServiceClient client) : ICounselorCalendar
{
    /// <summary>Minutes per character of getSchedule's availabilityView.</summary>
    public const int AvailabilityViewIntervalMinutes = 15;

    public bool IsEnabled => true;

    /// <summary>
    /// The event's transactionId for a booking: Graph answers a repeated POST with the same transactionId
    /// with the event it already made, so a create retried after a lost response makes one event.
    /// </summary>
    public static string TransactionIdFor(string bookingId) =>
        "bko-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(bookingId)))[..32];

    public async Task<IReadOnlyList<BusyInterval>> GetBusyAsync(string upn, Instant from, Instant to, CancellationToken cancellationToken)
    {
        var body = new GetSchedulePostRequestBody
        {
            Schedules = [upn],
            StartTime = GraphTime.Utc(from),
            EndTime = GraphTime.Utc(to),
            AvailabilityViewInterval = AvailabilityViewIntervalMinutes,
        };
        var response = await CallAsync("getSchedule", () => client.Users[upn].Calendar.GetSchedule.PostAsGetSchedulePostResponseAsync(
            body,
            config => config.Headers.Add("Prefer", "outlook.timezone=\"UTC\""),
            cancellationToken));

        var schedules = response?.Value ?? [];
        var schedule = schedules.FirstOrDefault(s => string.Equals(s.ScheduleId, upn, StringComparison.OrdinalIgnoreCase))
            ?? schedules.FirstOrDefault()
            ?? throw new CounselorCalendarException("getSchedule", "noSchedule", null);
        if (schedule.Error is { } error)
        {
            throw new CounselorCalendarException("getSchedule", error.ResponseCode ?? "scheduleError", null);
        }

        var busy = new List<BusyInterval>();
        foreach (var item in schedule.ScheduleItems ?? [])
        {
            if (ToBusyStatus(item.Status) is not { } status)
            {
                continue;
            }

            var start = Max(GraphTime.ToInstant(item.Start), from);
            var end = Min(GraphTime.ToInstant(item.End), to);
            if (start < end)
            {
                busy.Add(new BusyInterval(start, end, status));
            }
        }

        return [.. busy.OrderBy(b => b.Start).ThenBy(b => b.End)];
    }

    public async Task<CalendarEventRef> CreateEventAsync(string upn, MeetingEvent meeting, CancellationToken cancellationToken)
    {
        var graphEvent = ToEvent(meeting);
        graphEvent.TransactionId = TransactionIdFor(meeting.BookingId);
        graphEvent.ShowAs = FreeBusyStatus.Busy;
        var created = await CallAsync("createEvent", () => client.Users[upn].Events.PostAsync(graphEvent, cancellationToken: cancellationToken));
        return ToRef(created, "createEvent");
    }

    public async Task<CalendarEventRef> UpdateEventAsync(string upn, string eventId, MeetingEvent meeting, CancellationToken cancellationToken)
    {
        var updated = await CallAsync("updateEvent", () => client.Users[upn].Events[eventId].PatchAsync(ToEvent(meeting), cancellationToken: cancellationToken));
        return updated?.Id is null ? new CalendarEventRef(eventId, null) : ToRef(updated, "updateEvent");
    }

    /// <summary>
    /// POST /cancel, so a counsellor who added attendees by hand sees them notified; Graph refuses cancel
    /// with 400 when the mailbox is not the organizer, and then the event is deleted instead. An event
    /// that is already gone (404) is what cancelling wanted.
    /// </summary>
    public async Task CancelEventAsync(string upn, string eventId, string comment, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync("cancelEvent", async () =>
            {
                await client.Users[upn].Events[eventId].Cancel.PostAsync(new CancelPostRequestBody { Comment = comment }, cancellationToken: cancellationToken);
                return true;
            });
        }
        catch (CounselorCalendarException ex) when (ex.StatusCode == 404)
        {
        }
        catch (CounselorCalendarException ex) when (ex.StatusCode == 400)
        {
            try
            {
                await CallAsync("deleteEvent", async () =>
                {
                    await client.Users[upn].Events[eventId].DeleteAsync(cancellationToken: cancellationToken);
                    return true;
                });
            }
            catch (CounselorCalendarException gone) when (gone.StatusCode == 404)
            {
            }
        }
    }

    private static Event ToEvent(MeetingEvent meeting)
    {
        var online = meeting.Mode == MeetingMode.Online;
        var graphEvent = new Event
        {
            Subject = meeting.Subject,
            Body = new ItemBody { ContentType = BodyType.Text, Content = meeting.Body },
            Start = GraphTime.InZone(meeting.Start, meeting.TimeZoneId),
            End = GraphTime.InZone(meeting.End, meeting.TimeZoneId),
            IsOnlineMeeting = online,
            IsReminderOn = true,
            ReminderMinutesBeforeStart = 30,
        };
        if (online)
        {
            graphEvent.OnlineMeetingProvider = OnlineMeetingProviderType.TeamsForBusiness;
        }

        if (!string.IsNullOrWhiteSpace(meeting.Location))
        {
            graphEvent.Location = new Location { DisplayName = meeting.Location };
        }

        return graphEvent;
    }

    private static CalendarEventRef ToRef(Event? graphEvent, string operation) =>
        graphEvent?.Id is { Length: > 0 } id
            ? new CalendarEventRef(id, graphEvent.OnlineMeeting?.JoinUrl)
            : throw new CounselorCalendarException(operation, "noEventId", null);

    private static BusyStatus? ToBusyStatus(FreeBusyStatus? status) => status switch
    {
        FreeBusyStatus.Busy => BusyStatus.Busy,
        FreeBusyStatus.Tentative => BusyStatus.Tentative,
        FreeBusyStatus.Oof => BusyStatus.OutOfOffice,
        FreeBusyStatus.WorkingElsewhere => BusyStatus.WorkingElsewhere,
        _ => null,
    };

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;

    private static Instant Min(Instant a, Instant b) => a < b ? a : b;

    /// <summary>
    /// Maps every transport failure to <see cref="CounselorCalendarException"/>: the SDK throws
    /// <see cref="ODataError"/> for Graph errors, <see cref="ApiException"/> for bare statuses,
    /// <see cref="AggregateException"/> when its retry handler gives up, and the HttpClient's own
    /// exceptions when no response arrived at all.
    /// </summary>
    private static async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ODataError ex)
        {
            throw new CounselorCalendarException(operation, ex.Error?.Code ?? "odataError", ex.ResponseStatusCode, ex);
        }
        catch (ApiException ex)
        {
            throw new CounselorCalendarException(operation, "apiError", ex.ResponseStatusCode, ex);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.LastOrDefault() is ApiException last)
        {
            throw new CounselorCalendarException(operation, "tooManyRetries", last.ResponseStatusCode, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new CounselorCalendarException(operation, "noResponse", null, ex);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new CounselorCalendarException(operation, "timeout", null, ex);
        }
    }
}
