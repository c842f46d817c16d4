using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using BkOutreach.Tests.Reliability;
using Ical.Net;
using Microsoft.Kiota.Abstractions.Authentication;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// The booking outbox on real Azurite: the request ends at the commit, the handler carries out what follows
/// exactly once whatever is redelivered or run twice, and no update of a booking row undoes another.
/// </summary>
public sealed class BookingOutboxTests
{
    private static Func<HostJson, HostJson> QuickRetries() =>
        h => h with { VisibilityTimeout = TimeSpan.FromMilliseconds(200), MaxPollingInterval = TimeSpan.FromMilliseconds(300), MessageLease = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task SmsProviderDown_TheBookingAnswersAtOnce_AndTheConfirmationGoesExactlyOnceWhenItIsBack()
    {
        var clock = new ShiftableClock(SchoolMorning);
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
        var down = true;
        acs.Fault = _ => Volatile.Read(ref down) ? AcsFault.Unavailable : AcsFault.None;
        await using var runner = await TestRunner.StartAsync(
            s => UseAcs(s, acs, maxPerMinute: 6000),
            new RunnerSettings
            {
                AdjustHost = QuickRetries(),
                ConfigureServices = s =>
                {
                    s.AddSingleton<TimeProvider>(clock);
                    s.AddSingleton(FastAcsRetries());
                },
            });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var token = (await TokensAsync(runner, journey.SchoolId, campaign))[0].Token;
        var slot = (await runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray().First().GetProperty("id").GetString();

        var watch = Stopwatch.StartNew();
        using var booked = await runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slot }));
        var answeredIn = watch.Elapsed;
        var deliveredWhenAnswered = acs.Deliveries.Count;

        // The handler meets the outage, again and again; the booking's outbox row stays pending meanwhile.
        await EventuallyAsync(() => Task.FromResult(acs.Requests.Count(r => r.AnsweredStatus == 503)), n => n >= 3, TimeSpan.FromSeconds(30));
        var bookingId = (await booked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString()!;
        var store = runner.Services.GetRequiredService<BookingStore>();
        Assert.NotEmpty(await store.ListPendingEventsAsync(bookingId, CancellationToken.None));
        Assert.Empty(acs.Deliveries);

        Volatile.Write(ref down, false);
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(HttpStatusCode.Accepted, (await runner.Admin.PostAsync("admin/functions/SweepBookingEvents", null)).StatusCode);
        await EventuallyAsync(() => Task.FromResult(acs.Deliveries.Count), n => n > 0, TimeSpan.FromSeconds(30));
        await EventuallyAsync(() => store.ListPendingEventsAsync(bookingId, CancellationToken.None), p => p.Count == 0, TimeSpan.FromSeconds(30));

        // Swept and delivered again: nothing more goes out.
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(HttpStatusCode.Accepted, (await runner.Admin.PostAsync("admin/functions/SweepBookingEvents", null)).StatusCode);
        await runner.Services.GetRequiredService<BookingEventQueue>().SendAsync(bookingId, CancellationToken.None);
        await EventuallyAsync(async () => (await runner.Services.GetRequiredService<StorageAccount>().Queue(BookingQueues.EventsQueue).PeekMessagesAsync(1)).Value.Length, n => n == 0, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        Assert.Equal(0, deliveredWhenAnswered);
        Assert.True(answeredIn < TimeSpan.FromSeconds(2), $"the booking took {answeredIn.TotalMilliseconds:F0} ms to answer while the SMS provider was down");
        var confirmation = Assert.Single(acs.Deliveries);
        Assert.Equal("+6281210000000", confirmation.To);
    }

    [Fact]
    public async Task RedeliveredMessage_AndTwoHandlersAtOnce_SendOneSms_AndCreateOneCalendarEvent()
    {
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
        await using var graph = await FakeGraphServer.StartAsync();
        await using var runner = await TestRunner.StartAsync(
            s =>
            {
                UseAcs(s, acs, maxPerMinute: 6000);
                s["Graph:Enabled"] = "true";
                s["Graph:BaseUrl"] = graph.BaseUrl;
            },
            new RunnerSettings
            {
                Clock = SchoolMorning,
                ConfigureServices = s => s.AddSingleton(new GraphTransport { Authentication = new AnonymousAuthenticationProvider() }),
            });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var guardian = (await TokensAsync(runner, journey.SchoolId, campaign))[0].GuardianId;

        // Taken by a store that queues nothing, so only the handlers below see the change.
        var start = new DateTimeOffset(2027, 1, 16, 1, 0, 0, TimeSpan.Zero);
        var quiet = new BookingStore(runner.Services.GetRequiredService<StorageAccount>(), TimeProvider.System);
        var seat = await quiet.TakeSeatAsync(
            new SeatRequest(journey.SchoolId, "bk-1", guardian, campaign, "bk-1.20270116T0800.30", start, start.AddMinutes(30), 1, "in_person", ["S00000"], ParticipationChannel.Web, ["X IPA 1"]),
            CancellationToken.None);
        var bookingId = seat.Booking!.Id;
        var handler = runner.Services.GetRequiredService<BookingEventHandler>();

        var together = await Task.WhenAll(handler.HandleAsync(bookingId, CancellationToken.None), handler.HandleAsync(bookingId, CancellationToken.None));
        await EventuallyAsync(() => runner.Services.GetRequiredService<BookingStore>().ListPendingEventsAsync(bookingId, CancellationToken.None), p => p.Count == 0, TimeSpan.FromSeconds(30));
        var redelivered = await handler.HandleAsync(bookingId, CancellationToken.None);
        await runner.Services.GetRequiredService<BookingEventQueue>().SendAsync(bookingId, CancellationToken.None);
        await EventuallyAsync(async () => (await runner.Services.GetRequiredService<StorageAccount>().Queue(BookingQueues.EventsQueue).PeekMessagesAsync(1)).Value.Length, n => n == 0, TimeSpan.FromSeconds(30));

        Assert.Contains(HandleOutcome.Done, together);
        Assert.Equal(HandleOutcome.Done, redelivered);
        Assert.Single(acs.Deliveries);
        Assert.Single(acs.Requests);
        Assert.Single(graph.Events);
        Assert.Single(graph.Requests, r => r.Method == "POST");
        var facts = await runner.Services.GetRequiredService<ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None);
        Assert.Single(facts, f => f.Event.FactKey == FactKeys.Booked(bookingId));
    }

    [Fact]
    public async Task RemovingTheOutboxRowFailsAfterTheConfirmationWent_TheRetryFinishesTheEvent_WithoutSendingAgain()
    {
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
        var failRemoval = new FailFirstOutboxRemoval();
        await using var runner = await TestRunner.StartAsync(
            s => UseAcs(s, acs, maxPerMinute: 6000),
            new RunnerSettings
            {
                Clock = SchoolMorning,
                ConfigureServices = s => s.AddSingleton(new StoragePipelinePolicy(failRemoval, Azure.Core.HttpPipelinePosition.PerRetry)),
            });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var guardian = (await TokensAsync(runner, journey.SchoolId, campaign))[0].GuardianId;
        var start = new DateTimeOffset(2027, 1, 16, 1, 0, 0, TimeSpan.Zero);
        var quiet = new BookingStore(runner.Services.GetRequiredService<StorageAccount>(), TimeProvider.System);
        var bookingId = (await quiet.TakeSeatAsync(
            new SeatRequest(journey.SchoolId, "bk-1", guardian, campaign, "bk-1.20270116T0800.30", start, start.AddMinutes(30), 1, "in_person", ["S00000"], ParticipationChannel.Web, ["X IPA 1"]),
            CancellationToken.None)).Booking!.Id;
        var handler = runner.Services.GetRequiredService<BookingEventHandler>();

        // No calendar step follows the SMS, so its done mark is not written on its own: the failed removal writes it with the release.
        await Assert.ThrowsAsync<InvalidOperationException>(() => handler.HandleAsync(bookingId, CancellationToken.None));
        var pending = Assert.Single(await quiet.ListPendingEventsAsync(bookingId, CancellationToken.None));
        var retried = await handler.HandleAsync(bookingId, CancellationToken.None);

        Assert.True(pending.SmsDone);
        Assert.Null(pending.LeaseUntil);
        Assert.Equal(HandleOutcome.Done, retried);
        Assert.Empty(await quiet.ListPendingEventsAsync(bookingId, CancellationToken.None));
        Assert.Single(acs.Requests);
        Assert.Single(acs.Deliveries);
    }

    [Fact]
    public async Task AttendanceRacingAReschedule_InEveryRound_TheBookingRowItsHoldsAndTheFeedAgree()
    {
        // Both evenings are over: attendance may be marked while the parent's booking moves between them.
        var afterBoth = new DateTimeOffset(2027, 1, 20, 2, 0, 0, TimeSpan.Zero);
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = afterBoth });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var guardian = (await TokensAsync(runner, journey.SchoolId, campaign))[0].GuardianId;
        var store = runner.Services.GetRequiredService<BookingStore>();
        var followUps = runner.Services.GetRequiredService<FollowUps>();
        var evenings = new[] { new DateTimeOffset(2027, 1, 18, 12, 30, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 19, 12, 30, 0, TimeSpan.Zero) };
        SeatRequest At(int evening) => new(
            journey.SchoolId, "bk-1", guardian, campaign, $"bk-1.2027011{8 + evening}T1930.30", evenings[evening], evenings[evening].AddMinutes(30), 1, "in_person", ["S00000"]);
        var bookingId = (await store.TakeSeatAsync(At(0), CancellationToken.None)).Booking!.Id;
        var feedUrl = new Uri((await runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/counselors/bk-1")).GetProperty("feedUrl").GetString()!);
        var disagreements = new List<string>();

        for (var round = 1; round <= 16; round++)
        {
            var target = round % 2;
            var move = Task.Run(() => store.TakeSeatAsync(At(target), CancellationToken.None));
            var mark = Task.Run(() => followUps.MarkAttendanceAsync(bookingId, round % 3 == 0 ? Attendance.NoShow : Attendance.Attended, CancellationToken.None));
            await Task.WhenAll(move, mark);
            var moved = await move;

            var row = (await store.GetAsync(bookingId, CancellationToken.None))!;
            var holds = await store.GetSeatUsageAsync(journey.SchoolId, "bk-1", evenings[0].AddDays(-1), evenings[1].AddDays(1), CancellationToken.None);
            var feed = Calendar.Load(await runner.Http.GetStringAsync(feedUrl.PathAndQuery.TrimStart('/')))!;
            var inFeed = feed.Events.Single(e => e.Uid == $"booking-{bookingId}@bkoutreach").DtStart!.AsUtc;
            var hold = Assert.Single(holds);
            if (row.Start != evenings[target] || hold.Start != row.Start || inFeed != row.Start.UtcDateTime || moved.Outcome != SeatOutcome.Rescheduled)
            {
                disagreements.Add($"round {round}: wanted {evenings[target]:u}, row {row.Start:u}, hold {hold.Start:u}, feed {inFeed:u}, move {moved.Outcome}");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        var final = (await store.GetAsync(bookingId, CancellationToken.None))!;
        Assert.NotEqual(Attendance.Unknown, final.Attendance);
    }

    [Fact]
    public async Task AttendedThenNoShowThenAttended_TheEvidenceAgreesWithTheBooking_AndOneFeedbackSms()
    {
        var afterMeeting = new DateTimeOffset(2027, 1, 16, 2, 0, 0, TimeSpan.Zero);
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = afterMeeting });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var guardian = (await TokensAsync(runner, journey.SchoolId, campaign))[0].GuardianId;
        var start = new DateTimeOffset(2027, 1, 16, 1, 0, 0, TimeSpan.Zero);
        var store = runner.Services.GetRequiredService<BookingStore>();
        var bookingId = (await store.TakeSeatAsync(
            new SeatRequest(journey.SchoolId, "bk-1", guardian, campaign, "bk-1.20270116T0800.30", start, start.AddMinutes(30), 1, "in_person", ["S00000"], ParticipationChannel.Web, ["X IPA 1"]),
            CancellationToken.None)).Booking!.Id;

        foreach (var status in new[] { "attended", "no_show", "attended" })
        {
            using var marked = await runner.Admin.PostAsync($"api/admin/bookings/{bookingId}/attendance", OutreachJourney.Json(new { status }));
            Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        }

        await EventuallyAsync(() => store.ListPendingEventsAsync(bookingId, CancellationToken.None), p => p.Count == 0, TimeSpan.FromSeconds(30));
        var all = (await runner.Services.GetRequiredService<ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None))
            .Where(f => f.Event.FactKey.Contains(bookingId, StringComparison.Ordinal)).ToList();

        // The booking's messages have their own facts (the channel that carried each, valued with the message).
        var facts = all.Where(f => f.Event.Kind != ParticipationKind.SmsSent).ToList();
        Assert.Equal(["booking_confirmation", "feedback"], all.Where(f => f.Event.Kind == ParticipationKind.SmsSent).Select(f => f.Event.Value).Order(StringComparer.Ordinal));
        var (header, rows) = Participation.ParticipationTestKit.Parse(await runner.Admin.GetStringAsync($"api/admin/schools/{journey.SchoolId}/participation.csv"));
        var outbox = (await runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray()
            .Count(m => m.GetProperty("idempotencyKey").GetString() == $"feedback:{bookingId}");

        Assert.Equal(Attendance.Attended, (await store.GetAsync(bookingId, CancellationToken.None))!.Attendance);
        Assert.Equal(["booked", "attended", "attendance_corrected", "attendance_corrected"], facts.Select(f => f.Event.Kind.ToWire()));
        Assert.Equal(["no_show", "attended"], facts.Where(f => f.Event.Kind == ParticipationKind.AttendanceCorrected).Select(f => f.Event.Value));
        var row = Assert.Single(rows);
        Assert.Equal(("1", "0"), (row[Array.IndexOf(header, "attended")], row[Array.IndexOf(header, "no_show")]));
        Assert.Equal(1, outbox);
    }

    [Theory]
    [InlineData("/api/admin/schools/x/dashboard\r\nSet-Cookie: a=b")]
    [InlineData("/api/admin/schools/x/dashboard?ü=1")]
    [InlineData("//evil.example/api/admin/")]
    [InlineData("https://evil.example/api/admin/")]
    public async Task AttendanceForm_WithAnUnsafeReturn_IgnoresIt_AndAnswersOk(string back)
    {
        var afterMeeting = new DateTimeOffset(2027, 1, 16, 2, 0, 0, TimeSpan.Zero);
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = afterMeeting });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var guardian = (await TokensAsync(runner, journey.SchoolId, campaign))[0].GuardianId;
        var start = new DateTimeOffset(2027, 1, 16, 1, 0, 0, TimeSpan.Zero);
        var bookingId = (await runner.Services.GetRequiredService<BookingStore>().TakeSeatAsync(
            new SeatRequest(journey.SchoolId, "bk-1", guardian, campaign, "bk-1.20270116T0800.30", start, start.AddMinutes(30), 1, "in_person", ["S00000"]),
            CancellationToken.None)).Booking!.Id;

        using var form = new FormUrlEncodedContent([new("status", "attended"), new("return", back)]);
        using var marked = await runner.Admin.PostAsync($"api/admin/bookings/{bookingId}/attendance", form);
        using var safe = new FormUrlEncodedContent([new("status", "no_show"), new("return", $"/api/admin/schools/{journey.SchoolId}/dashboard")]);
        using var redirected = await new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = runner.Admin.BaseAddress, DefaultRequestHeaders = { { "x-functions-key", TestRunner.AdminKey } } }
            .PostAsync($"api/admin/bookings/{bookingId}/attendance", safe);

        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal($"/api/admin/schools/{journey.SchoolId}/dashboard", redirected.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChangesWaitingTogether_SendOneText_OfTheLastOne_AndEveryChangeIsInTheEvidence(bool thenCancelled)
    {
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
        await using var runner = await TestRunner.StartAsync(s => UseAcs(s, acs, maxPerMinute: 6000), new RunnerSettings { Clock = SchoolMorning });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var guardian = (await TokensAsync(runner, journey.SchoolId, campaign))[0].GuardianId;

        // Booked, then moved twice (and maybe cancelled) before any handler ran: a double tap, a change of mind.
        var quiet = new BookingStore(runner.Services.GetRequiredService<StorageAccount>(), TimeProvider.System);
        string? bookingId = null;
        foreach (var (slot, hour) in new[] { ("bk-1.20270116T0800.30", 1), ("bk-1.20270116T0900.30", 2), ("bk-1.20270116T1000.30", 3) })
        {
            var start = new DateTimeOffset(2027, 1, 16, hour, 0, 0, TimeSpan.Zero);
            var seat = await quiet.TakeSeatAsync(
                new SeatRequest(journey.SchoolId, "bk-1", guardian, campaign, slot, start, start.AddMinutes(30), 1, "in_person", ["S00000"], ParticipationChannel.Web, ["X IPA 1"]),
                CancellationToken.None);
            bookingId ??= seat.Booking!.Id;
            Assert.Equal(bookingId, seat.Booking!.Id);
        }

        if (thenCancelled)
        {
            Assert.NotNull(await quiet.CancelAsync(journey.SchoolId, "bk-1", campaign, guardian, ParticipationChannel.Web, CancellationToken.None));
        }

        var outcome = await runner.Services.GetRequiredService<BookingEventHandler>().HandleAsync(bookingId!, CancellationToken.None);
        var facts = await runner.Services.GetRequiredService<ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None);

        Assert.Equal(HandleOutcome.Done, outcome);
        Assert.Empty(await quiet.ListPendingEventsAsync(bookingId!, CancellationToken.None));
        var text = Assert.Single(acs.Deliveries).Message;
        if (thenCancelled)
        {
            Assert.Contains("batal", text, StringComparison.OrdinalIgnoreCase);
            Assert.Single(facts, f => f.Event.Kind == ParticipationKind.Cancelled);
        }
        else
        {
            Assert.Contains("16 Jan 10:00", text, StringComparison.Ordinal);
        }

        Assert.Single(facts, f => f.Event.Kind == ParticipationKind.Booked);
        Assert.Equal(2, facts.Count(f => f.Event.Kind == ParticipationKind.Rescheduled));
    }

    [Fact]
    public async Task RebookingTheSameSlotInTheOtherMode_ChangesTheMode()
    {
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning });
        var (journey, campaign) = await SchoolWithFamiliesAsync(runner, 1);
        var token = (await TokensAsync(runner, journey.SchoolId, campaign))[0].Token;
        var slot = (await runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray().First(s => s.GetProperty("mode").GetString() == "either").GetProperty("id").GetString();

        using var inPerson = await runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slot, mode = "in_person" }));
        using var online = await runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slot, mode = "online" }));
        using var repeated = await runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slot }));
        var first = await inPerson.Content.ReadFromJsonAsync<JsonElement>();
        var second = await online.Content.ReadFromJsonAsync<JsonElement>();
        var third = await repeated.Content.ReadFromJsonAsync<JsonElement>();
        var bookingId = first.GetProperty("bookingId").GetString()!;
        var stored = await runner.Services.GetRequiredService<BookingStore>().GetAsync(bookingId, CancellationToken.None);

        Assert.Equal("in_person", first.GetProperty("mode").GetString());
        Assert.Equal("online", second.GetProperty("mode").GetString());
        Assert.Equal(bookingId, second.GetProperty("bookingId").GetString());
        Assert.Equal("online", third.GetProperty("mode").GetString());
        Assert.Equal("online", stored!.Mode);
        Assert.Equal(1, stored.Sequence);
    }

    /// <summary>Fails the first removal of an outbox row (a DELETE of a bookings row) before it reaches storage.</summary>
    private sealed class FailFirstOutboxRemoval : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        private int _left = 1;

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Fail(Azure.Core.HttpMessage message)
        {
            if (message.Request.Method == Azure.Core.RequestMethod.Delete
                && message.Request.Uri.Path.Contains("/bookings(", StringComparison.Ordinal)
                && Interlocked.Decrement(ref _left) >= 0)
            {
                throw new InvalidOperationException("Simulated failure: the outbox row's removal did not reach storage.");
            }
        }
    }
}
