using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Tests.Outreach;

/// <summary>Issue 16 on real storage (own Azurite) and a fake clock: plans become each term's campaign by themselves.</summary>
public sealed class CampaignPlanYearTests
{
    private const string Ganjil = "2026/2027 Ganjil";
    private const string Genap = "2026/2027 Genap";
    private static readonly DateTimeZone Wib = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];

    // Term day 7 is a Sunday in both terms (2026-07-19, 2027-01-10): the first wave falls on a weekend. The
    // blackout week holds the Ganjil follow-up's day (2026-07-26), which moves to Saturday 2026-08-01.
    private static readonly SchoolSettings School = new()
    {
        Name = "MA Uji Setahun",
        TimeZone = "Asia/Jakarta",
        SendingWindow = new TimeWindow("08:00", "20:00"),
        Terms = [new Term(Ganjil, "2026-07-13", "2026-12-19"), new Term(Genap, "2027-01-04", "2027-06-19")],
        Blackouts = [new Blackout("2026-07-25", "2026-07-31", "Pekan kegiatan"), new Blackout("2027-03-08", "2027-03-12", "Idul Fitri")],
    };

    private static CampaignPlanDefinition Plan(int followUpAfter = 7) => new()
    {
        Name = "Kenali guru BK",
        Waves = [new PlanWave("outreach", TermDay: 7), new PlanWave("follow_up", AfterDays: followUpAfter), new PlanWave("survey_barrier", DaysBeforeTermEnd: 21)],
        BookingWindow = new PlanBookingWindow(FromTermDay: 7, ToDaysBeforeTermEnd: 14),
    };

    [Fact]
    public async Task WholeSchoolYear_EachTermGetsItsCampaignOnce_EachGuardianEachWaveOnce_NothingInQuietHoursOrBlackouts()
    {
        const int families = 6;
        await using var app = await PlanHarness.StartAsync(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero));
        var schoolId = await app.CreateSchoolAsync(School, families);
        var put = await app.Get<CampaignPlans>().PutAsync(schoolId, "kenali", Plan(), CancellationToken.None);
        Assert.True(put.Succeeded, string.Join("; ", put.Problems));
        var store = app.Get<CampaignStore>();
        var genapId = CampaignPlanResolver.CampaignId("kenali", Genap);

        // A timer tick every 4 h 10 min for a year: the ticks walk through every hour of the day, quiet
        // hours and Friday prayer included. The plan was put once; nothing else is asked of the app.
        DateTimeOffset? genapAppeared = null;
        var end = new DateTimeOffset(2027, 6, 25, 0, 0, 0, TimeSpan.Zero);
        while (app.Time.GetUtcNow() < end)
        {
            await app.TickAsync();
            if (genapAppeared is null && await store.GetAsync(schoolId, genapId, CancellationToken.None) is not null)
            {
                genapAppeared = app.Time.GetUtcNow();
            }

            app.Time.Advance(TimeSpan.FromMinutes(250));
        }

        var campaigns = (await store.ListAsync(schoolId, CancellationToken.None)).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        Assert.Equal([CampaignPlanResolver.CampaignId("kenali", Ganjil), genapId], campaigns.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.All(campaigns, c => Assert.Equal("kenali", c.PlanId));
        Assert.Equal("kenali-2026-2027-genap", genapId);

        // The second term's campaign came by itself, two weeks before its term.
        Assert.NotNull(genapAppeared);
        Assert.InRange(Local(genapAppeared!.Value).Date, new LocalDate(2026, 12, 21), new LocalDate(2026, 12, 22));

        var sent = app.Sms.Sent.ToList();
        Assert.Equal(families * 3 * 2, sent.Count);
        Assert.Equal(sent.Count, sent.Select(m => m.Key).Distinct(StringComparer.Ordinal).Count());
        Assert.All(sent, m =>
        {
            Assert.True(SendingWindow.IsOpen(School, Instant.FromDateTimeOffset(m.At)), $"sent in quiet hours: {Local(m.At)}");
            Assert.False(CampaignPlanResolver.IsBlackout(School, Local(m.At).Date), $"sent on a blackout day: {Local(m.At)}");
        });

        // Each wave went on its day (weekend first wave on that Sunday; the blacked-out follow-up a week later).
        var days = sent.GroupBy(m => WaveOf(m.Key)).ToDictionary(g => g.Key, g => g.Select(m => Local(m.At).Date).Distinct().Single());
        Assert.Equal(new LocalDate(2026, 7, 19), days[($"kenali-2026-2027-ganjil", 0)]);
        Assert.Equal(new LocalDate(2026, 8, 1), days[($"kenali-2026-2027-ganjil", 1)]);
        Assert.Equal(new LocalDate(2026, 11, 28), days[($"kenali-2026-2027-ganjil", 2)]);
        Assert.Equal(new LocalDate(2027, 1, 10), days[(genapId, 0)]);
        Assert.Equal(new LocalDate(2027, 1, 17), days[(genapId, 1)]);
        Assert.Equal(new LocalDate(2027, 5, 29), days[(genapId, 2)]);

        var listing = (await app.Get<CampaignDispatcher>().ListCampaignsAsync(schoolId, CancellationToken.None)).Value!;
        Assert.All(listing.SelectMany(c => c.Waves), w => Assert.Equal(("dispatched", families, false), (w.State, w.Sent, w.Late)));
    }

    [Fact]
    public async Task TwoDispatchersRacingOnTheSamePlanAndTerm_MakeOneCampaign()
    {
        var start = new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero); // Monday 09:00 WIB, day 8 of Genap
        await using var first = await PlanHarness.StartAsync(start);
        await using var second = await PlanHarness.StartAsync(start, first.ConnectionString);
        var schoolId = await first.CreateSchoolAsync(School, 3);
        await first.Get<CampaignPlanStore>().PutAsync(new CampaignPlan("kenali", schoolId, Plan()), CancellationToken.None);

        // Two app instances, each calling the dispatcher's plan work four times at once, plus both timers.
        var now = Instant.FromDateTimeOffset(start);
        var made = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            (i % 2 == 0 ? first : second).Get<CampaignPlans>().MaterializeAsync(schoolId, School, now, CancellationToken.None))));
        await Task.WhenAll(first.Get<CampaignDispatcher>().DispatchDueAsync(CancellationToken.None), second.Get<CampaignDispatcher>().DispatchDueAsync(CancellationToken.None));

        var campaigns = await first.Get<CampaignStore>().ListAsync(schoolId, CancellationToken.None);
        var campaign = Assert.Single(campaigns);
        Assert.Equal("kenali-2026-2027-genap", campaign.Id);
        Assert.Equal(["kenali-2026-2027-genap"], made.SelectMany(m => m));

        // Made late (day 7 was yesterday): its first wave goes today, marked late.
        Assert.Equal([0], campaign.LateWaves);
        Assert.Equal("2027-01-11", campaign.Definition.Waves[0].SendOn);
    }

    [Fact]
    public async Task PlanEditedAfterItsFirstWaveWentOut_MovesTheFollowUp_AndSendsNothingTwice()
    {
        const int families = 4;
        await using var app = await PlanHarness.StartAsync(new DateTimeOffset(2027, 1, 1, 2, 0, 0, TimeSpan.Zero));
        var schoolId = await app.CreateSchoolAsync(School, families);
        var plans = app.Get<CampaignPlans>();
        Assert.True((await plans.PutAsync(schoolId, "kenali", Plan(), CancellationToken.None)).Succeeded);
        await RunUntilAsync(app, new DateTimeOffset(2027, 1, 10, 5, 0, 0, TimeSpan.Zero)); // Sunday 12:00 WIB
        Assert.Equal(families, app.Sms.Sent.Count);

        // The edit moves the outreach day too: a wave that went out stays as it went.
        var edited = Plan(followUpAfter: 10) with { Waves = [new PlanWave("outreach", TermDay: 9), new PlanWave("follow_up", AfterDays: 10), new PlanWave("survey_barrier", DaysBeforeTermEnd: 21)] };
        Assert.True((await plans.PutAsync(schoolId, "kenali", edited, CancellationToken.None)).Succeeded);
        var waves = (await app.Get<CampaignDispatcher>().ListCampaignsAsync(schoolId, CancellationToken.None)).Value!.Single().Waves;
        Assert.Equal(("2027-01-10", "dispatched", families), (waves[0].Date, waves[0].State, waves[0].Sent));
        Assert.Equal(("2027-01-20", "pending", 0), (waves[1].Date, waves[1].State, waves[1].Sent));

        await RunUntilAsync(app, new DateTimeOffset(2027, 1, 25, 0, 0, 0, TimeSpan.Zero));
        var sent = app.Sms.Sent.ToList();
        Assert.Equal(families * 2, sent.Count);
        Assert.Equal(sent.Count, sent.Select(m => m.Key).Distinct(StringComparer.Ordinal).Count());
        Assert.All(sent.Where(m => WaveOf(m.Key).Wave == 1), m => Assert.Equal(new LocalDate(2027, 1, 20), Local(m.At).Date));
        Assert.All(sent.Where(m => WaveOf(m.Key).Wave == 0), m => Assert.Equal(new LocalDate(2027, 1, 10), Local(m.At).Date));
    }

    [Fact]
    public async Task DisablingAPlan_StopsItsFutureWaves_AndDeletingKeepsItsCampaign()
    {
        await using var app = await PlanHarness.StartAsync(new DateTimeOffset(2027, 1, 10, 3, 0, 0, TimeSpan.Zero)); // Sunday 10:00 WIB
        var schoolId = await app.CreateSchoolAsync(School, 2);
        var plans = app.Get<CampaignPlans>();
        Assert.True((await plans.PutAsync(schoolId, "kenali", Plan(), CancellationToken.None)).Succeeded);
        await app.TickAsync();
        Assert.Equal(2, app.Sms.Sent.Count);

        Assert.True((await plans.PutAsync(schoolId, "kenali", Plan() with { Enabled = false }, CancellationToken.None)).Succeeded);
        await RunUntilAsync(app, new DateTimeOffset(2027, 1, 20, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(2, app.Sms.Sent.Count);
        var waves = (await app.Get<CampaignDispatcher>().ListCampaignsAsync(schoolId, CancellationToken.None)).Value!.Single().Waves;
        Assert.Equal(["dispatched", "skipped", "skipped"], waves.Select(w => w.State));

        Assert.True((await plans.DeleteAsync(schoolId, "kenali", CancellationToken.None)).Succeeded);
        var kept = Assert.Single(await app.Get<CampaignStore>().ListAsync(schoolId, CancellationToken.None));
        Assert.Equal(("kenali-2026-2027-genap", "kenali"), (kept.Id, kept.PlanId));
        Assert.Empty((await plans.ListAsync(schoolId, CancellationToken.None)).Value!);
        Assert.True((await plans.DeleteAsync(schoolId, "kenali", CancellationToken.None)).NotFound);
    }

    [Fact]
    public async Task TwoSchoolsWithTheSamePlanId_EachGetTheirWaves_AndTheirOwnCounts()
    {
        await using var app = await PlanHarness.StartAsync(new DateTimeOffset(2027, 1, 10, 3, 0, 0, TimeSpan.Zero)); // Sunday 10:00 WIB
        var a = await app.CreateSchoolAsync(School, 2);
        var b = await app.CreateSchoolAsync(School, 3);
        foreach (var school in new[] { a, b })
        {
            Assert.True((await app.Get<CampaignPlans>().PutAsync(school, "kenali", Plan(), CancellationToken.None)).Succeeded);
        }

        await app.TickAsync();

        Assert.Equal(5, app.Sms.Sent.Count);
        Assert.Equal(5, app.Sms.Sent.Select(m => m.To).Distinct(StringComparer.Ordinal).Count());
        var dispatcher = app.Get<CampaignDispatcher>();
        Assert.Equal(("kenali-2026-2027-genap", "dispatched", 2), Wave0((await dispatcher.ListCampaignsAsync(a, CancellationToken.None)).Value!));
        Assert.Equal(("kenali-2026-2027-genap", "dispatched", 3), Wave0((await dispatcher.ListCampaignsAsync(b, CancellationToken.None)).Value!));

        static (string, string, int) Wave0(IReadOnlyList<CampaignListing> list) => (list.Single().Id, list.Single().Waves[0].State, list.Single().Waves[0].Sent);
    }

    [Fact]
    public async Task ATermRenamedBeforeItsWaves_GetsOneCampaignUnderItsNewName_AndTheOldOneSendsNothing()
    {
        await using var app = await PlanHarness.StartAsync(new DateTimeOffset(2027, 1, 1, 2, 0, 0, TimeSpan.Zero));
        var schoolId = await app.CreateSchoolAsync(School, 2);
        Assert.True((await app.Get<CampaignPlans>().PutAsync(schoolId, "kenali", Plan(), CancellationToken.None)).Succeeded);
        await app.TickAsync();

        var renamed = School with { Terms = [School.Terms[0], School.Terms[1] with { Name = "Semester Genap 2027" }] };
        await app.Get<SchoolDirectory>().PutSchoolAsync(schoolId, renamed, CancellationToken.None);
        await RunUntilAsync(app, new DateTimeOffset(2027, 1, 10, 6, 0, 0, TimeSpan.Zero));

        var listing = (await app.Get<CampaignDispatcher>().ListCampaignsAsync(schoolId, CancellationToken.None)).Value!;
        Assert.Equal(["dispatched", "pending", "pending"], listing.Single(c => c.Id == "kenali-semester-genap-2027").Waves.Select(w => w.State));
        Assert.All(listing.Single(c => c.Id == "kenali-2026-2027-genap").Waves, w => Assert.Equal("skipped", w.State));
        Assert.Equal(2, app.Sms.Sent.Count);
    }

    private static async Task RunUntilAsync(PlanHarness app, DateTimeOffset until)
    {
        while (app.Time.GetUtcNow() < until)
        {
            await app.TickAsync();
            app.Time.Advance(TimeSpan.FromMinutes(50));
        }
    }

    private static LocalDateTime Local(DateTimeOffset at) => Instant.FromDateTimeOffset(at).InZone(Wib).LocalDateTime;

    private static (string Campaign, int Wave) WaveOf(string key) =>
        SendLog.TryParseKey(key, out _, out var campaign, out var wave, out _) ? (campaign, wave) : throw new InvalidOperationException(key);
}
