using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms.Acs;
using BkOutreach.Core.Storage;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using NodaTime;

namespace BkOutreach.Tests.Reliability;

/// <summary>What the reliability tests share: a school morning, a roster of N families, links, the send log, waiting.</summary>
public static class ReliabilityKit
{
    // Monday 2027-01-11 09:00 WIB: sending window open, booking window ahead.
    public static readonly DateTimeOffset SchoolMorning = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    public static string Roster(int families, string counselorId = "bk-1", string phonePrefix = "08121")
    {
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        for (var i = 0; i < families; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"S{i:D5},Siswa {i},X IPA 1,Wali {i},{phonePrefix}{i:D7},id,{counselorId}\n");
        }

        return csv.ToString();
    }

    public static void UseAcs(Dictionary<string, string?> settings, FakeAcsServer acs, int maxPerMinute)
    {
        settings["Sms:Provider"] = "Acs";
        settings["Sms:Acs:ConnectionString"] = acs.ConnectionString;
        settings["Sms:Acs:From"] = "+18005550100";
        settings["Sms:Acs:MessagingConnect:Partner"] = "partner-x";
        settings["Sms:Acs:MessagingConnect:ApiKey"] = "partner-key";
        settings["Sms:MaxPerMinute"] = maxPerMinute.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>ACS pipeline options that retry fast and give up waiting for an answer after a second.</summary>
    public static AcsSmsClientOptions FastAcsRetries()
    {
        var options = new AcsSmsClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(20);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(100);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(1);
        return options;
    }

    /// <summary>States of a campaign wave's send log rows.</summary>
    public static async Task<List<string>> SendStatesAsync(TestRunner runner, string schoolId, string campaignId, int wave = 0)
    {
        var states = new List<string>();
        await foreach (var row in runner.Services.GetRequiredService<SendLog>().ListWaveAsync(schoolId, campaignId, wave, ["State"], CancellationToken.None))
        {
            states.Add(row.GetString("State") ?? "?");
        }

        return states;
    }

    /// <summary>One link token per guardian of the school, for the campaign.</summary>
    public static async Task<List<(string GuardianId, string Token)>> TokensAsync(TestRunner runner, string schoolId, string campaignId)
    {
        var definition = (await runner.Services.GetRequiredService<CampaignStore>().GetAsync(schoolId, campaignId, CancellationToken.None))!.Definition;
        var expires = CampaignValidation.LinksExpireAt(definition, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]);
        var links = runner.Services.GetRequiredService<LinkTokens>();
        var list = new List<(string, string)>();
        foreach (var g in await runner.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(schoolId, CancellationToken.None))
        {
            list.Add((g.Id, await links.IssueAsync(schoolId, g.Id, campaignId, expires, CancellationToken.None)));
        }

        return list;
    }

    /// <summary>A school, its counsellor bk-1 (with an email for the calendar), N families and a campaign.</summary>
    public static async Task<(OutreachJourney Journey, string Campaign)> SchoolWithFamiliesAsync(TestRunner runner, int families)
    {
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Roster(families));
        return (journey, await journey.CreateCampaignAsync());
    }

    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        T value;
        do
        {
            value = await read();
            if (done(value))
            {
                return value;
            }

            await Task.Delay(200);
        }
        while (DateTimeOffset.UtcNow < deadline);
        return value;
    }
}

/// <summary>
/// Simulates a sender that dies right after the provider accepted: the send log write that records
/// "Accepted" fails, <c>failures</c> times, before it reaches storage.
/// </summary>
public sealed class CrashAfterAcceptPolicy(int failures) : HttpPipelinePolicy
{
    private readonly int _failures = failures;
    private int _left = failures;

    public int Fired => _failures - Math.Max(0, Volatile.Read(ref _left));

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Crash(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Crash(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Crash(HttpMessage message)
    {
        if (!message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) || message.Request.Content is null)
        {
            return;
        }

        using var body = new MemoryStream();
        message.Request.Content.WriteTo(body, CancellationToken.None);
        if (Encoding.UTF8.GetString(body.ToArray()).Contains("\"State\":\"Accepted\"", StringComparison.Ordinal) && Interlocked.Decrement(ref _left) >= 0)
        {
            throw new InvalidOperationException("Simulated crash: the sender died after the provider accepted.");
        }
    }
}
