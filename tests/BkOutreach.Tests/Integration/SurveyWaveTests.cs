using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.Core.Participation;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Integration;

/// <summary>The study's survey by SMS: a survey wave asks the barrier question and a reply becomes a survey answer fact.</summary>
public sealed class SurveyWaveTests
{
    [Fact]
    public async Task SurveyWave_AsksTheBarrierQuestion_AndTheReplyIsRecordedAsCodes()
    {
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero) });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        var created = await runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/campaigns", OutreachJourney.Json(new
        {
            name = "Survei hambatan",
            term = "2026/2027 Genap",
            template = "outreach",
            waves = new object[] { new { kind = "survey_barrier", sendOn = "2027-01-11" } },
            bookingWindow = new { from = "2027-01-11", to = "2027-02-14" },
        }));
        var campaign = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await journey.DispatchAsync(campaign);
        var asked = await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count >= 4);
        var reply = await runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(new[]
        {
            new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "s1", from = "+6281271234501", to = "+18005550100", message = "Jawaban saya: 2, kurang paham peran BK" } },
        }));

        Assert.Equal(4, asked.Count);
        Assert.Equal(1, (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processed").GetInt32());
        var facts = await runner.Services.GetRequiredService<ParticipationLog>().ListAsync(journey.SchoolId, CancellationToken.None);
        var answer = Assert.Single(facts, f => f.Event.Kind == ParticipationKind.SurveyAnswer);
        Assert.Contains("2", answer.Event.Value, StringComparison.Ordinal);
        Assert.Equal(4, facts.Count(f => f.Event.Kind == ParticipationKind.SmsSent));
    }
}
