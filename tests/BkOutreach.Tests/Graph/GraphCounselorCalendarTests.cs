using System.Diagnostics;
using System.Text.Json.Nodes;
using BkOutreach.Core;
using BkOutreach.Core.Graph;
using BkOutreach.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using NodaTime;
using static BkOutreach.Tests.Graph.GraphTestKit;

namespace BkOutreach.Tests.Graph;

public sealed class GraphCounselorCalendarTests : IAsyncLifetime
{
    private const string Upn = "bk1@ma-aisyiyah.sch.id";
    private FakeGraphServer _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeGraphServer.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task GetBusy_ReadsScheduleItemsInUtc_SkipsFreeTime_AndClipsToTheWindow()
    {
        _fake.AddScheduleItem(Upn, Utc("2027-01-16T01:00:00Z"), Utc("2027-01-16T02:00:00Z"), "busy");
        _fake.AddScheduleItem(Upn, Utc("2027-01-16T03:00:00Z"), Utc("2027-01-16T03:30:00Z"), "tentative");
        _fake.AddScheduleItem(Upn, Utc("2027-01-16T04:00:00Z"), Utc("2027-01-16T05:00:00Z"), "free");
        _fake.AddScheduleItem(Upn, Utc("2027-01-17T00:00:00Z"), Utc("2027-01-18T00:00:00Z"), "oof");
        _fake.AddScheduleItem(Upn, Utc("2027-01-15T23:00:00Z"), Utc("2027-01-16T00:30:00Z"), "workingElsewhere");

        var busy = await Calendar(_fake).GetBusyAsync(Upn, At("2027-01-16T00:00:00Z"), At("2027-01-17T12:00:00Z"), CancellationToken.None);

        Assert.Equal(
            [
                new BusyInterval(At("2027-01-16T00:00:00Z"), At("2027-01-16T00:30:00Z"), BusyStatus.WorkingElsewhere),
                new BusyInterval(At("2027-01-16T01:00:00Z"), At("2027-01-16T02:00:00Z"), BusyStatus.Busy),
                new BusyInterval(At("2027-01-16T03:00:00Z"), At("2027-01-16T03:30:00Z"), BusyStatus.Tentative),
                new BusyInterval(At("2027-01-17T00:00:00Z"), At("2027-01-17T12:00:00Z"), BusyStatus.OutOfOffice),
            ],
            busy);
        var request = Assert.Single(_fake.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v1.0/users/{Upn}/calendar/getSchedule", request.Path);
        Assert.Equal("outlook.timezone=\"UTC\"", request.Prefer);
        var body = JsonNode.Parse(request.Body, FakeGraphServer.ActionBody)!;
        Assert.Equal(Upn, body["schedules"]![0]!.GetValue<string>());
        Assert.Equal(15, body["availabilityViewInterval"]!.GetValue<int>());
        Assert.Equal("2027-01-16T00:00:00", body["startTime"]!["dateTime"]!.GetValue<string>());
        Assert.Equal("UTC", body["startTime"]!["timeZone"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetBusy_After429WithRetryAfter_IsRetriedAndSucceeds()
    {
        _fake.AddScheduleItem(Upn, Utc("2027-01-16T01:00:00Z"), Utc("2027-01-16T02:00:00Z"));
        _fake.FailNext(1, 429, retryAfterSeconds: 1);
        var watch = Stopwatch.StartNew();

        var busy = await Calendar(_fake).GetBusyAsync(Upn, At("2027-01-16T00:00:00Z"), At("2027-01-17T00:00:00Z"), CancellationToken.None);

        Assert.Single(busy);
        Assert.Equal([429, 200], _fake.Requests.Select(r => r.Status));
        Assert.Equal("1", _fake.Requests[1].RetryAttempt);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"the retry waited only {watch.Elapsed}");
    }

    [Fact]
    public async Task GetBusy_MailboxError_IsACalendarFailureWithGraphsCode()
    {
        _fake.BreakMailbox(Upn);

        var ex = await Assert.ThrowsAsync<CounselorCalendarException>(() =>
            Calendar(_fake).GetBusyAsync(Upn, At("2027-01-16T00:00:00Z"), At("2027-01-17T00:00:00Z"), CancellationToken.None));

        Assert.Equal("ErrorMailboxNotFound", ex.ErrorCode);
        Assert.DoesNotContain(Upn, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CreateEvent_Online_SendsTransactionIdAndSchoolZone_NoNames_AndReturnsTeamsJoinUrl()
    {
        var bookingId = NewId("bk");
        var meeting = Meeting(bookingId, MeetingMode.Online);

        var created = await Calendar(_fake).CreateEventAsync(Upn, meeting, CancellationToken.None);

        Assert.StartsWith("https://teams.microsoft.com/l/meetup-join/", created.JoinUrl, StringComparison.Ordinal);
        var graphEvent = Assert.Single(_fake.Events);
        Assert.Equal(created.EventId, graphEvent.Id);
        Assert.Equal(GraphCounselorCalendar.TransactionIdFor(bookingId), graphEvent.TransactionId);
        Assert.Equal(GraphCounselorCalendar.TransactionIdFor(bookingId), GraphCounselorCalendar.TransactionIdFor(bookingId));
        Assert.True(graphEvent.IsOnlineMeeting);
        Assert.Equal("teamsForBusiness", graphEvent.OnlineMeetingProvider);
        Assert.Equal("SE Asia Standard Time", graphEvent.StartTimeZone);
        Assert.Equal("2027-01-16T09:00:00", graphEvent.StartDateTime);
        Assert.Equal(Utc("2027-01-16T02:00:00Z"), graphEvent.StartUtc);
        Assert.Equal(Utc("2027-01-16T02:30:00Z"), graphEvent.EndUtc);
        Assert.Equal("Pertemuan orang tua (BK) · S. A. · XI IPA 1", graphEvent.Subject);

        var request = Assert.Single(_fake.Requests);
        Assert.Equal($"/v1.0/users/{Upn}/events", request.Path);
        Assert.DoesNotContain("Siti", request.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Aminah", request.Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CreateEvent_InPerson_HasNoJoinUrl()
    {
        var created = await Calendar(_fake).CreateEventAsync(Upn, Meeting(NewId("bk")), CancellationToken.None);

        Assert.Null(created.JoinUrl);
        Assert.False(Assert.Single(_fake.Events).IsOnlineMeeting);
        Assert.Equal("Ruang BK", _fake.Events[0].Location);
    }

    [Fact]
    public async Task CreateEvent_RetriedAfterALostResponse_MakesOneEvent()
    {
        var calendar = Calendar(_fake);
        var meeting = Meeting(NewId("bk"), MeetingMode.Online);
        _fake.LoseNextResponses(1);

        var lost = await Assert.ThrowsAsync<CounselorCalendarException>(() => calendar.CreateEventAsync(Upn, meeting, CancellationToken.None));
        var created = await calendar.CreateEventAsync(Upn, meeting, CancellationToken.None);

        Assert.Equal("noResponse", lost.ErrorCode);
        var graphEvent = Assert.Single(_fake.Events);
        Assert.Equal(graphEvent.Id, created.EventId);
        Assert.Equal(graphEvent.JoinUrl, created.JoinUrl);
        var posts = _fake.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, p => Assert.Contains(GraphCounselorCalendar.TransactionIdFor(meeting.BookingId), p.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateEvent_503ThenSuccess_IsRetriedByTheSdkWithTheSameTransactionId()
    {
        _fake.FailNext(2, 503, retryAfterSeconds: 0);

        var created = await Calendar(_fake).CreateEventAsync(Upn, Meeting(NewId("bk")), CancellationToken.None);

        Assert.Equal([503, 503, 201], _fake.Requests.Select(r => r.Status));
        Assert.Equal(created.EventId, Assert.Single(_fake.Events).Id);
    }

    [Fact]
    public async Task UpdateEvent_PatchesTimeAndMode_AndOnlineGivesAJoinUrl()
    {
        var calendar = Calendar(_fake);
        var meeting = Meeting(NewId("bk"));
        var created = await calendar.CreateEventAsync(Upn, meeting, CancellationToken.None);
        var moved = meeting with { Start = At("2027-01-17T03:00:00Z"), End = At("2027-01-17T03:45:00Z"), Mode = MeetingMode.Online };

        var updated = await calendar.UpdateEventAsync(Upn, created.EventId, moved, CancellationToken.None);

        Assert.Equal(created.EventId, updated.EventId);
        Assert.NotNull(updated.JoinUrl);
        var patch = Assert.Single(_fake.Requests, r => r.Method == "PATCH");
        Assert.Equal($"/v1.0/users/{Upn}/events/{created.EventId}", patch.Path);
        var graphEvent = Assert.Single(_fake.Events);
        Assert.Equal(Utc("2027-01-17T03:00:00Z"), graphEvent.StartUtc);
        Assert.Equal(Utc("2027-01-17T03:45:00Z"), graphEvent.EndUtc);
        Assert.True(graphEvent.IsOnlineMeeting);
    }

    [Fact]
    public async Task CancelEvent_PostsCancelWithTheComment()
    {
        var calendar = Calendar(_fake);
        var created = await calendar.CreateEventAsync(Upn, Meeting(NewId("bk")), CancellationToken.None);

        await calendar.CancelEventAsync(Upn, created.EventId, "Dibatalkan oleh wali murid.", CancellationToken.None);

        var cancel = Assert.Single(_fake.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        Assert.Equal($"/v1.0/users/{Upn}/events/{created.EventId}/cancel", cancel.Path);
        Assert.Equal(202, cancel.Status);
        var graphEvent = Assert.Single(_fake.Events);
        Assert.True(graphEvent.IsCancelled);
        Assert.Equal("Dibatalkan oleh wali murid.", graphEvent.CancelComment);
        Assert.DoesNotContain(_fake.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task CancelEvent_RefusedForNonOrganizer_DeletesInstead_AndAGoneEventIsFine()
    {
        var calendar = Calendar(_fake);
        var created = await calendar.CreateEventAsync(Upn, Meeting(NewId("bk")), CancellationToken.None);
        _fake.RefuseCancel = true;

        await calendar.CancelEventAsync(Upn, created.EventId, "x", CancellationToken.None);
        await calendar.CancelEventAsync(Upn, created.EventId, "x", CancellationToken.None);

        Assert.True(Assert.Single(_fake.Events).IsDeleted);
        Assert.Equal(
            [("POST", 201), ("POST", 400), ("DELETE", 204), ("POST", 404)],
            _fake.Requests.Select(r => (r.Method, r.Status)));
    }

    [Fact]
    public void Registration_GraphOff_GivesNoCalendar_GraphOn_GivesTheGraphCalendar()
    {
        static ICounselorCalendar Resolve(Dictionary<string, string?> settings)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var services = new ServiceCollection().AddLogging().AddBkOutreach(configuration);
            return services.BuildServiceProvider().GetRequiredService<ICounselorCalendar>();
        }

        var off = Resolve([]);
        var on = Resolve(new() { ["Graph:Enabled"] = "true", ["Graph:BaseUrl"] = "http://127.0.0.1:1/v1.0" });

        Assert.False(off.IsEnabled);
        Assert.IsType<NoCounselorCalendar>(off);
        Assert.True(on.IsEnabled);
        Assert.IsType<GraphCounselorCalendar>(on);
    }

    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}
