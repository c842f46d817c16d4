using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.Privacy;

/// <summary>
/// Deleting a guardian on request, through the admin routes of the local runner: afterwards no table holds
/// the number or a name, the link is dead, the seat is free, and a STOP still holds.
/// </summary>
public sealed partial class GuardianErasureTests : IAsyncLifetime
{
    // Monday 2027-01-11 09:00 WIB: inside the sending window, the campaign's waves are due.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    // Roster row S1 and S2 of OutreachJourney.Roster, both with counsellor bk-1.
    private const string SitiPhone = "+6281271234501";
    private const string AbdulPhone = "+6281373450217";

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Clock });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task EraseGuardian_LeavesNoPhoneOrNameInAnyTable_KillsTheLink_FreesTheSeat_KeepsTheResearchLog()
    {
        var journey = await SchoolWithRosterAsync();
        var campaign = await CampaignAsync(journey);
        await journey.DispatchAsync(campaign);
        // Outreach, slot offer and survey question, to each of the two guardians.
        await Poll.UntilAsync(() => MessagesToAsync(SitiPhone, AbdulPhone), m => m.Count >= 6);
        var siti = await GuardianAsync(journey, SitiPhone);
        var sitiToken = await TokenAsync(campaign, siti);
        var abdulToken = await TokenAsync(campaign, await GuardianAsync(journey, AbdulPhone));
        var slot = (await SlotsAsync(sitiToken))[0];
        Assert.Equal(HttpStatusCode.Created, (await _runner.Http.PostAsync($"api/links/{sitiToken}/booking", OutreachJourney.Json(new { slotId = slot }))).StatusCode);
        Assert.DoesNotContain(slot, await SlotsAsync(abdulToken));
        var log = _runner.Services.GetRequiredService<ParticipationLog>();
        await Poll.UntilAsync(() => log.ListAsync(journey.SchoolId, CancellationToken.None), l => l.Any(f => f.Event.GuardianId == siti.Id && f.Event.Kind == ParticipationKind.Booked));
        await InboundAsync(SitiPhone, "Baik, terima kasih. Siti Aminah");
        await InboundAsync(SitiPhone, "STOP");
        await InboundAsync(SitiPhone, "MULAI");
        Assert.NotEmpty(await FindAsync(SitiPhone, "Siti Aminah", "Nurul Hidayah"));
        Assert.NotEmpty(await RowsWithAsync(StorageNames.LinksTable, siti.Id));
        Assert.NotEmpty(await RowsWithAsync(StorageNames.SendsTable, siti.Id));

        var erased = await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians/{siti.Id}");

        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        var left = await FindAsync(SitiPhone, "Siti Aminah", "Nurul Hidayah");
        Assert.True(left.Count == 0, string.Join("\n", left));
        Assert.Empty(await RowsWithAsync(StorageNames.LinksTable, siti.Id));
        Assert.Empty(await RowsWithAsync(StorageNames.SendsTable, siti.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.GetAsync($"api/b/{sitiToken}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.GetAsync($"api/links/{sitiToken}/slots")).StatusCode);
        Assert.Contains(slot, await SlotsAsync(abdulToken));
        // This instance still holds the link's grant from the booking above (booking requests use it again for
        // a few seconds): the sealed pointer makes the same link book nothing, by the JSON route or the page.
        var again = await _runner.Http.PostAsync($"api/links/{sitiToken}/booking", OutreachJourney.Json(new { slotId = slot }));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("unknown_link", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Null(await _runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingStore>().GetActiveAsync(journey.SchoolId, "bk-1", campaign, siti.Id, CancellationToken.None));
        Assert.Contains(slot, await SlotsAsync(abdulToken));
        // The cancellation's fact follows from the booking's outbox (the handler), with no SMS to the erased number.
        var facts = await Poll.UntilAsync(() => log.ListAsync(journey.SchoolId, CancellationToken.None), l => l.Any(f => f.Event.GuardianId == siti.Id && f.Event.Kind == ParticipationKind.Cancelled));
        Assert.Contains(facts, f => f.Event.GuardianId == siti.Id && f.Event.Kind == ParticipationKind.Booked);
        Assert.Contains(facts, f => f.Event.GuardianId == siti.Id && f.Event.Kind == ParticipationKind.Cancelled);
        Assert.NotNull(await GuardianAsync(journey, AbdulPhone));
        Assert.Contains(await MessagesToAsync(AbdulPhone), m => m.GetProperty("body").GetString()!.Contains("Rizki Pratama", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EraseGuardian_WhileAnotherInstanceStillHoldsTheLinksGrantAndGuardian_ThatInstanceBooksNothing()
    {
        var journey = await SchoolWithRosterAsync();
        var campaign = await CampaignAsync(journey);
        await journey.DispatchAsync(campaign);
        await Poll.UntilAsync(() => MessagesToAsync(SitiPhone), m => m.Count >= 3);
        var siti = await GuardianAsync(journey, SitiPhone);
        var token = await TokenAsync(campaign, siti);
        await using var other = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = _runner.StorageConnectionString, new RunnerSettings { Clock = Clock });

        // The parent opens the link on the other instance, which keeps the grant and the guardian for a few seconds.
        var slots = (await other.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
        Assert.Equal(HttpStatusCode.NoContent, (await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians/{siti.Id}")).StatusCode);

        // Then books there, by the JSON route and by the page's form: nothing is booked, the link is gone.
        var json = await other.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slots[0] }));
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        Assert.Equal("unknown_link", (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        var store = _runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingStore>();
        Assert.Null(await store.GetActiveAsync(journey.SchoolId, "bk-1", campaign, siti.Id, CancellationToken.None));
        Assert.Empty(await store.ListAsync(journey.SchoolId, "bk-1", CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.GetAsync($"api/links/{token}/slots")).StatusCode);
    }

    [Fact]
    public async Task EraseGuardian_Twice_SecondIs404AndChangesNothing()
    {
        var journey = await SchoolWithRosterAsync();
        var campaign = await CampaignAsync(journey);
        await journey.DispatchAsync(campaign);
        await Poll.UntilAsync(() => MessagesToAsync(SitiPhone), m => m.Count >= 3);
        // The wave's other guardians are still being sent to: wait until every batch is done (its queue
        // message deleted), so that the snapshots below see only what the erasures did.
        var sends = _runner.Services.GetRequiredService<StorageAccount>().Queue(OutreachQueues.SendQueue);
        await Poll.UntilAsync(async () => (await sends.GetPropertiesAsync()).Value.ApproximateMessagesCount, n => n == 0);
        var siti = await GuardianAsync(journey, SitiPhone);
        var route = $"api/admin/schools/{journey.SchoolId}/guardians/{siti.Id}";

        var first = await _runner.Admin.DeleteAsync(route);
        var before = await SnapshotAsync();
        var second = await _runner.Admin.DeleteAsync(route);
        var byPhone = await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians?phone=0812-7123-4501");
        var after = await SnapshotAsync();

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Equal("unknown_guardian", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, byPhone.StatusCode);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task OptedOutGuardian_ErasedByPhone_ThenImportedAgain_GetsNoSms()
    {
        var journey = await SchoolWithRosterAsync();
        await InboundAsync(AbdulPhone, "BERHENTI");
        Assert.True(await _runner.Services.GetRequiredService<OptOutStore>().IsOptedOutAsync(AbdulPhone, CancellationToken.None));

        var erased = await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians?phone=0813.7345.0217");

        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        Assert.Null(await _runner.Services.GetRequiredService<SchoolDirectory>().FindGuardianByPhoneAsync(journey.SchoolId, AbdulPhone, CancellationToken.None));
        var left = await FindAsync(AbdulPhone, "Abdul Rahman", "Rizki Pratama");
        Assert.Equal(new[] { $"{StorageNames.OptOutsTable}/phone/{AbdulPhone}" }, left.Select(l => l[..l.LastIndexOf(' ')]).Distinct());

        var again = await journey.ImportAsync(OutreachJourney.Roster);
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        var sent = await Poll.UntilAsync(() => journey.OutboxAsync(campaign), m => m.Count >= 3);
        var abdul = await GuardianAsync(journey, AbdulPhone);
        var skipped = await Poll.UntilAsync(() => _runner.Services.GetRequiredService<SendLog>().GetAsync(journey.SchoolId, campaign, 0, abdul.Id, CancellationToken.None), r => r is not null);

        Assert.Equal(1, again.GetProperty("imported").GetInt32());
        Assert.Equal(3, sent.Count);
        Assert.DoesNotContain(sent, m => m.GetProperty("to").GetString() == AbdulPhone);
        Assert.Equal(SendState.SkippedOptedOut, skipped!.State);
    }

    [Fact]
    public async Task GuardianErasedAfterTheWaveWasQueued_IsNotSentTo_TheOthersAre()
    {
        var journey = await SchoolWithRosterAsync();
        var campaign = await journey.CreateCampaignAsync();
        var siti = await GuardianAsync(journey, SitiPhone);
        var abdul = await GuardianAsync(journey, AbdulPhone);
        var batch = new SendBatch(journey.SchoolId, campaign, 0, [siti.Id, abdul.Id]);
        Assert.Equal(HttpStatusCode.NoContent, (await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians/{siti.Id}")).StatusCode);

        var run = await _runner.Admin.PostAsync("admin/functions/SendSmsBatch", OutreachJourney.Json(new { input = JsonSerializer.Serialize(batch, new JsonSerializerOptions(JsonSerializerDefaults.Web)) }));

        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        var sent = await journey.OutboxAsync(campaign);
        Assert.Equal(new[] { AbdulPhone }, sent.Select(m => m.GetProperty("to").GetString()));
        Assert.Null(await _runner.Services.GetRequiredService<SendLog>().GetAsync(journey.SchoolId, campaign, 0, siti.Id, CancellationToken.None));
    }

    [Fact]
    public async Task EraseRoutes_RefuseAMissingOrWrongKey_AndAnInvalidPhone()
    {
        var journey = await SchoolWithRosterAsync();
        var siti = await GuardianAsync(journey, SitiPhone);
        var route = $"api/admin/schools/{journey.SchoolId}/guardians/{siti.Id}";
        using var wrongKey = new HttpRequestMessage(HttpMethod.Delete, route);
        wrongKey.Headers.Add("x-functions-key", TestRunner.AdminKey + "x");

        var missing = await _runner.Http.DeleteAsync(route);
        var wrong = await _runner.Http.SendAsync(wrongKey);
        var wrongCode = await _runner.Http.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians?phone=081271234501&code=not-the-key");
        var landline = await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians?phone=(0711)%20312345");
        var noPhone = await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians");
        var unknown = await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians?phone=%2B6281299998888");
        var otherSchool = await _runner.Admin.DeleteAsync($"api/admin/schools/sch-elsewhere/guardians/{siti.Id}");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCode.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, landline.StatusCode);
        Assert.Contains("phone:", (await landline.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noPhone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherSchool.StatusCode);
        Assert.Equal(siti, await GuardianAsync(journey, SitiPhone), GuardianComparer.Instance);
    }

    private async Task<OutreachJourney> SchoolWithRosterAsync()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Roster);
        return journey;
    }

    /// <summary>A campaign that touches every place a number is kept: outreach with SMS-reply booking (slot offers) and a survey question.</summary>
    private async Task<string> CampaignAsync(OutreachJourney journey)
    {
        var created = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/campaigns", OutreachJourney.Json(new
        {
            name = "Kenali guru BK",
            term = "2026/2027 Genap",
            template = "outreach",
            waves = new object[] { new { kind = "outreach", sendOn = "2027-01-11" }, new { kind = "survey_barrier", sendOn = "2027-01-11" } },
            bookingWindow = new { from = "2027-01-11", to = "2027-02-14" },
            smsReplyBooking = true,
        }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<Guardian> GuardianAsync(OutreachJourney journey, string phone) =>
        (await _runner.Services.GetRequiredService<SchoolDirectory>().FindGuardianByPhoneAsync(journey.SchoolId, phone, CancellationToken.None))!;

    /// <summary>The token in the guardian's outreach SMS of this campaign.</summary>
    private async Task<string> TokenAsync(string campaign, Guardian guardian)
    {
        var outreach = (await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray()
            .Single(m => m.GetProperty("idempotencyKey").GetString() == SendLog.KeyOf(guardian.SchoolId, campaign, 0, guardian.Id));
        return BookingToken().Match(outreach.GetProperty("body").GetString()!).Groups[1].Value;
    }

    private async Task<List<string>> SlotsAsync(string token) =>
        [.. (await _runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];

    private async Task<List<JsonElement>> MessagesToAsync(params string[] phones) =>
        [.. (await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray().Where(m => phones.Contains(m.GetProperty("to").GetString()))];

    private async Task InboundAsync(string from, string message)
    {
        var events = new[] { new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = Guid.NewGuid().ToString("N"), from, to = "+18005550100", message } } };
        var response = await _runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(events));
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processed").GetInt32());
    }

    /// <summary>
    /// Every property of every row of every table that holds one of <paramref name="needles"/> (names, and
    /// the number in each form it can take: E.164, without '+', national with 0, bare), as
    /// <c>table/partition/row property</c>.
    /// </summary>
    private async Task<List<string>> FindAsync(string phone, params string[] needles)
    {
        var national = phone["+62".Length..];
        string[] forms = [phone, phone[1..], "0" + national, national, .. needles];
        var storage = _runner.Services.GetRequiredService<StorageAccount>();
        var hits = new List<string>();
        foreach (var table in StorageNames.Tables)
        {
            await foreach (var row in storage.Table(table).QueryAsync<TableEntity>())
            {
                foreach (var (name, value) in row)
                {
                    var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                    if (forms.Any(f => text.Contains(f, StringComparison.OrdinalIgnoreCase)))
                    {
                        hits.Add($"{table}/{row.PartitionKey}/{row.RowKey} {name}");
                    }
                }
            }
        }

        return hits;
    }

    /// <summary>Rows of <paramref name="table"/> with <paramref name="value"/> in a key or a property.</summary>
    private async Task<List<string>> RowsWithAsync(string table, string value)
    {
        var rows = new List<string>();
        await foreach (var row in _runner.Services.GetRequiredService<StorageAccount>().Table(table).QueryAsync<TableEntity>())
        {
            if (row.Any(p => (Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? "").Contains(value, StringComparison.Ordinal)))
            {
                rows.Add($"{row.PartitionKey}/{row.RowKey}");
            }
        }

        return rows;
    }

    /// <summary>Every row of every table with its ETag: equal snapshots mean nothing was written.</summary>
    private async Task<List<string>> SnapshotAsync()
    {
        var storage = _runner.Services.GetRequiredService<StorageAccount>();
        var rows = new List<string>();
        foreach (var table in StorageNames.Tables)
        {
            await foreach (var row in storage.Table(table).QueryAsync<TableEntity>())
            {
                rows.Add($"{table}/{row.PartitionKey}/{row.RowKey} {row.ETag}");
            }
        }

        return rows;
    }

    [GeneratedRegex(@"/api/b/([A-Za-z0-9_-]+)")]
    private static partial Regex BookingToken();

    private sealed class GuardianComparer : IEqualityComparer<Guardian>
    {
        public static readonly GuardianComparer Instance = new();

        public bool Equals(Guardian? x, Guardian? y) => JsonSerializer.Serialize(x) == JsonSerializer.Serialize(y);

        public int GetHashCode(Guardian obj) => JsonSerializer.Serialize(obj).GetHashCode(StringComparison.Ordinal);
    }
}
