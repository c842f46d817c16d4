using BkOutreach.Core.Outreach;
using BkOutreach.Core.WhatsApp;
using BkOutreach.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace BkOutreach.Tests.WhatsApp;

/// <summary>
/// A queue retry of a message whose first WhatsApp attempt got a 5xx races the fallback timer. Whatever the
/// order, the parent gets one message: a retry near or past the deadline goes by SMS without calling
/// WhatsApp, and a retry's WhatsApp call in flight keeps the timer off the record.
/// </summary>
public sealed class RetryFallbackRaceTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task RetryNearTheDeadline_ClaimsTheSms_AndNeverCallsWhatsApp()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (schoolId, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        var key = SendLog.KeyOf(schoolId, campaign.Id, 0, guardians[0].Id);
        var store = app.GetRequiredService<WhatsAppDeliveryStore>();
        harness.WhatsApp.FaultFor = _ => WhatsAppFault.Unavailable;

        await Assert.ThrowsAsync<TransientSendException>(() => WhatsAppHarness.SendAsync(app, campaign, guardians));
        var pending = await store.GetAsync(key, CancellationToken.None);
        Assert.Equal(DeliveryState.WhatsAppPending, pending!.State);
        Assert.Null(pending.AttemptUntil);
        Assert.Empty(harness.WhatsApp.Deliveries);

        // WhatsApp is back, but the queue's retry comes one minute before the fallback deadline.
        harness.WhatsApp.FaultFor = _ => WhatsAppFault.None;
        var requestsBefore = harness.WhatsApp.Statuses.Count;
        harness.Clock.Advance(TimeSpan.FromMinutes(239));
        var retry = await WhatsAppHarness.SendAsync(app, campaign, guardians);
        harness.Clock.Advance(TimeSpan.FromMinutes(5));
        var sweep = await WhatsAppHarness.SweepAsync(app);

        Assert.Equal(1, retry.Sent);
        Assert.Equal(requestsBefore, harness.WhatsApp.Statuses.Count);
        Assert.Empty(harness.WhatsApp.Deliveries);
        var sms = Assert.Single(harness.Sms.Attempts);
        Assert.Equal((guardians[0].Phone, key), (sms.To, sms.IdempotencyKey));
        Assert.Equal(0, sweep.SmsSent);
        Assert.Equal(DeliveryState.SmsSent, (await store.GetAsync(key, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task SweepWhileARetrysWhatsAppCallIsInFlight_LeavesIt_AndTheParentGetsOneMessage()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var timer = await harness.StartInstanceAsync();
        var (schoolId, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        var phone = guardians[0].Phone;
        var key = SendLog.KeyOf(schoolId, campaign.Id, 0, guardians[0].Id);
        harness.WhatsApp.FaultFor = _ => WhatsAppFault.Unavailable;
        await Assert.ThrowsAsync<TransientSendException>(() => WhatsAppHarness.SendAsync(app, campaign, guardians));

        // The retry comes three minutes before the deadline and its request hangs in WhatsApp.
        harness.WhatsApp.FaultFor = _ => WhatsAppFault.None;
        harness.Clock.Advance(TimeSpan.FromMinutes(237));
        var held = harness.WhatsApp.Hold(phone);
        var retry = WhatsAppHarness.SendAsync(app, campaign, guardians);
        await held.Arrived.WaitAsync(Generous);
        var claimed = await timer.GetRequiredService<WhatsAppDeliveryStore>().GetAsync(key, CancellationToken.None);
        Assert.True(claimed!.AttemptUntil > claimed.DueAt, "the retry's call is claimed on the record before it is made");

        // Meanwhile the deadline passes and the fallback timer runs on another instance.
        harness.Clock.Advance(TimeSpan.FromMinutes(4));
        var during = await WhatsAppHarness.SweepAsync(timer);
        Assert.Equal(1, during.Due);
        Assert.Equal(0, during.SmsSent);
        Assert.Empty(harness.Sms.Attempts);

        held.Release();
        Assert.Equal(1, (await retry.WaitAsync(Generous)).Sent);
        var message = Assert.Single(harness.WhatsApp.Deliveries);
        await WhatsAppHarness.PostEventsAsync(timer, harness.WhatsApp.StatusEvent(message, "delivered"));

        // The timer looks again when the claim has run out: delivered, so nothing more.
        harness.Clock.Advance(TimeSpan.FromMinutes(3));
        var after = await WhatsAppHarness.SweepAsync(timer);
        Assert.Equal(1, after.Due);
        Assert.Equal(0, after.SmsSent);
        Assert.Empty(harness.Sms.Attempts);
        Assert.Equal(phone, message.To);
        Assert.Equal(DeliveryState.Delivered, (await timer.GetRequiredService<WhatsAppDeliveryStore>().GetAsync(key, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task InFlightRetryNotDelivered_FallsBackOnce_WhenItsClaimRunsOut()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (schoolId, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        harness.WhatsApp.FaultFor = _ => WhatsAppFault.Unavailable;
        await Assert.ThrowsAsync<TransientSendException>(() => WhatsAppHarness.SendAsync(app, campaign, guardians));
        harness.WhatsApp.FaultFor = _ => WhatsAppFault.None;
        harness.Clock.Advance(TimeSpan.FromMinutes(237));
        var held = harness.WhatsApp.Hold(guardians[0].Phone);
        var retry = WhatsAppHarness.SendAsync(app, campaign, guardians);
        await held.Arrived.WaitAsync(Generous);
        harness.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, (await WhatsAppHarness.SweepAsync(app)).SmsSent);
        held.Release();
        await retry.WaitAsync(Generous);

        // WhatsApp took it but never reports delivery: past the claim the timer falls back, once.
        harness.Clock.Advance(TimeSpan.FromMinutes(3));
        var sweep = await WhatsAppHarness.SweepAsync(app);
        harness.Clock.Advance(TimeSpan.FromMinutes(5));
        await WhatsAppHarness.SweepAsync(app);

        Assert.Equal(1, sweep.SmsSent);
        Assert.Single(harness.WhatsApp.Deliveries);
        Assert.Equal(SendLog.KeyOf(schoolId, campaign.Id, 0, guardians[0].Id), Assert.Single(harness.Sms.Attempts).IdempotencyKey);
    }
}
