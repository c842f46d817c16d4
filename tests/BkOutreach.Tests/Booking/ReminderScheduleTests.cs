using Azure.Core;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.LoadDriver;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Booking;

/// <summary>The reminder timer reads the schedule of what is due, never the bookings.</summary>
public sealed class ReminderScheduleTests
{
    [Fact]
    public async Task RemindersTimer_StorageReads_DoNotGrowWithBookingsThatAreNotDue_TenSchoolsOfAThousand()
    {
        var counter = new RoundTripCounter();
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings
        {
            Clock = SchoolMorning,
            ConfigureServices = s => s.AddSingleton(new StoragePipelinePolicy(counter, HttpPipelinePosition.PerRetry)),
        });
        var directory = runner.Services.GetRequiredService<SchoolDirectory>();
        var schedule = runner.Services.GetRequiredService<ReminderSchedule>();
        var followUps = runner.Services.GetRequiredService<FollowUps>();

        // Booking rows written a hundred per transaction (what seat transactions leave behind, without their
        // holds), and each booking's reminders scheduled as the handler does: none is due for weeks.
        var bookingsTable = runner.Services.GetRequiredService<StorageAccount>().Table(StorageNames.BookingsTable);
        var school = new SchoolSettings { Name = "MA Uji", TimeZone = "Asia/Jakarta" };
        var booked = DateTimeOffset.Parse("2027-01-10T02:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        async Task AddSchoolAsync(string schoolId, int bookings)
        {
            await directory.PutSchoolAsync(schoolId, school, CancellationToken.None);
            await directory.PutCounselorAsync(schoolId, "bk-1", new CounselorSettings { Name = "Bu Rahma" }, CancellationToken.None);
            var first = new DateTimeOffset(2027, 2, 1, 1, 0, 0, TimeSpan.Zero);
            var all = Enumerable.Range(0, bookings).Select(i => new BkOutreach.Core.Booking.Booking
            {
                Id = $"{schoolId}.bk-1.{i:x20}",
                SchoolId = schoolId,
                CounselorId = "bk-1",
                GuardianId = $"g{i:D5}",
                CampaignId = "c-genap",
                SlotId = $"bk-1.x{i}",
                Start = first.AddMinutes(30 * i),
                End = first.AddMinutes(30 * i + 30),
                Mode = "in_person",
                CreatedAt = booked,
                UpdatedAt = booked,
            }).ToList();
            foreach (var chunk in all.Chunk(100))
            {
                await bookingsTable.SubmitTransactionAsync(chunk.Select(b => new Azure.Data.Tables.TableTransactionAction(Azure.Data.Tables.TableTransactionActionType.Add, BookingStore.ToEntity($"{schoolId}|bk-1", b))));
            }

            await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (b, ct) => await schedule.ScheduleAsync(school, b, ct));
        }

        async Task<long> TimerRoundTripsAsync()
        {
            // The fewer of two runs: a retried request on a loaded machine is counted too (a per-retry policy),
            // and says nothing of what the timer reads.
            var runs = new List<long>();
            for (var i = 0; i < 2; i++)
            {
                var before = counter.Snapshot();
                var run = await followUps.SendDueRemindersAsync(CancellationToken.None);
                Assert.Equal(0, run.Considered);
                // The runner's queue listeners poll meanwhile (".../messages"): only table round trips are the timer's.
                runs.Add(RoundTripCounter.Difference(before, counter.Snapshot()).Where(kv => !kv.Key.EndsWith("/messages", StringComparison.Ordinal)).Sum(kv => kv.Value));
            }

            return runs.Min();
        }

        await AddSchoolAsync("sch-small", 10);
        var small = await TimerRoundTripsAsync();
        for (var s = 0; s < 10; s++)
        {
            await AddSchoolAsync($"sch-large-{s}", 1000);
        }

        var large = await TimerRoundTripsAsync();

        Assert.Equal(small, large);
        Assert.Equal(1, large);
        Assert.Equal(1000, (await runner.Services.GetRequiredService<BookingStore>().ListAsync("sch-large-9", "bk-1", CancellationToken.None)).Count);
    }
}
