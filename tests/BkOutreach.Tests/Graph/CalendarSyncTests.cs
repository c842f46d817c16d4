using BkOutreach.Core.Graph;
using BkOutreach.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using static BkOutreach.Tests.Graph.GraphTestKit;

namespace BkOutreach.Tests.Graph;

public sealed class CalendarSyncTests : IAsyncLifetime
{
    private const string Upn = "bk1@ma-aisyiyah.sch.id";
    private static readonly Instant T0 = At("2027-01-11T02:00:00Z");
    private readonly FakeTimeProvider _clock = new(T0.ToDateTimeOffset());
    private FakeGraphServer _fake = null!;
    private CalendarSyncStore _store = null!;
    private CalendarSyncProcessor _processor = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeGraphServer.StartAsync();
        _store = await CalendarSyncStoreAsync(_clock);
        _processor = new CalendarSyncProcessor(Calendar(_fake), _store, NullLogger<CalendarSyncProcessor>.Instance);
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task GraphOutage_LeavesTheSyncPending_AndALaterPassCatchesUp()
    {
        var bookingId = NewId("bk");
        _fake.StartOutage(503, retryAfterSeconds: 0);
        await _store.ScheduleUpsertAsync(Upn, Meeting(bookingId, MeetingMode.Online));

        var during = await _processor.ProcessBookingAsync(bookingId, T0);

        Assert.False(during);
        var pending = await _store.GetStateAsync(bookingId);
        Assert.NotNull(pending);
        Assert.Equal(CalendarSyncStatus.Pending, pending.Status);
        Assert.Equal(CalendarSyncKind.Create, pending.PendingKind);
        Assert.Equal(1, pending.Attempts);
        Assert.Equal(T0 + Duration.FromMinutes(1), pending.NextAttemptAt);
        Assert.Contains("503", pending.LastError, StringComparison.Ordinal);
        Assert.Null(pending.EventId);
        var requestsBefore = _fake.Requests.Count;
        Assert.False(await _processor.ProcessBookingAsync(bookingId, T0 + Duration.FromSeconds(30)));
        Assert.Equal(requestsBefore, _fake.Requests.Count);

        _fake.EndOutage();
        var after = await _processor.ProcessBookingAsync(bookingId, T0 + Duration.FromMinutes(2));

        Assert.True(after);
        var synced = await _store.GetStateAsync(bookingId);
        Assert.NotNull(synced);
        Assert.Equal(CalendarSyncStatus.Synced, synced.Status);
        var graphEvent = Assert.Single(_fake.Events);
        Assert.Equal(graphEvent.Id, synced.EventId);
        Assert.StartsWith("https://teams.microsoft.com/l/meetup-join/", synced.JoinUrl, StringComparison.Ordinal);
        Assert.Equal(synced.JoinUrl, graphEvent.JoinUrl);
        Assert.Equal(0, synced.Attempts);
        Assert.Null(synced.LastError);
        Assert.All(_fake.Requests.Where(r => r.Method == "POST"), r => Assert.Contains(GraphCounselorCalendar.TransactionIdFor(bookingId), r.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task LostCreateResponse_IsRetriedWithTheSameTransactionId_AndMakesOneEvent()
    {
        var bookingId = NewId("bk");
        await _store.ScheduleUpsertAsync(Upn, Meeting(bookingId));
        _fake.LoseNextResponses(1);

        Assert.False(await _processor.ProcessBookingAsync(bookingId, T0));
        Assert.True(await _processor.ProcessBookingAsync(bookingId, T0 + Duration.FromMinutes(1)));

        var graphEvent = Assert.Single(_fake.Events);
        Assert.Equal(2, _fake.Requests.Count(r => r.Method == "POST"));
        Assert.Equal(graphEvent.Id, (await _store.GetStateAsync(bookingId))!.EventId);
    }

    [Fact]
    public async Task Reschedule_PatchesTheEvent_AndCancel_CancelsIt()
    {
        var bookingId = NewId("bk");
        var meeting = Meeting(bookingId);
        await _store.ScheduleUpsertAsync(Upn, meeting);
        await _processor.ProcessBookingAsync(bookingId, T0);
        var eventId = (await _store.GetStateAsync(bookingId))!.EventId;

        await _store.ScheduleUpsertAsync(Upn, meeting with { Start = At("2027-01-17T02:00:00Z"), End = At("2027-01-17T02:30:00Z") });
        Assert.Equal(CalendarSyncKind.Update, (await _store.GetStateAsync(bookingId))!.PendingKind);
        await _processor.ProcessBookingAsync(bookingId, T0);

        Assert.Equal(At("2027-01-17T02:00:00Z").ToDateTimeOffset(), Assert.Single(_fake.Events).StartUtc);
        Assert.Equal($"/v1.0/users/{Upn}/events/{eventId}", Assert.Single(_fake.Requests, r => r.Method == "PATCH").Path);

        await _store.ScheduleCancelAsync(bookingId, "Dibatalkan.");
        await _processor.ProcessBookingAsync(bookingId, T0);

        var state = await _store.GetStateAsync(bookingId);
        Assert.Equal(CalendarSyncStatus.Cancelled, state!.Status);
        Assert.True(Assert.Single(_fake.Events).IsCancelled);
        Assert.Equal(["POST", "PATCH", "POST"], _fake.Requests.Select(r => r.Method));
        Assert.EndsWith("/cancel", _fake.Requests[2].Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelBeforeAnyCreateWasSent_SendsNothing()
    {
        var bookingId = NewId("bk");
        await _store.ScheduleUpsertAsync(Upn, Meeting(bookingId));
        await _store.ScheduleCancelAsync(bookingId, "Dibatalkan.");

        await _processor.ProcessBookingAsync(bookingId, T0);

        Assert.Equal(CalendarSyncStatus.Cancelled, (await _store.GetStateAsync(bookingId))!.Status);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task CancelAfterAFailedCreate_CreatesIdempotentlyThenCancels()
    {
        var bookingId = NewId("bk");
        await _store.ScheduleUpsertAsync(Upn, Meeting(bookingId));
        _fake.LoseNextResponses(1);
        await _processor.ProcessBookingAsync(bookingId, T0);
        await _store.ScheduleCancelAsync(bookingId, "Dibatalkan.");

        await _processor.ProcessBookingAsync(bookingId, T0);

        Assert.True(Assert.Single(_fake.Events).IsCancelled);
        Assert.Equal(CalendarSyncStatus.Cancelled, (await _store.GetStateAsync(bookingId))!.Status);
    }

    [Fact]
    public async Task SameMeetingScheduledTwice_IsOneCreate_AndUnknownBookingHasNoState()
    {
        var bookingId = NewId("bk");
        await _store.ScheduleUpsertAsync(Upn, Meeting(bookingId));
        await _store.ScheduleUpsertAsync(Upn, Meeting(bookingId));

        await _processor.ProcessBookingAsync(bookingId, T0);
        await _processor.ProcessBookingAsync(bookingId, T0 + Duration.FromHours(1));

        Assert.Single(_fake.Requests);
        Assert.Null(await _store.GetStateAsync(NewId("bk")));
    }

    [Fact]
    public async Task GraphOff_LeavesEverythingPending_AndAsksNothingMore()
    {
        var bookingId = NewId("bk");
        await _store.ScheduleUpsertAsync(Upn, Meeting(bookingId));
        var processor = new CalendarSyncProcessor(NoCounselorCalendar.Instance, _store, NullLogger<CalendarSyncProcessor>.Instance);

        Assert.True(await processor.ProcessBookingAsync(bookingId, T0));
        Assert.Equal(CalendarSyncStatus.Pending, (await _store.GetStateAsync(bookingId))!.Status);
    }

    [Fact]
    public void Backoff_DoublesFromOneMinute_UpToOneHour()
    {
        Assert.Equal(Duration.FromMinutes(1), CalendarSyncProcessor.BackoffAfter(1));
        Assert.Equal(Duration.FromMinutes(2), CalendarSyncProcessor.BackoffAfter(2));
        Assert.Equal(Duration.FromMinutes(32), CalendarSyncProcessor.BackoffAfter(6));
        Assert.Equal(Duration.FromHours(1), CalendarSyncProcessor.BackoffAfter(7));
        Assert.Equal(Duration.FromHours(1), CalendarSyncProcessor.BackoffAfter(30));
    }
}
