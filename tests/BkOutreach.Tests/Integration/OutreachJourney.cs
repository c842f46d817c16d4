using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Integration;

/// <summary>Drives a school through the admin routes: settings, counsellors, roster, campaign — each test with its own school.</summary>
public sealed partial class OutreachJourney(TestRunner runner, string timeZone = "Asia/Jakarta")
{
    public string SchoolId { get; } = "sch-" + Guid.NewGuid().ToString("N")[..10];

    public static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public async Task CreateSchoolAsync()
    {
        var school = await runner.Admin.PutAsync($"api/admin/schools/{SchoolId}", Json(new
        {
            name = "MA Uji Coba",
            timeZone,
            latitude = -2.9761,
            longitude = 104.7754,
            language = "id",
            sendingWindow = new { from = "08:00", to = "20:00" },
            terms = new[] { new { name = "2026/2027 Genap", firstDay = "2027-01-04", lastDay = "2027-06-19" } },
            blackouts = Array.Empty<object>(),
        }));
        Assert.Equal(HttpStatusCode.OK, school.StatusCode);
        foreach (var id in new[] { "bk-1", "bk-2" })
        {
            var counselor = await runner.Admin.PutAsync($"api/admin/schools/{SchoolId}/counselors/{id}", Json(new { name = $"Guru {id}", email = $"{id}@example.sch.id" }));
            Assert.Equal(HttpStatusCode.OK, counselor.StatusCode);
        }
    }

    public async Task<JsonElement> ImportAsync(string csv)
    {
        var response = await runner.Admin.PostAsync($"api/admin/schools/{SchoolId}/roster", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<string> CreateCampaignAsync(string sendOn = "2027-01-11", object? audience = null)
    {
        var response = await runner.Admin.PostAsync($"api/admin/schools/{SchoolId}/campaigns", Json(new
        {
            name = "Kenali guru BK",
            term = "2026/2027 Genap",
            template = "outreach",
            audience,
            waves = new object[] { new { kind = "outreach", sendOn }, new { kind = "follow_up", afterDays = 7 } },
            bookingWindow = new { from = "2027-01-11", to = "2027-02-14" },
        }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>A one-wave outreach campaign with booking by reply (the slot offer follows each message), dispatched now.</summary>
    public async Task<string> DispatchReplyBookingCampaignAsync()
    {
        var response = await runner.Admin.PostAsync($"api/admin/schools/{SchoolId}/campaigns", Json(new
        {
            name = "Balas untuk pesan",
            term = "2026/2027 Genap",
            template = "outreach",
            waves = new object[] { new { kind = "outreach", sendOn = "2027-01-11" } },
            bookingWindow = new { from = "2027-01-11", to = "2027-02-14" },
            smsReplyBooking = true,
        }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var campaign = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await DispatchAsync(campaign);
        return campaign;
    }

    public async Task<JsonElement> DispatchAsync(string campaignId)
    {
        var response = await runner.Admin.PostAsync($"api/admin/campaigns/{campaignId}/dispatch", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Outbox messages of one campaign, by idempotency key.</summary>
    public async Task<List<JsonElement>> OutboxAsync(string campaignId) =>
        [.. (await runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray()
            .Where(m => m.GetProperty("idempotencyKey").GetString()!.StartsWith($"campaign:{campaignId}:", StringComparison.Ordinal))];

    /// <summary>The booking links of a campaign's outreach SMS, once the queue function has stored them in the outbox.</summary>
    public async Task<List<string>> BookingLinksAsync(string campaignId, int expected)
    {
        var messages = await Poll.UntilAsync(() => OutboxAsync(campaignId), m => m.Count >= expected);
        if (messages.Count != expected)
        {
            Assert.Fail($"expected {expected} outreach SMS in the outbox, found {messages.Count}; {await QueueStateAsync()}; the runner logged:\n{runner.Log.Tail()}");
        }

        return [.. messages.Select(m =>
        {
            var link = BookingLink().Match(m.GetProperty("body").GetString()!);
            Assert.True(link.Success, m.GetProperty("body").GetString());
            return link.Value;
        })];
    }

    /// <summary>How many messages wait in the send queue and its poison queue, for a failure message.</summary>
    private async Task<string> QueueStateAsync()
    {
        var state = new List<string>();
        foreach (var name in new[] { BkOutreach.Core.Outreach.OutreachQueues.SendQueue, BkOutreach.Core.Outreach.OutreachQueues.SendQueue + "-poison" })
        {
            var queue = new Azure.Storage.Queues.QueueClient(runner.StorageConnectionString, name);
            state.Add(await queue.ExistsAsync() ? $"{name}: {(await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount} messages" : $"{name}: none");
        }

        return string.Join(", ", state);
    }

    /// <summary>A new school with one family whose campaign went out: the school's id and the parent's link token.</summary>
    public static async Task<(string School, string Token)> SchoolWithParentAsync(TestRunner runner)
    {
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Families(1));
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        var link = (await journey.BookingLinksAsync(campaign, 1))[0];
        return (journey.SchoolId, link[(link.LastIndexOf('/') + 1)..]);
    }

    /// <summary>A roster of <paramref name="families"/> guardians with one child each, all with counsellor bk-1.</summary>
    public static string Families(int families)
    {
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        for (var i = 0; i < families; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i},Siswa {i},X IPA 1,Wali {i},08131{i:0000000},id,bk-1\n");
        }

        return csv.ToString();
    }

    public const string Roster =
        "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n" +
        "S1,Nurul Hidayah,X IPA 1,Siti Aminah,0812-7123-4501,id,bk-1\n" +
        "S2,Rizki Pratama,X IPA 1,Abdul Rahman,+62 813 7345 0217,id,bk-1\n" +
        "S3,Aisyah Putri,XI IPA 2,Yuliana Sari,6285267780034,id,bk-1\n" +
        "S4,Fatimah Zahra,X IPS 1,Yuliana Sari,0852.6778.0034,id,bk-2\n" +
        "S5,Dimas Anggara,XI IPS 1,Hendra Wijaya,82177905512,en,bk-2\n" +
        "S6,Rafi Alfarizi,XII IPS 2,Bambang S,(0711) 312345,id,bk-2\n" +
        "S7,Zahra Amelia,X IPA 2,Dewi Lestari,12345,id,bk-1\n" +
        "S8,Ilham Maulana,XI IPA 1,Mulyadi,081367142209,id,bk-9\n";

    [GeneratedRegex(@"https?://\S+/api/b/[A-Za-z0-9_-]+")]
    private static partial Regex BookingLink();
}
