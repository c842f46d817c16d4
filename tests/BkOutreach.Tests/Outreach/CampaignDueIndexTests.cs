using Azure.Core;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.LoadDriver;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace BkOutreach.Tests.Outreach;

/// <summary>Issue 19 item 4: the dispatcher reads the index of what is due, never every school's campaigns.</summary>
public sealed class CampaignDueIndexTests
{
    private const string Genap = "2026/2027 Genap";
    private static readonly DateTimeZone Wib = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];

    // Monday 2027-01-11 09:00 WIB: sending window open, every wave below weeks ahead.
    private static readonly DateTimeOffset Start = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private static readonly SchoolSettings School = new()
    {
        Name = "MA Uji Indeks",
        TimeZone = "Asia/Jakarta",
        SendingWindow = new TimeWindow("08:00", "20:00"),
        Terms = [new Term(Genap, "2027-01-04", "2027-06-19")],
    };

    private static CampaignDefinition Campaign(string sendOn) => new()
    {
        Name = "Kenali guru BK",
        Term = Genap,
        Waves = [new CampaignWave("outreach", sendOn), new CampaignWave("follow_up", AfterDays: 7)],
        BookingWindow = new DateWindow(sendOn, "2027-03-31"),
    };

    [Fact]
    public async Task IdleTick_CostsOneRoundTrip_WithOneSchoolAndWithTwoHundred_AndTheDueWavesStillGo()
    {
        var counter = new RoundTripCounter();
        await using var app = await PlanHarness.StartAsync(Start, configure: s => s.AddSingleton(new StoragePipelinePolicy(counter, HttpPipelinePosition.PerRetry)));
        var store = app.Get<CampaignStore>();
        var first = await app.CreateSchoolAsync(School, 3);
        var campaign = await store.CreateAsync(first, Campaign("2027-01-20"), CancellationToken.None);

        async Task<long> IdleTickAsync()
        {
            var before = counter.Snapshot();
            var dispatched = await app.Get<CampaignDispatcher>().DispatchDueAsync(CancellationToken.None);
            Assert.Empty(dispatched);
            return RoundTripCounter.Difference(before, counter.Snapshot()).Sum(kv => kv.Value);
        }

        // The first tick fills the index and visits the school; from then on nothing is due for nine days.
        Assert.Empty(await app.TickAsync());
        var one = await IdleTickAsync();

        // 199 more schools, each with a campaign of its own and a plan whose only term starts in July (its
        // campaign is made from 2027-06-28).
        var plan = new CampaignPlanDefinition { Name = "Kenali guru BK", Waves = [new PlanWave("outreach", TermDay: 7)] };
        var later = School with { Terms = [new Term("2027/2028 Ganjil", "2027-07-12", "2027-12-18")] };
        for (var s = 0; s < 199; s++)
        {
            var schoolId = await app.CreateSchoolAsync(later, 0);
            await store.CreateAsync(schoolId, Campaign("2027-02-10"), CancellationToken.None);
            await app.Get<CampaignPlanStore>().PutAsync(new CampaignPlan("kenali", schoolId, plan), CancellationToken.None);
        }

        Assert.Empty(await app.TickAsync());
        var twoHundred = await IdleTickAsync();
        Assert.Equal(one, twoHundred);
        Assert.Equal(1, twoHundred);

        // Its day, after the window closed (21:00 WIB): nothing yet; the next morning's first tick sends it.
        app.Time.Advance(new DateTimeOffset(2027, 1, 20, 14, 0, 0, TimeSpan.Zero) - app.Time.GetUtcNow());
        Assert.Empty(await app.TickAsync());
        Assert.Empty(app.Sms.Sent);
        app.Time.Advance(TimeSpan.FromHours(11) + TimeSpan.FromMinutes(5));
        var went = await app.TickAsync();
        var wave = Assert.Single(went);
        Assert.Equal((campaign.Id, 0, 3), (wave.CampaignId, wave.Wave, wave.Recipients));
        Assert.Equal(3, app.Sms.Sent.Count);
        Assert.Equal(new LocalDate(2027, 1, 21), Instant.FromDateTimeOffset(app.Sms.Sent.First().At).InZone(Wib).Date);
        Assert.Equal(1, await IdleTickAsync());

        // The follow-up ("afterDays": 7 from the wave's day, 2027-01-27) goes on its day, once.
        app.Time.Advance(new DateTimeOffset(2027, 1, 27, 1, 5, 0, TimeSpan.Zero) - app.Time.GetUtcNow());
        var followUp = Assert.Single(await app.TickAsync());
        Assert.Equal((campaign.Id, 1), (followUp.CampaignId, followUp.Wave));
        Assert.Equal(6, app.Sms.Sent.Count);
    }

    [Fact]
    public async Task AWaveDueOnABlackoutAddedLater_WaitsForTheNextDayThatIsNotOne()
    {
        await using var app = await PlanHarness.StartAsync(Start);
        var schoolId = await app.CreateSchoolAsync(School, 2);
        var campaign = await app.Get<CampaignStore>().CreateAsync(schoolId, Campaign("2027-01-20"), CancellationToken.None);
        Assert.Empty(await app.TickAsync());

        // The 20th and 21st become holidays after the campaign was made.
        await app.Get<SchoolDirectory>().PutSchoolAsync(schoolId, School with { Blackouts = [new Blackout("2027-01-20", "2027-01-21", "Cuti bersama")] }, CancellationToken.None);
        app.Time.Advance(new DateTimeOffset(2027, 1, 20, 1, 5, 0, TimeSpan.Zero) - app.Time.GetUtcNow());
        Assert.Empty(await app.TickAsync());
        app.Time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await app.TickAsync());
        Assert.Empty(app.Sms.Sent);

        app.Time.Advance(TimeSpan.FromDays(1));
        var went = Assert.Single(await app.TickAsync());
        Assert.Equal((campaign.Id, 0, 2), (went.CampaignId, went.Wave, went.Recipients));
        Assert.Equal(new LocalDate(2027, 1, 22), Instant.FromDateTimeOffset(app.Sms.Sent.First().At).InZone(Wib).Date);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TermAddedLater_GetsItsPlanCampaignLeadDaysBeforeItStarts_WithoutAnyOtherWrite(bool fromThePage)
    {
        await using var app = await PlanHarness.StartAsync(Start);
        var schoolId = await app.CreateSchoolAsync(School, 2);
        var plan = new CampaignPlanDefinition { Name = "Kenali guru BK", Waves = [new PlanWave("outreach", TermDay: 7)] };
        Assert.True((await app.Get<CampaignPlans>().PutAsync(schoolId, "kenali", plan, CancellationToken.None)).Succeeded);
        await app.TickAsync();
        await app.TickAsync();

        // The next school year's term is added through the school document only: by the JSON route, or by the
        // terms page (which saves the version it read).
        var withNext = School with { Terms = [.. School.Terms, new Term("2027/2028 Ganjil", "2027-07-12", "2027-12-18")] };
        var directory = app.Get<SchoolDirectory>();
        if (fromThePage)
        {
            var read = await directory.GetSchoolVersionedAsync(schoolId, CancellationToken.None);
            await directory.PutSchoolAsync(schoolId, withNext, read!.Version, CancellationToken.None);
        }
        else
        {
            await directory.PutSchoolAsync(schoolId, withNext, CancellationToken.None);
        }

        await app.TickAsync();
        var nextId = CampaignPlanResolver.CampaignId("kenali", "2027/2028 Ganjil");
        Assert.Null(await app.Get<CampaignStore>().GetAsync(schoolId, nextId, CancellationToken.None));

        // One tick just before 2027-06-28 00:00 WIB (14 days ahead): not yet; one just after: made.
        app.Time.Advance(new DateTimeOffset(2027, 6, 27, 16, 55, 0, TimeSpan.Zero) - app.Time.GetUtcNow());
        await app.TickAsync();
        Assert.Null(await app.Get<CampaignStore>().GetAsync(schoolId, nextId, CancellationToken.None));
        app.Time.Advance(TimeSpan.FromMinutes(10));
        await app.TickAsync();
        Assert.NotNull(await app.Get<CampaignStore>().GetAsync(schoolId, nextId, CancellationToken.None));

        // Its wave (term day 7 = 2027-07-18, a Sunday) goes that morning to both families.
        app.Time.Advance(new DateTimeOffset(2027, 7, 18, 1, 5, 0, TimeSpan.Zero) - app.Time.GetUtcNow());
        var went = Assert.Single(await app.TickAsync());
        Assert.Equal((nextId, 0, 2), (went.CampaignId, went.Wave, went.Recipients));
    }
}
