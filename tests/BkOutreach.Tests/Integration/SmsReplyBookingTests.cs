using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Integration;

/// <summary>Booking by SMS reply: offer after outreach, "2" books through the atomic path, a taken slot brings the next three.</summary>
public sealed class SmsReplyBookingTests : IAsyncLifetime
{
    private TestRunner _runner = null!;

    // Its own storage: queue messages must be handled by a runner on this test's clock.
    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero) });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task ReplyBooksTheOfferedSlot_AndATakenSlotBringsTheNextThree()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(
            "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n" +
            "R1,Siswa Satu,X IPA 1,Wali Satu,081299990001,id,bk-1\n" +
            "R2,Siswa Dua,X IPA 1,Wali Dua,081299990002,id,bk-1\n");
        var campaign = await journey.DispatchReplyBookingCampaignAsync();
        var offers = await Poll.UntilAsync(async () => (await Outbox()).Where(m => m.GetProperty("idempotencyKey").GetString()!.EndsWith(":slots", StringComparison.Ordinal)).ToList(), l => l.Count >= 2);
        Assert.All(offers, o => Assert.Contains("balas 1, 2 atau 3", o.GetProperty("body").GetString()!, StringComparison.OrdinalIgnoreCase));

        await Reply("+6281299990001", "1");
        await Reply("+6281299990002", " 1. ");

        // The confirmation follows from the booking's outbox, a moment after the reply was taken.
        var confirmed = await Poll.UntilAsync(
            async () => (await Outbox()).Where(m => m.GetProperty("to").GetString() == "+6281299990001" && m.GetProperty("idempotencyKey").GetString()!.EndsWith(":booking_confirmation", StringComparison.Ordinal)).ToList(),
            l => l.Count > 0);
        var messages = await Outbox();
        var reoffer = messages.Where(m => m.GetProperty("to").GetString() == "+6281299990002" && m.GetProperty("idempotencyKey").GetString()!.StartsWith("slot-offer:", StringComparison.Ordinal)).ToList();
        Assert.Single(confirmed);
        Assert.Single(reoffer);
        var firstOffer = offers.Single(o => o.GetProperty("to").GetString() == "+6281299990002").GetProperty("body").GetString()!;
        Assert.NotEqual(firstOffer, reoffer[0].GetProperty("body").GetString());

        // The research export says the booking came by SMS, not from the booking page.
        var (header, booked) = await Poll.UntilAsync(
            async () =>
            {
                var (h, rows) = Participation.ParticipationTestKit.Parse(await _runner.Admin.GetStringAsync($"api/admin/schools/{journey.SchoolId}/participation-events.csv"));
                return (h, rows.Where(r => r[Array.IndexOf(h, "kind")] == "booked").ToList());
            },
            x => x.Item2.Count > 0);
        Assert.Equal("sms", Assert.Single(booked)[Array.IndexOf(header, "channel")]);
    }

    private async Task<List<JsonElement>> Outbox() => [.. (await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray()];

    private async Task Reply(string from, string text)
    {
        var response = await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(new[]
        {
            new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = Guid.NewGuid().ToString(), from, to = "+18005550100", message = text } },
        }));
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processed").GetInt32());
    }
}
