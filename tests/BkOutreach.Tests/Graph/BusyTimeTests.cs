using BkOutreach.Core.Graph;
using BkOutreach.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using static BkOutreach.Tests.Graph.GraphTestKit;

namespace BkOutreach.Tests.Graph;

public sealed class BusyTimeTests : IAsyncLifetime
{
    private FakeGraphServer _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeGraphServer.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task BusyTimeSync_StoresEachCounselorsBusyTime_AndOneBrokenMailboxDoesNotStopTheOthers()
    {
        var school = NewId("school");
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2027-01-11T02:07:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new BusyTimeStore(await StorageAsync());
        var sync = new BusyTimeSync(Calendar(_fake), store, clock, NullLogger<BusyTimeSync>.Instance);
        _fake.AddScheduleItem("bk1@school.id", Utc("2027-01-16T01:00:00Z"), Utc("2027-01-16T02:00:00Z"), "busy");
        _fake.AddScheduleItem("bk1@school.id", Utc("2027-01-16T03:00:00Z"), Utc("2027-01-16T04:00:00Z"), "free");
        _fake.AddScheduleItem("bk3@school.id", Utc("2027-01-17T23:00:00Z"), Utc("2027-01-18T01:00:00Z"), "oof");
        _fake.BreakMailbox("bk2@school.id");

        var summary = await sync.SyncAsync(
            [new(school, "bk-1", "bk1@school.id"), new(school, "bk-2", "bk2@school.id"), new(school, "bk-3", "bk3@school.id"), new(school, "bk-4", "")],
            Duration.FromDays(28),
            CancellationToken.None);

        Assert.True(summary.CalendarEnabled);
        Assert.Equal(2, summary.Synced);
        var failure = Assert.Single(summary.Failures);
        Assert.Equal(("bk-2", "ErrorMailboxNotFound"), (failure.CounselorId, failure.ErrorCode));
        Assert.Equal(3, _fake.Requests.Count);

        var window = (At("2027-01-11T00:00:00Z"), At("2027-02-08T00:00:00Z"));
        Assert.Equal(
            [new BusyInterval(At("2027-01-16T01:00:00Z"), At("2027-01-16T02:00:00Z"), BusyStatus.Busy)],
            await store.GetAsync(school, "bk-1", window.Item1, window.Item2));
        Assert.Equal(
            [new BusyInterval(At("2027-01-17T23:00:00Z"), At("2027-01-18T01:00:00Z"), BusyStatus.OutOfOffice)],
            await store.GetAsync(school, "bk-3", window.Item1, window.Item2));
        Assert.Empty(await store.GetAsync(school, "bk-2", window.Item1, window.Item2));

        var request = _fake.Requests[0];
        Assert.Contains("2027-01-11T02:00:00", request.Body, StringComparison.Ordinal);
        Assert.Contains("2027-02-08T02:07:00", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BusyTimeSync_GraphOff_ReadsNothing()
    {
        var sync = new BusyTimeSync(NoCounselorCalendar.Instance, new BusyTimeStore(await StorageAsync()), TimeProvider.System, NullLogger<BusyTimeSync>.Instance);

        var summary = await sync.SyncAsync([new("s", "c", "bk@school.id")], Duration.FromDays(7), CancellationToken.None);

        Assert.False(summary.CalendarEnabled);
        Assert.Equal(0, summary.Synced);
    }

    [Fact]
    public async Task BusyTimeStore_Replace_ReplacesOnlyTheWindow_AndJoinsPiecesAcrossMidnight()
    {
        var store = new BusyTimeStore(await StorageAsync());
        var school = NewId("school");
        var first = new[]
        {
            new BusyInterval(At("2027-01-16T01:00:00Z"), At("2027-01-16T02:00:00Z"), BusyStatus.Busy),
            new BusyInterval(At("2027-01-16T10:00:00Z"), At("2027-01-16T11:00:00Z"), BusyStatus.Busy),
            new BusyInterval(At("2027-01-16T22:00:00Z"), At("2027-01-17T02:00:00Z"), BusyStatus.OutOfOffice),
        };
        await store.ReplaceAsync(school, "bk-1", At("2027-01-16T00:00:00Z"), At("2027-01-18T00:00:00Z"), first, At("2027-01-11T00:00:00Z"));

        // A later read of [05:00 on the 16th, the 18th) no longer has the 10:00 meeting.
        await store.ReplaceAsync(
            school,
            "bk-1",
            At("2027-01-16T05:00:00Z"),
            At("2027-01-18T00:00:00Z"),
            [new BusyInterval(At("2027-01-16T22:00:00Z"), At("2027-01-17T02:00:00Z"), BusyStatus.OutOfOffice)],
            At("2027-01-12T00:00:00Z"));

        Assert.Equal(
            [
                new BusyInterval(At("2027-01-16T01:00:00Z"), At("2027-01-16T02:00:00Z"), BusyStatus.Busy),
                new BusyInterval(At("2027-01-16T22:00:00Z"), At("2027-01-17T02:00:00Z"), BusyStatus.OutOfOffice),
            ],
            await store.GetAsync(school, "bk-1", At("2027-01-15T00:00:00Z"), At("2027-01-19T00:00:00Z")));
        Assert.Equal(
            [new BusyInterval(At("2027-01-16T23:00:00Z"), At("2027-01-17T01:30:00Z"), BusyStatus.OutOfOffice)],
            await store.GetAsync(school, "bk-1", At("2027-01-16T23:00:00Z"), At("2027-01-17T01:30:00Z")));
        Assert.Empty(await store.GetAsync(school, "bk-2", At("2027-01-15T00:00:00Z"), At("2027-01-19T00:00:00Z")));
    }

    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}
