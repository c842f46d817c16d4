using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Links;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Integration;

/// <summary>Issue 4 through the local runner: roster, campaign, dispatch, sender, Event Grid.</summary>
public sealed partial class OutreachRoutesTests : IAsyncLifetime
{
    // Monday 2027-01-11 09:00 WIB: a school morning in the Genap term.
    private static readonly DateTimeOffset SchoolMorning = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;

    // Its own storage: runners of other test classes (other clocks) must not take this class's queue messages.
    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task Roster_ImportsValidRows_RejectsBadOnesWithRowNumbers_AndReimportChangesNothing()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();

        var first = await journey.ImportAsync(OutreachJourney.Roster);
        var again = await journey.ImportAsync(OutreachJourney.Roster);

        Assert.Equal(4, first.GetProperty("imported").GetInt32()); // Yuliana's two children share one guardian
        var rejected = first.GetProperty("rejected").EnumerateArray().Select(r => r.GetProperty("row").GetInt32()).ToList();
        Assert.Equal([7, 8, 9], rejected); // landline, invalid number, unknown counsellor
        Assert.Equal(0, again.GetProperty("imported").GetInt32());
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        var guardians = await _runner.Services.GetRequiredService<BkOutreach.Core.Schools.SchoolDirectory>().ListGuardiansAsync(journey.SchoolId, CancellationToken.None);
        Assert.Equal(2, guardians.Single(g => g.Phone == "+6285267780034").Students.Count);
        Assert.All(guardians, g => Assert.Matches(@"^\+628\d{8,11}$", g.Phone));
    }

    [Fact]
    public async Task Campaign_WithProblems_Is400ListingThem()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();

        var response = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/campaigns", OutreachJourney.Json(new
        {
            name = "",
            term = "2030 Ganjil",
            template = "nope",
            audience = new { counselorId = "bk-9" },
            waves = new object[] { new { kind = "follow_up", afterDays = 7 } },
            bookingWindow = new { from = "2027-02-14", to = "2027-01-11" },
        }));
        var problems = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(6, problems.Count);
    }

    [Fact]
    public async Task Dispatch_SendsOneSmsPerGuardianWithAWorkingLink_AndASecondDispatchAddsNone()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync();

        var dispatched = await journey.DispatchAsync(campaign);
        var messages = await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count >= 4);
        var second = await journey.DispatchAsync(campaign);
        await Task.Delay(1500);
        var after = await journey.OutboxAsync(campaign);

        Assert.Equal(4, dispatched.GetProperty("waves")[0].GetProperty("recipients").GetInt32());
        Assert.Equal(0, second.GetProperty("waves").GetArrayLength());
        Assert.Equal(4, after.Count);
        Assert.Equal(4, after.Select(m => m.GetProperty("to").GetString()).Distinct().Count());
        foreach (var m in messages)
        {
            var body = m.GetProperty("body").GetString()!;
            Assert.True(m.GetProperty("segments").GetInt32() <= 2, body);
            var link = LinkPattern().Match(body);
            Assert.True(link.Success, body);
            Assert.Equal(LinkTokens.TokenLength, link.Groups["token"].Value.Length);
            var grant = await _runner.Services.GetRequiredService<BkOutreach.Core.Links.LinkTokens>().LookupAsync(link.Groups["token"].Value, CancellationToken.None);
            Assert.Equal(campaign, grant!.CampaignId);
        }

        var english = messages.Single(m => m.GetProperty("to").GetString() == "+6282177905512").GetProperty("body").GetString()!;
        Assert.DoesNotContain("BERHENTI", english, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_InQuietHours_WaitsForTheSendingWindow()
    {
        await using var evening = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = new DateTimeOffset(2027, 1, 11, 14, 30, 0, TimeSpan.Zero) }); // 21:30 WIB
        var journey = new OutreachJourney(evening);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync();

        var dispatched = await journey.DispatchAsync(campaign);
        await Task.Delay(2000);

        var sendsFrom = DateTimeOffset.Parse(dispatched.GetProperty("waves")[0].GetProperty("sendsFrom").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(new DateTimeOffset(2027, 1, 12, 1, 0, 0, TimeSpan.Zero), sendsFrom.ToUniversalTime()); // 08:00 WIB next day
        Assert.Empty(await journey.OutboxAsync(campaign));
    }

    [Fact]
    public async Task OptedOutGuardian_GetsNothing_AndTheOthersStillDo()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync();
        await _runner.Services.GetRequiredService<OptOutStore>().OptOutAsync("+6281373450217", CancellationToken.None);

        await journey.DispatchAsync(campaign);
        var messages = await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count >= 3);
        await Task.Delay(1000);

        Assert.Equal(3, (await journey.OutboxAsync(campaign)).Count);
        Assert.DoesNotContain(messages, m => m.GetProperty("to").GetString() == "+6281373450217");
        await _runner.Services.GetRequiredService<OptOutStore>().OptInAsync("+6281373450217", CancellationToken.None);
    }

    [Fact]
    public async Task QueuedBatch_NamesGuardiansOnly_AndGoesToWhomTheRosterNamesAtSendTime()
    {
        var ct = CancellationToken.None;
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync(audience: new { classes = new[] { "X IPA 1" } });
        var directory = _runner.Services.GetRequiredService<SchoolDirectory>();
        var siti = (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281271234501", ct))!;
        var abdul = (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281373450217", ct))!;
        var queued = JsonSerializer.Serialize(new SendBatch(journey.SchoolId, campaign, 0, [siti.Id, abdul.Id]), new JsonSerializerOptions(JsonSerializerDefaults.Web));

        // After the wave was queued, Abdul's son moved to a class outside the campaign's audience.
        await journey.ImportAsync("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\nS2,Rizki Pratama,XI IPS 1,Abdul Rahman,+62 813 7345 0217,id,bk-1\n");
        var run = await _runner.Admin.PostAsync("admin/functions/SendSmsBatch", OutreachJourney.Json(new { input = queued }));
        var sent = await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count >= 1);
        await Task.Delay(1000);

        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        Assert.DoesNotContain("8127123", queued, StringComparison.Ordinal);
        Assert.DoesNotContain("Siti", queued, StringComparison.Ordinal);
        Assert.DoesNotContain("Nurul", queued, StringComparison.Ordinal);
        Assert.Equal(["+6281271234501"], (await journey.OutboxAsync(campaign)).Select(m => m.GetProperty("to").GetString()));
        Assert.Contains("Nurul", sent[0].GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventGrid_HandshakeDeliveryReportAndStop_EachHandledOnce()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        var sent = await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count >= 4);
        var key = sent[0].GetProperty("idempotencyKey").GetString()!;

        using var handshake = new HttpRequestMessage(HttpMethod.Post, "api/events/acs") { Content = OutreachJourney.Json(new[] { new { id = "v1", eventType = "Microsoft.EventGrid.SubscriptionValidationEvent", data = new { validationCode = "CODE-123" } } }) };
        handshake.Headers.Add("aeg-event-type", "SubscriptionValidation");
        handshake.Headers.Add("x-functions-key", TestRunner.AdminKey);
        var handshakeBody = await (await _runner.Http.SendAsync(handshake)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("CODE-123", handshakeBody.GetProperty("validationResponse").GetString());

        var reportId = Guid.NewGuid().ToString();
        var report = new[] { new { id = reportId, eventType = "Microsoft.Communication.SMSDeliveryReportReceived", data = new { messageId = "m1", from = "+18005550100", to = "6281271234501", deliveryStatus = "Delivered", tag = key } } };
        var first = await (await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(report))).Content.ReadFromJsonAsync<JsonElement>();
        var repeat = await (await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(report))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, first.GetProperty("processed").GetInt32());
        Assert.Equal(1, repeat.GetProperty("repeated").GetInt32());
        Assert.True(SendLog.TryParseKey(key, out var s, out var c, out var w, out var g));
        Assert.Equal(SendState.Delivered, (await _runner.Services.GetRequiredService<SendLog>().GetAsync(s, c, w, g, CancellationToken.None))!.State);

        var phone = "+6285" + Random.Shared.Next(10000000, 99999999);
        var stop = new[] { new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "in1", from = phone.TrimStart('+'), to = "+18005550100", message = "  berhenti. " } } };
        await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(stop));
        await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(stop));
        var optOuts = _runner.Services.GetRequiredService<OptOutStore>();
        Assert.True(await optOuts.IsOptedOutAsync(phone, CancellationToken.None));
        var confirmations = (await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray().Count(m => m.GetProperty("to").GetString() == phone);
        Assert.Equal(1, confirmations);

        var start = new[] { new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "in2", from = phone, to = "+18005550100", message = "MULAI" } } };
        await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(start));
        Assert.False(await optOuts.IsOptedOutAsync(phone, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _runner.Http.PostAsync("api/events/acs", OutreachJourney.Json(start))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _runner.Admin.PostAsync("api/events/acs", new StringContent("{not json", Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task EventGrid_EventWithoutAnId_Is400WithTheReason_AndChangesNothing()
    {
        var phone = "+6285" + Random.Shared.Next(10000000, 99999999);
        var stop = new[] { new { eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "in-no-id", from = phone, to = "+18005550100", message = "BERHENTI" } } };

        var response = await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(stop));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_events", body.GetProperty("error").GetString());
        Assert.Equal("Event 1 has no id; every Event Grid event carries one.", body.GetProperty("problems")[0].GetString());
        Assert.False(await _runner.Services.GetRequiredService<OptOutStore>().IsOptedOutAsync(phone, CancellationToken.None));
    }

    [Fact]
    public async Task Stop_FromANationalNumber_OptsOutTheRosterGuardian_AndAnUnreadableSenderIsIgnoredWithoutItsNumberInTheLog()
    {
        var logs = new Reliability.CapturingLoggerProvider();
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning, ConfigureServices = logs.Register });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        var subscriber = "812" + Random.Shared.Next(10000000, 99999999);
        await journey.ImportAsync($"student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\nS1,Nurul Hidayah,X IPA 1,Siti Aminah,0{subscriber},id,bk-1\n");
        var guardian = Assert.Single(await runner.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(journey.SchoolId, CancellationToken.None));
        Assert.Equal("+62" + subscriber, guardian.Phone);
        var unreadable = "+0" + new string([.. subscriber.Reverse()]);

        var events = new object[]
        {
            new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "in-national", from = "0" + subscriber, to = "+18005550100", message = "BERHENTI" } },
            new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "in-unreadable", from = unreadable, to = "+18005550100", message = "BERHENTI" } },
        };
        var outcome = await (await runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(events))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(1, outcome.GetProperty("processed").GetInt32());
        Assert.Equal(1, outcome.GetProperty("ignored").GetInt32());
        var optOuts = runner.Services.GetRequiredService<OptOutStore>();
        Assert.True(await optOuts.IsOptedOutAsync(guardian.Phone, CancellationToken.None));
        var facts = await runner.Services.GetRequiredService<BkOutreach.Core.Participation.ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None);
        Assert.Contains(facts, f => f.Event.Kind == BkOutreach.Core.Participation.ParticipationKind.OptedOut && f.Event.GuardianId == guardian.Id);
        var outbox = (await runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray().Select(m => m.GetProperty("to").GetString()!).ToList();
        Assert.Equal(1, outbox.Count(to => to == guardian.Phone));
        Assert.DoesNotContain(outbox, to => to.StartsWith("+0", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, l => l.AllText.Contains("in-unreadable", StringComparison.Ordinal) && l.AllText.Contains("ignored_sender_not_a_number", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, l => l.AllText.Contains(unreadable[2..], StringComparison.Ordinal) || l.AllText.Contains(subscriber, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_IsConfirmedInTheGuardiansLanguage_AndInIndonesianForANumberNoSchoolKnows()
    {
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        var english = "+62812" + Random.Shared.Next(1000000, 9999999);
        var stranger = "+62813" + Random.Shared.Next(1000000, 9999999);
        await journey.ImportAsync($"student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\nS1,Amelia Tan,X IPA 1,Grace Tan,{english},en,bk-1\n");

        var events = new[] { english, stranger }.Select(from => new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "in-" + from, from, to = "+18005550100", message = "STOP" } }).ToArray();
        using var posted = await runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(events));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var outbox = (await runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray().ToList();
        string TextTo(string to) => Assert.Single(outbox, m => m.GetProperty("to").GetString() == to).GetProperty("body").GetString()!;

        Assert.Contains("Reply START", TextTo(english), StringComparison.Ordinal);
        Assert.Contains("MULAI", TextTo(stranger), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_ThroughTheAcsProvider_DeliversOncePerGuardianToTheFake()
    {
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
        await using var runner = await TestRunner.StartAsync(
            s =>
            {
                s["Sms:Provider"] = "Acs";
                s["Sms:Acs:ConnectionString"] = acs.ConnectionString;
                s["Sms:Acs:From"] = "+18005550100";
                s["Sms:Acs:MessagingConnect:Partner"] = "partner-x";
                s["Sms:Acs:MessagingConnect:ApiKey"] = "partner-key";
            },
            new RunnerSettings { Clock = SchoolMorning });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync();

        await journey.DispatchAsync(campaign);
        await Poll.UntilAsync(() => Task.FromResult(acs.Deliveries.ToList()), d => d.Count >= 4);
        await journey.DispatchAsync(campaign);
        await runner.Admin.PostAsync("admin/functions/SendSmsBatch", OutreachJourney.Json(new { input = JsonSerializer.Serialize(new SendBatch(journey.SchoolId, campaign, 0, [])) }));
        await Task.Delay(1000);

        Assert.Equal(4, acs.Deliveries.Count);
        Assert.Equal(4, acs.Deliveries.Select(d => d.To).Distinct().Count());
        Assert.All(acs.Deliveries, d => Assert.Equal("partner-x", d.MessagingConnectPartner));
        Assert.All(acs.Requests, r => Assert.True(r.Authorized));
    }

    [GeneratedRegex(@"/api/b/(?<token>[A-Za-z0-9_-]+)")]
    private static partial Regex LinkPattern();
}
