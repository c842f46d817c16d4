using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.Outreach;

/// <summary>
/// What one delivery report of a campaign message costs in storage round trips, by table: it is the largest
/// per-second term at a wave's peak (docs/scaling.md), one report per message sent. The campaign is read as a
/// parent's link reads it (recently read is good enough: it only labels the fact); the guardian is read afresh
/// (an erased guardian gets no fact).
/// </summary>
public sealed class DeliveryReportRoundTripTests
{
    // Monday 2027-01-11 09:00 WIB: inside the sending window, the wave is due.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private const string Expected =
        "GET acsevents 1, GET dashboardrollups 1, GET guardians 1, GET sends 1, POST $batch 1, POST acsevents 1, POST participation 1, PUT sends 1";

    [Fact]
    public async Task ADeliveryReport_AfterAnotherOfTheSameCampaign_TakesEightRoundTrips_AndRecordsTheFactOnce()
    {
        var counter = new FlowRoundTrips();
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings
        {
            Clock = Clock,
            ConfigureServices = s => s.AddSingleton(new StoragePipelinePolicy(counter, HttpPipelinePosition.PerRetry)),
        });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        var keys = (await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count >= 2))
            .Select(m => m.GetProperty("idempotencyKey").GetString()!)
            .Where(k => SendLog.TryParseKey(k, out _, out _, out _, out _))
            .ToList();
        var handle = runner.Services.GetRequiredService<HandleAcsEvents>();

        async Task<AcsEventsOutcome> ReportAsync(string key)
        {
            var json = JsonSerializer.Serialize(new[]
            {
                new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSDeliveryReportReceived", data = new { messageId = "m-" + key.GetHashCode(StringComparison.Ordinal), from = "+18005550100", to = "6281271234501", deliveryStatus = "Delivered", tag = key } },
            });
            counter.Counted.Clear();
            FlowRoundTrips.Counting.Value = true;
            try
            {
                return await handle.ExecuteAsync(AcsEvents.Parse(json), CancellationToken.None);
            }
            finally
            {
                FlowRoundTrips.Counting.Value = false;
            }
        }

        Assert.Equal(1, (await ReportAsync(keys[0])).Processed);
        var second = await ReportAsync(keys[1]);

        Assert.Equal(1, second.Processed);
        Assert.Equal(Expected, string.Join(", ", counter.Counted.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.True(SendLog.TryParseKey(keys[1], out var school, out var c, out var w, out var guardian));
        Assert.Equal(SendState.Delivered, (await runner.Services.GetRequiredService<SendLog>().GetAsync(school, c, w, guardian, CancellationToken.None))!.State);
        var facts = await runner.Services.GetRequiredService<BkOutreach.Core.Participation.ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None);
        Assert.Single(facts, f => f.Event.GuardianId == guardian && f.Event.Kind == BkOutreach.Core.Participation.ParticipationKind.SmsDelivered);
    }
}
