using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace BkOutreach.Tests.Runner;

public sealed class StartupTests
{
    [Fact]
    public async Task AcsProviderWithoutSettings_FailsAtStart_NamingTheSettings()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestRunner.StartAsync(s => s["Sms:Provider"] = "Acs"));

        Assert.Contains("Sms__Acs__ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Sms__Acs__From", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShortSigningKey_FailsAtStart_NamingTheSetting()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestRunner.StartAsync(s => s["Links:SigningKey"] = Convert.ToBase64String(new byte[16])));

        Assert.Contains("Links__SigningKey", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_WhenStorageDoesNotAnswer_Is503WithTheReason()
    {
        var closedPort = TestAzurite.FreePort();
        var connection = $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
            $"TableEndpoint=http://127.0.0.1:{closedPort}/{Azurite.AccountName};QueueEndpoint=http://127.0.0.1:{closedPort}/{Azurite.AccountName};";
        await using var runner = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = connection, new RunnerSettings { WaitForStorage = TimeSpan.Zero });

        var response = await runner.Http.GetAsync("api/health");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(body.GetProperty("storage").GetProperty("ok").GetBoolean());
        Assert.Contains("storage", body.GetProperty("storage").GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_SeedsTheDemoSchool_AndSeedingTwiceChangesNothing()
    {
        // Both runners on one emulator: the second must find what the first seeded.
        var storage = await TestAzurite.ConnectionStringAsync();
        await using var first = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = storage, new RunnerSettings { Demo = true });
        var directory = first.Services.GetRequiredService<SchoolDirectory>();
        var before = await directory.ListGuardiansAsync("ma-aisyiyah-1-palembang", CancellationToken.None);
        await first.DisposeAsync();

        await using var second = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = storage, new RunnerSettings { Demo = true });
        var after = await directory.ListGuardiansAsync("ma-aisyiyah-1-palembang", CancellationToken.None);
        var school = await directory.GetSchoolAsync("ma-aisyiyah-1-palembang", CancellationToken.None);
        var counselors = await directory.ListCounselorsAsync("ma-aisyiyah-1-palembang", CancellationToken.None);

        Assert.Equal(0, second.App.Demo!.NewGuardians);
        Assert.InRange(after.Count, 15, 30);
        Assert.Equal(before.Select(g => g.Id).Order(), after.Select(g => g.Id).Order());
        Assert.Equal("Asia/Jakarta", school!.TimeZone);
        Assert.Contains("bk-1", counselors.Select(c => c.Id));
        Assert.Contains("bk-2", counselors.Select(c => c.Id));
        Assert.Contains(after, g => g.Students.Count > 1);
    }

    [Theory]
    [InlineData("--demo --port 7080 --clock 2027-01-11T02:00:00Z", true, 7080, "2027-01-11T02:00:00Z")]
    [InlineData("", false, 7071, null)]
    public void Arguments_AreRead(string args, bool demo, int port, string? clock)
    {
        var settings = RunnerSettings.FromArgs(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(demo, settings.Demo);
        Assert.Equal(port, settings.Port);
        Assert.Equal(clock is null ? null : DateTimeOffset.Parse(clock, System.Globalization.CultureInfo.InvariantCulture), settings.Clock);
    }

    [Theory]
    [InlineData("--port")]
    [InlineData("--clock yesterday")]
    [InlineData("--colour")]
    public void BadArguments_AreRefusedWithAClearMessage(string args) =>
        Assert.Throws<ArgumentException>(() => RunnerSettings.FromArgs(args.Split(' ')));

    [Fact]
    public void RunnerClock_StartsAtTheGivenInstant_AndRunsForward()
    {
        var start = DateTimeOffset.Parse("2027-01-11T02:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var clock = new RunnerClock(start);

        var first = clock.GetUtcNow();
        Thread.Sleep(20);
        var second = clock.GetUtcNow();

        Assert.InRange(first - start, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.True(second > first);
    }
}
