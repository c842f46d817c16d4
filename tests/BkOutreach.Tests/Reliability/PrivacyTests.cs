using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Outreach;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Kiota.Abstractions.Authentication;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Reliability;

/// <summary>Nothing personal in logs: every line of an end-to-end run, at every level, is searched for the roster's numbers and names.</summary>
public sealed class PrivacyTests
{
    [Fact]
    public async Task EndToEndRun_LogsNoPhoneNumberAndNoRosterNameInClear()
    {
        var logs = new CapturingLoggerProvider();
        var clock = new ShiftableClock(SchoolMorning);
        await using var acs = await FakeAcsServer.StartAsync(clock: clock);
        acs.Enqueue(503);
        acs.RecipientStatus = to => to.EndsWith("0217", StringComparison.Ordinal) ? 400 : 202;
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
                ConfigureServices = s =>
                {
                    logs.Register(s);
                    s.AddSingleton<TimeProvider>(clock);
                    s.AddSingleton(FastAcsRetries());
                    s.AddSingleton(new GraphTransport { Authentication = new AnonymousAuthenticationProvider() });
                },
            });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync();

        await journey.DispatchAsync(campaign);
        await EventuallyAsync(() => SendStatesAsync(runner, journey.SchoolId, campaign), s => s.Count >= 4 && !s.Contains("Pending"), TimeSpan.FromSeconds(30));
        var tokens = await TokensAsync(runner, journey.SchoolId, campaign);
        var slots = (await runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{tokens[0].Token}/slots")).EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
        Assert.Equal(HttpStatusCode.Created, (await runner.Http.PostAsync($"api/links/{tokens[0].Token}/booking", OutreachJourney.Json(new { slotId = slots[0] }))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await runner.Http.PostAsync($"api/links/{tokens[0].Token}/booking", OutreachJourney.Json(new { slotId = slots[2] }))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await runner.Admin.PostAsync("admin/functions/SweepBookingEvents", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await runner.Http.DeleteAsync($"api/links/{tokens[0].Token}/booking")).StatusCode);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.Accepted, (await runner.Admin.PostAsync("admin/functions/SweepBookingEvents", null)).StatusCode);
        var sent = acs.Deliveries.First();
        var events = new object[]
        {
            new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSDeliveryReportReceived", data = new { messageId = sent.MessageId, from = "+18005550100", to = sent.To.TrimStart('+'), deliveryStatus = "Failed", deliveryStatusDetails = "No route", tag = sent.Tag } },
            new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "in1", from = "6281271234501", to = "+18005550100", message = "STOP Siti Aminah" } },
        };
        Assert.Equal(HttpStatusCode.OK, (await runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(events))).StatusCode);
        await Task.Delay(500);

        var lines = logs.Entries;
        Assert.True(lines.Count > 20, $"only {lines.Count} log entries were captured");
        var forbidden = PersonalData().ToList();
        var leaks = lines.SelectMany(l => forbidden.Where(f => l.AllText.Contains(f, StringComparison.OrdinalIgnoreCase)).Select(f => $"'{f}' in [{l.Category}] {l.Message}")).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks.Take(20)));
    }

    /// <summary>Every form a roster number can take (E.164, without '+', local 0…, the written forms of the CSV) and every name.</summary>
    private static IEnumerable<string> PersonalData()
    {
        var rows = OutreachJourney.Roster.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(r => r.Split(','));
        foreach (var row in rows)
        {
            yield return row[1];
            yield return row[3];
            var written = row[4];
            yield return written;
            var digits = new string([.. written.Where(char.IsAsciiDigit)]);
            var national = digits.StartsWith("62", StringComparison.Ordinal) ? digits[2..] : digits.TrimStart('0');
            if (national.Length >= 8)
            {
                yield return "+62" + national;
                yield return "62" + national;
                yield return "0" + national;
                yield return national;
            }
        }
    }
}
