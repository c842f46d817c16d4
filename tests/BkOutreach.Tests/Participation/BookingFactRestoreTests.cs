using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Participation;

/// <summary>Booking facts are written behind; those lost with a stopped instance come back from the bookings.</summary>
public sealed class BookingFactRestoreTests : IAsyncLifetime
{
    // Saturday 2027-01-09 09:00 WIB.
    private static readonly DateTimeOffset Clock = new(2027, 1, 9, 2, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Saturday0800 = new(2027, 1, 16, 1, 0, 0, TimeSpan.Zero);

    private readonly string _school = "school-" + Guid.NewGuid().ToString("N")[..10];
    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Clock });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private T Get<T>()
        where T : notnull => _runner.Services.GetRequiredService<T>();

    private async Task<BkOutreach.Core.Booking.Booking> BookAsync(string guardianId, int slot, ParticipationChannel via = ParticipationChannel.Web)
    {
        var start = Saturday0800.AddMinutes(30 * slot);
        var seat = await Get<BookingStore>().TakeSeatAsync(
            new SeatRequest(_school, "bk-1", guardianId, "c-genap", $"bk-1.20270116T{8 + (slot / 2):00}{slot % 2 * 30:00}.30", start, start.AddMinutes(30), 1, "in_person", ["s" + guardianId], via),
            null,
            CancellationToken.None);
        return seat.Booking!;
    }

    [Fact]
    public async Task MissingBookingFacts_AreRestoredFromTheBookings_OnceAndWithTheBookingsOwnTimes()
    {
        var ct = CancellationToken.None;
        var directory = Get<SchoolDirectory>();
        var school = new SchoolSettings { Name = "MA Uji", TimeZone = "Asia/Jakarta" };
        await directory.PutSchoolAsync(_school, school, ct);
        await directory.PutCounselorAsync(_school, "bk-1", new CounselorSettings { Name = "Bu Rahma" }, ct);
        var guardians = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (guardian, _) = await directory.UpsertGuardianAsync(_school, $"+62812345678{i:00}", $"Wali {i}", "id", [new Student($"s{i}", $"Siswa {i}", "XI IPA 1", "bk-1")], ct);
            guardians.Add(guardian.Id);
        }

        await Get<CampaignStore>().PutAsync(_school, "c-genap", new CampaignDefinition { Name = "Genap", Term = "2026/2027 Genap" }, ct);

        // Taken through the store, so no fact was written: as if the instance stopped before writing behind.
        var booked = await BookAsync(guardians[0], 0, ParticipationChannel.Sms);
        await BookAsync(guardians[1], 2);
        var moved = await BookAsync(guardians[1], 3);
        await BookAsync(guardians[2], 4);
        var cancelled = (await Get<BookingStore>().CancelAsync(_school, "bk-1", "c-genap", guardians[2], ParticipationChannel.Web, ct))!;
        var log = Get<ParticipationLog>();

        // The moved booking's first fact did arrive; only its move is missing.
        await log.RecordAsync(new ParticipationEvent
        {
            FactKey = FactKeys.Booked(moved.Id),
            Kind = ParticipationKind.Booked,
            SchoolId = _school,
            GuardianId = guardians[1],
            Channel = ParticipationChannel.Web,
            OccurredAt = moved.CreatedAt,
            CampaignId = "c-genap",
        }, ct);

        var later = new FakeTimeProvider(Clock + TimeSpan.FromMinutes(10));
        var facts = new ParticipationFacts(log, Get<CampaignStore>(), directory, later, NullLogger<ParticipationFacts>.Instance);
        var bookings = await Get<BookingStore>().ListAsync(_school, "bk-1", ct);

        var restored = await facts.RestoreBookingFactsAsync(school, bookings, await log.ListAsync(_school, ct), ct);
        var again = await facts.RestoreBookingFactsAsync(school, bookings, await log.ListAsync(_school, ct), ct);

        // A booking just made may still have its facts on the way: left alone until it settles.
        var fresh = await BookAsync(guardians[3], 6);
        var tooEarly = await new ParticipationFacts(log, Get<CampaignStore>(), directory, new FakeTimeProvider(fresh.UpdatedAt + TimeSpan.FromSeconds(5)), NullLogger<ParticipationFacts>.Instance)
            .RestoreBookingFactsAsync(school, [fresh], await log.ListAsync(_school, ct), ct);

        Assert.Equal(
            new[] { FactKeys.Booked(booked.Id), FactKeys.Rescheduled(moved.Id, 1), FactKeys.Booked(cancelled.Id), FactKeys.Cancelled(cancelled.Id) }.Order(StringComparer.Ordinal),
            restored.Select(f => f.FactKey).Order(StringComparer.Ordinal));
        Assert.Empty(again);
        Assert.Empty(tooEarly);

        var entries = (await log.ListAsync(_school, ct)).ToDictionary(e => e.Event.FactKey, e => e.Event, StringComparer.Ordinal);
        var first = entries[FactKeys.Booked(booked.Id)];
        Assert.Equal(booked.CreatedAt, first.OccurredAt);

        // Each fact keeps where it came from: this one was booked by an SMS reply, the others on the page.
        Assert.Equal(ParticipationChannel.Sms, first.Channel);
        Assert.All(restored.Where(f => f.FactKey != first.FactKey), f => Assert.Equal(ParticipationChannel.Web, f.Channel));
        Assert.Equal(SlotChoice.Of(booked.Start, "Asia/Jakarta", "in_person").ToValue(), first.Value);
        Assert.Equal(["XI IPA 1"], first.Classes);
        Assert.Equal("2026/2027 Genap", first.Term);
        Assert.Equal(ParticipationKind.Rescheduled, entries[FactKeys.Rescheduled(moved.Id, 1)].Kind);
        Assert.Equal(SlotChoice.Of(moved.Start, "Asia/Jakarta", "in_person").ToValue(), entries[FactKeys.Rescheduled(moved.Id, 1)].Value);
        Assert.Equal(cancelled.UpdatedAt, entries[FactKeys.Cancelled(cancelled.Id)].OccurredAt);

        // Cancelled without a move: its slot is still the one first chosen.
        Assert.Equal(SlotChoice.Of(cancelled.Start, "Asia/Jakarta", "in_person").ToValue(), entries[FactKeys.Booked(cancelled.Id)].Value);
        Assert.False(entries.ContainsKey(FactKeys.Booked(fresh.Id)));
    }
}
