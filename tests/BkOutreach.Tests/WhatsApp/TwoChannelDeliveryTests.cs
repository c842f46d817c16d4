using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.WhatsApp;
using BkOutreach.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace BkOutreach.Tests.WhatsApp;

public sealed class TwoChannelDeliveryTests
{
    private static readonly TimeSpan PastFallback = TimeSpan.FromMinutes(241);

    [Fact]
    public async Task Campaign_50Guardians_20PercentWhatsAppFailing_EachGetsExactlyOneMessage_AcrossInstances()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var first = await harness.StartInstanceAsync();
        var (schoolId, campaign, guardians) = await WhatsAppHarness.SeedAsync(first, 50);

        // 10 of 50 WhatsApp sends fail in the four ways WhatsApp fails; 3 more are throttled once and recover.
        var refused = guardians.Take(3).Select(g => g.Phone).ToHashSet();
        var failedEvent = guardians.Skip(3).Take(3).Select(g => g.Phone).ToHashSet();
        var silent = guardians.Skip(6).Take(2).Select(g => g.Phone).ToHashSet();
        // (In the half one instance sends alone: a second instance's first request is no early retry.)
        var throttled = guardians.Skip(8).Take(4).Select(g => g.Phone).ToHashSet();
        harness.WhatsApp.FaultFor = to => refused.Contains(to) ? WhatsAppFault.Refuse : throttled.Contains(to) ? WhatsAppFault.ThrottleOnce : WhatsAppFault.None;

        // First half on one instance, which then goes away.
        var firstHalf = await WhatsAppHarness.SendAsync(first, campaign, guardians.Take(25));
        Assert.Equal(25, firstHalf.Sent);
        await harness.StopInstanceAsync(first);

        // The queue redelivers the first half and delivers the second half to two new instances at once.
        var second = await harness.StartInstanceAsync();
        var third = await harness.StartInstanceAsync();
        var again = await WhatsAppHarness.SendAsync(second, campaign, guardians.Take(25));
        Assert.Equal(25, again.AlreadySent);
        await Task.WhenAll(
            WhatsAppHarness.SendAsync(second, campaign, guardians.Skip(25)),
            WhatsAppHarness.SendAsync(third, campaign, guardians.Skip(25)));

        // WhatsApp reports: delivered for most, failed (twice) for some, nothing at all for the silent ones.
        foreach (var message in harness.WhatsApp.Deliveries)
        {
            if (failedEvent.Contains(message.To))
            {
                var json = harness.WhatsApp.StatusEvent(message, "failed");
                await WhatsAppHarness.PostEventsAsync(second, json);
                await WhatsAppHarness.PostEventsAsync(third, harness.WhatsApp.StatusEvent(message, "failed"));
            }
            else if (!silent.Contains(message.To))
            {
                await WhatsAppHarness.PostEventsAsync(third, harness.WhatsApp.StatusEvent(message, "delivered"));
            }
        }

        // Past the fallback deadline, the timer runs on one instance, a restarted one runs it again.
        harness.Clock.Advance(PastFallback);
        var sweep = await WhatsAppHarness.SweepAsync(second);
        Assert.Equal(silent.Count, sweep.SmsSent);
        await harness.StopInstanceAsync(second);
        var fourth = await harness.StartInstanceAsync();
        Assert.Equal(0, (await WhatsAppHarness.SweepAsync(fourth)).SmsSent);

        var whatsAppTo = harness.WhatsApp.Deliveries.GroupBy(d => d.To).ToDictionary(g => g.Key, g => g.Count());
        var smsTo = harness.Sms.Delivered.GroupBy(d => d.To).ToDictionary(g => g.Key, g => g.Count());
        var needSms = refused.Concat(failedEvent).Concat(silent).ToHashSet();
        var wrong = guardians.Select(g => g.Phone)
            .Where(phone => smsTo.GetValueOrDefault(phone) != (needSms.Contains(phone) ? 1 : 0) || whatsAppTo.GetValueOrDefault(phone) != (refused.Contains(phone) ? 0 : 1))
            .Select(phone => $"{phone}: sms {string.Join(" | ", harness.Sms.Delivered.Where(d => d.To == phone).Select(d => d.IdempotencyKey + " " + d.Body[..20]))}, whatsapp {whatsAppTo.GetValueOrDefault(phone)}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));

        Assert.Equal(needSms.Count, harness.Sms.Delivered.Count);
        Assert.All(harness.Sms.Delivered, sms => Assert.Contains("https://bk.example.sch.id/api/b/", sms.Body, StringComparison.Ordinal));

        // 429s were answered and recovered; concurrent instances got repeats, not second messages. (Whether a
        // retry waited for its Retry-After is a timing question, left out of this test: two instances sending the
        // same batch at once on a loaded machine make it depend on the scheduler, not on the client.)
        Assert.Contains(429, harness.WhatsApp.Statuses);
        Assert.True(harness.WhatsApp.Repeats > 0, "the two instances sending the same batch should have met the repeatability store");

        var facts = await fourth.GetRequiredService<ParticipationLog>().ListAsync(schoolId, CancellationToken.None);
        Assert.Equal(needSms.Count, facts.Count(f => f.Event.Kind == ParticipationKind.SmsSent && f.Event.Value == WhatsAppFacts.FallbackValue));
        Assert.Equal(50 - refused.Count, facts.Count(f => f.Event.Kind == ParticipationKind.WhatsAppSent));
        Assert.Equal(50 - needSms.Count, facts.Count(f => f.Event.Kind == ParticipationKind.WhatsAppDelivered));
        Assert.Equal(refused.Count + failedEvent.Count, facts.Count(f => f.Event.Kind == ParticipationKind.WhatsAppFailed));
        Assert.All(facts.Where(f => f.Event.Kind is ParticipationKind.WhatsAppSent or ParticipationKind.WhatsAppDelivered), f => Assert.Equal(ParticipationChannel.WhatsApp, f.Event.Channel));
    }

    [Fact]
    public async Task DeliveredAfterDeadline_BeforeTheTimerRan_CancelsTheSms()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (_, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        await WhatsAppHarness.SendAsync(app, campaign, guardians);
        var message = Assert.Single(harness.WhatsApp.Deliveries);

        harness.Clock.Advance(PastFallback);
        await WhatsAppHarness.PostEventsAsync(app, harness.WhatsApp.StatusEvent(message, "delivered"));
        var sweep = await WhatsAppHarness.SweepAsync(app);
        harness.Clock.Advance(TimeSpan.FromHours(1));
        await WhatsAppHarness.SweepAsync(app);

        Assert.Equal(1, sweep.Due);
        Assert.Equal(0, sweep.SmsSent);
        Assert.Empty(harness.Sms.Attempts);
        var record = await app.GetRequiredService<WhatsAppDeliveryStore>().GetAsync(BkOutreach.Core.Outreach.SendLog.KeyOf(campaign.SchoolId, campaign.Id, 0, guardians[0].Id), CancellationToken.None);
        Assert.Equal(DeliveryState.Delivered, record!.State);
    }

    [Fact]
    public async Task NotDeliveredByTheDeadline_TimerSendsOneSms_AndALateDeliveredChangesNothing()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (_, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        await WhatsAppHarness.SendAsync(app, campaign, guardians);
        var message = Assert.Single(harness.WhatsApp.Deliveries);

        harness.Clock.Advance(TimeSpan.FromMinutes(239));
        Assert.Equal(0, (await WhatsAppHarness.SweepAsync(app)).SmsSent);
        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, (await WhatsAppHarness.SweepAsync(app)).SmsSent);
        await WhatsAppHarness.PostEventsAsync(app, harness.WhatsApp.StatusEvent(message, "delivered"));
        await WhatsAppHarness.PostEventsAsync(app, harness.WhatsApp.StatusEvent(message, "failed"));
        harness.Clock.Advance(TimeSpan.FromMinutes(5));
        await WhatsAppHarness.SweepAsync(app);

        Assert.Single(harness.Sms.Attempts);
    }

    [Fact]
    public async Task FailedEventTwice_AndRedelivered_SendsOneSms()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (_, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 1);
        await WhatsAppHarness.SendAsync(app, campaign, guardians);
        var message = Assert.Single(harness.WhatsApp.Deliveries);
        var firstFailed = harness.WhatsApp.StatusEvent(message, "failed", eventId: "evt-1");

        await WhatsAppHarness.PostEventsAsync(app, firstFailed);
        await WhatsAppHarness.PostEventsAsync(app, harness.WhatsApp.StatusEvent(message, "failed", eventId: "evt-2"));
        var redelivered = await WhatsAppHarness.PostEventsAsync(app, firstFailed);
        harness.Clock.Advance(PastFallback);
        await WhatsAppHarness.SweepAsync(app);

        Assert.Equal(1, redelivered.Repeated);
        var sms = Assert.Single(harness.Sms.Attempts);
        Assert.Equal(guardians[0].Phone, sms.To);
        Assert.Equal(BkOutreach.Core.Outreach.SendLog.KeyOf(campaign.SchoolId, campaign.Id, 0, guardians[0].Id), sms.IdempotencyKey);
    }

    [Fact]
    public async Task OptedOutBeforeTheFallback_GetsNoSms()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (_, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 2);
        await WhatsAppHarness.SendAsync(app, campaign, guardians);
        await app.GetRequiredService<BkOutreach.Core.Outreach.OptOutStore>().OptOutAsync(guardians[0].Phone, CancellationToken.None);

        harness.Clock.Advance(PastFallback);
        var sweep = await WhatsAppHarness.SweepAsync(app);

        Assert.Equal(1, sweep.Cancelled);
        Assert.Equal(guardians[1].Phone, Assert.Single(harness.Sms.Delivered).To);
    }

    [Fact]
    public async Task GuardianWhoChoseSms_GetsSmsOnly_AndTemplateGoesWithValuesInOrderAndLinkButton()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync();
        var (schoolId, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 2);
        var directory = app.GetRequiredService<SchoolDirectory>();
        var (smsGuardian, _) = await directory.UpsertGuardianAsync(schoolId, "+6281399999999", "Wali SMS", "id", [new Student("S-sms", "Siswa SMS", "X IPA 1", "bk-1")], CancellationToken.None);
        await directory.ApplyRosterAsync(schoolId, [new GuardianWrite(smsGuardian with { Channel = MessageChannel.Sms }, (await directory.ReadRosterAsync(schoolId, CancellationToken.None)).Guardians[smsGuardian.Id], false)], CancellationToken.None);

        await WhatsAppHarness.SendAsync(app, campaign, [.. guardians, smsGuardian]);

        Assert.Equal(smsGuardian.Phone, Assert.Single(harness.Sms.Delivered).To);
        Assert.DoesNotContain(harness.WhatsApp.Deliveries, d => d.To == smsGuardian.Phone);
        var message = harness.WhatsApp.Deliveries.Single(d => d.To == guardians[0].Phone);
        Assert.Equal("bk_outreach_id", message.TemplateName);
        Assert.Equal("id", message.Language);

        // outreach.id.liquid: students, school_name, link, in that order.
        Assert.Equal(3, message.BodyValues.Count);
        Assert.Equal("Siswa 0", message.BodyValues[0]);
        Assert.Equal("MA Aisyiyah 1 Palembang", message.BodyValues[1]);
        Assert.StartsWith("https://bk.example.sch.id/api/b/", message.BodyValues[2], StringComparison.Ordinal);
        var button = Assert.Single(message.Buttons);
        Assert.Equal("url:" + message.BodyValues[2][(message.BodyValues[2].LastIndexOf('/') + 1)..], button);
    }

    [Fact]
    public async Task OlderApiVersion_SendsPlainBodyValuesWithoutButtons()
    {
        await using var harness = await WhatsAppHarness.StartAsync();
        var app = await harness.StartInstanceAsync(apiVersion: "2023-08-24-preview");
        var (_, campaign, guardians) = await WhatsAppHarness.SeedAsync(app, 1);

        await WhatsAppHarness.SendAsync(app, campaign, guardians);

        var message = Assert.Single(harness.WhatsApp.Deliveries);
        Assert.Empty(message.Buttons);
        Assert.Equal(3, message.BodyValues.Count);
    }
}
