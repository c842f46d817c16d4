using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.Outreach;

/// <summary>
/// The roster as the truth for the students it lists, through the local runner on Azurite: custody
/// changes, one number one name, sizes, all-or-nothing writes, two imports at once, full sync, re-import.
/// </summary>
public sealed partial class RosterImportTests : IAsyncLifetime
{
    // Monday 2027-01-11 09:00 WIB: inside the sending window, the campaign's first wave is due.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private const string Header = "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n";
    private const string OldPhone = "+6281234567061";
    private const string NewPhone = "+6281234567062";

    private readonly StorageRequests _requests = new();
    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings
    {
        Clock = Clock,
        ConfigureServices = s => s.AddSingleton(new StoragePipelinePolicy(_requests, HttpPipelinePosition.PerCall)),
    });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task CustodyChange_OnlyTheNewNumberGetsOutreachAndCanBook_TheOldLinkStopsWorking()
    {
        var journey = await SchoolAsync();
        await journey.ImportAsync(Header + "M1,Maya Sari,X IPA 1,Ibu Lama,081234567061,id,bk-1\n");
        var oldGuardian = (await GuardianAsync(journey, OldPhone))!;
        var before = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(before);
        var oldToken = await TokenAsync(before, oldGuardian);
        Assert.Equal(HttpStatusCode.OK, (await _runner.Http.GetAsync($"api/links/{oldToken}/slots")).StatusCode);

        var changed = await journey.ImportAsync(Header + "M1,Maya Sari,X IPA 1,Ibu Baru,081234567062,id,bk-1\n");

        var newGuardian = await GuardianAsync(journey, NewPhone);
        var moved = Assert.Single(changed.GetProperty("moved").EnumerateArray());
        Assert.Equal("M1", moved.GetProperty("student").GetString());
        Assert.Equal(oldGuardian.Id, moved.GetProperty("from").GetString());
        Assert.Equal(newGuardian!.Id, moved.GetProperty("to").GetString());
        Assert.Equal([oldGuardian.Id], changed.GetProperty("removed").EnumerateArray().Select(r => r.GetString()));
        Assert.DoesNotContain("+62", changed.GetRawText(), StringComparison.Ordinal);
        Assert.Null(await GuardianAsync(journey, OldPhone));
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.GetAsync($"api/links/{oldToken}/slots")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Http.GetAsync($"api/b/{oldToken}")).StatusCode);

        var after = await journey.CreateCampaignAsync();
        var dispatched = await journey.DispatchAsync(after);
        var newToken = await TokenAsync(after, newGuardian);
        var slot = (await SlotsAsync(newToken))[0];
        var booked = await _runner.Http.PostAsync($"api/links/{newToken}/booking", OutreachJourney.Json(new { slotId = slot }));

        Assert.Equal(1, dispatched.GetProperty("waves")[0].GetProperty("recipients").GetInt32());
        Assert.Equal([NewPhone], (await journey.OutboxAsync(after)).Select(m => m.GetProperty("to").GetString()));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
    }

    [Fact]
    public async Task ChildMovedFromAGuardianWithAnotherChild_CancelsTheBookingAboutHer_AndHerCounsellorIsNoLongerOffered()
    {
        var journey = await SchoolAsync();
        await journey.ImportAsync(Header + "M1,Maya Sari,X IPA 1,Ibu Lama,081234567061,id,bk-1\nM2,Dimas,XI IPS 1,Ibu Lama,081234567061,id,bk-2\n");
        var lama = (await GuardianAsync(journey, OldPhone))!;
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        var token = await TokenAsync(campaign, lama);
        var bk1Slot = (await SlotsAsync(token)).First(s => s.Contains("bk-1", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, (await _runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = bk1Slot }))).StatusCode);

        var changed = await journey.ImportAsync(Header + "M1,Maya Sari,X IPA 1,Ibu Baru,081234567062,id,bk-1\n");

        Assert.Equal(0, changed.GetProperty("removed").GetArrayLength());
        Assert.Equal(["M2"], (await GuardianAsync(journey, OldPhone))!.Students.Select(s => s.Id));
        var bookings = await _runner.Services.GetRequiredService<BkOutreach.Core.Booking.BookingStore>().ListAsync(journey.SchoolId, "bk-1", CancellationToken.None);
        var booking = Assert.Single(bookings, b => b.GuardianId == lama.Id);
        Assert.Equal(BkOutreach.Core.Booking.BookingStatus.Cancelled, booking.Status);
        Assert.Empty(booking.StudentIds);
        var offered = await SlotsAsync(token);
        Assert.NotEmpty(offered);
        Assert.DoesNotContain(offered, s => s.Contains("bk-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnePhoneWithTwoNames_SecondRowIsRejectedWithItsReason_NotMerged()
    {
        var journey = await SchoolAsync();

        var result = await journey.ImportAsync(Header +
            "S1,Nurul,X IPA 1,Siti Aminah,081271234501,id,bk-1\n" +
            "S2,Rizki,X IPA 1,SITI  aminah,0812-7123-4501,id,bk-1\n" +
            "S3,Bayu,X IPA 2,Abdul Rahman,081271234501,id,bk-1\n");

        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray());
        Assert.Equal(4, rejected.GetProperty("row").GetInt32());
        Assert.Contains("one number is one guardian", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var guardian = (await GuardianAsync(journey, "+6281271234501"))!;
        Assert.Equal("Siti Aminah", guardian.Name);
        Assert.Equal(["S1", "S2"], guardian.Students.Select(s => s.Id));
    }

    [Fact]
    public async Task NumberOfAnEarlierGuardianUnderAnotherName_IsRejectedUnlessTheFileRenamesThemWithAllTheirChildren()
    {
        var journey = await SchoolAsync();
        await journey.ImportAsync(Header + "S1,Nurul,X IPA 1,Siti Aminah,081271234501,id,bk-1\n");

        var secondFamily = await journey.ImportAsync(Header + "S2,Rizki,X IPA 2,Budi Santoso,081271234501,id,bk-1\n");
        var renamed = await journey.ImportAsync(Header + "S1,Nurul,X IPA 1,Siti Aminah Putri,081271234501,id,bk-1\n");

        var rejected = Assert.Single(secondFamily.GetProperty("rejected").EnumerateArray());
        Assert.Equal(2, rejected.GetProperty("row").GetInt32());
        Assert.Contains("guardian 'Siti Aminah' (an earlier import)", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, secondFamily.GetProperty("updated").GetInt32());
        Assert.Equal(1, renamed.GetProperty("updated").GetInt32());
        Assert.Equal(0, renamed.GetProperty("rejected").GetArrayLength());
        var guardian = (await GuardianAsync(journey, "+6281271234501"))!;
        Assert.Equal("Siti Aminah Putri", guardian.Name);
        Assert.Equal(["S1"], guardian.Students.Select(s => s.Id));
    }

    [Fact]
    public async Task HugeNameOnRow61_IsARejectedRow_AndNothingOfItIsStored()
    {
        var journey = await SchoolAsync();
        var csv = new StringBuilder(Header);
        for (var i = 0; i < 59; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"S{i},Siswa {i},X IPA 1,Wali {i},08131{i:0000000},id,bk-1\n");
        }

        csv.Append("S59,").Append('x', 40_000).Append(",X IPA 1,Wali Besar,081399999999,id,bk-1\n");

        var result = await journey.ImportAsync(csv.ToString());

        Assert.Equal(59, result.GetProperty("imported").GetInt32());
        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray());
        Assert.Equal(61, rejected.GetProperty("row").GetInt32());
        Assert.Contains("student_name is longer than 200 characters (40000)", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Null(await GuardianAsync(journey, "+6281399999999"));
    }

    [Fact]
    public async Task StorageFailingMidImport_Answers503_AndLeavesNothingWritten_ThenTheSameFileImports()
    {
        var journey = await SchoolAsync();
        var roster = ReliabilityRoster(250);
        var batches = 0;
        _requests.Fail = (method, target, body) => method == "POST" && target == "$batch" && body.Contains(journey.SchoolId, StringComparison.Ordinal) && Interlocked.Increment(ref batches) == 3;

        var failed = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/roster", new StringContent(roster, Encoding.UTF8, "text/csv"));
        _requests.Fail = null;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.True(failed.Headers.RetryAfter is not null);
        var left = await _runner.Services.GetRequiredService<SchoolDirectory>().ReadRosterAsync(journey.SchoolId, CancellationToken.None);
        Assert.Empty(left.Guardians);
        Assert.Empty(left.Phones);
        var again = await journey.ImportAsync(roster);
        Assert.Equal(250, again.GetProperty("imported").GetInt32());
    }

    [Fact]
    public async Task TwoImportsOfTheSameNewRosterAtOnce_BothSucceed_OneGuardianPerNumber()
    {
        var journey = await SchoolAsync();
        var roster = ReliabilityRoster(300);

        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/roster", new StringContent(roster, Encoding.UTF8, "text/csv"))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var imported = new List<int>();
        foreach (var answer in answers)
        {
            imported.Add((await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("imported").GetInt32());
        }

        Assert.Equal([0, 300], imported.Order());
        var stored = await _runner.Services.GetRequiredService<SchoolDirectory>().ReadRosterAsync(journey.SchoolId, CancellationToken.None);
        Assert.Equal(300, stored.Guardians.Count);
        Assert.Equal(300, stored.Phones.Count);
    }

    [Fact]
    public async Task ImportWhileTheSchoolsRosterIsLocked_WaitsAndRunsOnceTheLockIsReleased()
    {
        var journey = await SchoolAsync();
        var directory = _runner.Services.GetRequiredService<SchoolDirectory>();
        var released = false;
        var held = (await directory.LockRosterAsync(journey.SchoolId, TimeSpan.FromMinutes(5), TimeSpan.Zero, CancellationToken.None))!;

        var import = _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/roster", new StringContent(ReliabilityRoster(3), Encoding.UTF8, "text/csv"))
            .ContinueWith(t => (Response: t.Result, ReleasedBefore: Volatile.Read(ref released)), TaskScheduler.Default);
        Assert.Null(await directory.LockRosterAsync(journey.SchoolId, TimeSpan.FromMinutes(5), TimeSpan.Zero, CancellationToken.None));
        Volatile.Write(ref released, true);
        await held.DisposeAsync();
        var (response, releasedBefore) = await import;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(releasedBefore);
        Assert.Equal(3, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("imported").GetInt32());
    }

    [Fact]
    public async Task LockLeftByADeadImport_IsTakenOverOnceItsLeaseRunsOut()
    {
        var journey = await SchoolAsync();
        var directory = _runner.Services.GetRequiredService<SchoolDirectory>();
        Assert.NotNull(await directory.LockRosterAsync(journey.SchoolId, TimeSpan.FromMilliseconds(200), TimeSpan.Zero, CancellationToken.None));

        var result = await journey.ImportAsync(ReliabilityRoster(2));

        Assert.Equal(2, result.GetProperty("imported").GetInt32());
    }

    [Fact]
    public async Task FullSync_RemovesGuardiansOfStudentsNoLongerInTheFile_MergeKeepsThem()
    {
        var journey = await SchoolAsync();
        await journey.ImportAsync(Header +
            "S1,Nurul,X IPA 1,Siti Aminah,081271234501,id,bk-1\n" +
            "S2,Rizki,X IPA 1,Abdul Rahman,081373450217,id,bk-1\n" +
            "S3,Bayu,X IPA 2,Abdul Rahman,081373450217,id,bk-2\n" +
            "S4,Dewi,X IPA 2,Hendra,082177905512,id,bk-2\n");
        var abdul = (await GuardianAsync(journey, "+6281373450217"))!;
        var hendra = (await GuardianAsync(journey, "+6282177905512"))!;
        const string OnlyS1AndS2 = Header + "S1,Nurul,X IPA 1,Siti Aminah,081271234501,id,bk-1\nS2,Rizki,X IPA 1,Abdul Rahman,081373450217,id,bk-1\n";

        var merged = await journey.ImportAsync(OnlyS1AndS2);
        Assert.Equal(0, merged.GetProperty("removed").GetArrayLength());
        Assert.Equal(["S2", "S3"], (await GuardianAsync(journey, "+6281373450217"))!.Students.Select(s => s.Id));

        var response = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/roster?mode=full", new StringContent(OnlyS1AndS2, Encoding.UTF8, "text/csv"));
        var full = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([hendra.Id], full.GetProperty("removed").EnumerateArray().Select(r => r.GetString()));
        Assert.Null(await GuardianAsync(journey, "+6282177905512"));
        Assert.Equal(["S2"], (await GuardianAsync(journey, "+6281373450217"))!.Students.Select(s => s.Id));
        Assert.Equal(abdul.Id, (await GuardianAsync(journey, "+6281373450217"))!.Id);
        Assert.NotNull(await GuardianAsync(journey, "+6281271234501"));
        var bad = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/roster?mode=everything", new StringContent(OnlyS1AndS2, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Reimport_ChangesNothing_AndWritesNothingButTheLock()
    {
        var journey = await SchoolAsync();
        var roster = ReliabilityRoster(150) + "T1,Adik,X IPA 2,Wali 3,08121" + 3.ToString("D7", System.Globalization.CultureInfo.InvariantCulture) + ",id,bk-2\n";
        await journey.ImportAsync(roster);
        var before = await _runner.Services.GetRequiredService<SchoolDirectory>().ReadRosterAsync(journey.SchoolId, CancellationToken.None);

        _requests.Record(journey.SchoolId);
        var again = await journey.ImportAsync(roster);
        var writes = _requests.StopRecording();

        Assert.Equal(0, again.GetProperty("imported").GetInt32());
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        Assert.Equal(0, again.GetProperty("moved").GetArrayLength());
        Assert.Equal(["DELETE guardians", "POST guardians"], writes.Order(StringComparer.Ordinal));
        var after = await _runner.Services.GetRequiredService<SchoolDirectory>().ReadRosterAsync(journey.SchoolId, CancellationToken.None);
        Assert.Equal(before.Guardians.ToDictionary(g => g.Key, g => g.Value.ETag), after.Guardians.ToDictionary(g => g.Key, g => g.Value.ETag));
        Assert.Equal(150, after.Guardians.Count);
    }

    [Fact]
    public async Task OversizedRoster_Gets413WithAJsonBodyNamingTheLimit()
    {
        var journey = await SchoolAsync();
        var body = new StringBuilder(Header);
        var line = "S0000000,Siswa Dengan Nama Yang Cukup Panjang,X IPA 1,Wali Dengan Nama Panjang,081310000000,id,bk-1\n";
        while (body.Length <= RosterCsv.MaxBytes)
        {
            body.Append(line);
        }

        // 100-continue: a route answering 413 from Content-Length alone closes the connection, and a client
        // still writing the body would see that instead of the answer (as in BadInputTests).
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = _runner.Admin.BaseAddress };
        client.DefaultRequestHeaders.Add("x-functions-key", TestRunner.AdminKey);
        client.DefaultRequestHeaders.ExpectContinue = true;
        var response = await client.PostAsync($"api/admin/schools/{journey.SchoolId}/roster", new StringContent(body.ToString(), Encoding.UTF8, "text/csv"));
        var chunked = new StreamContent(new NoLengthStream(Encoding.UTF8.GetBytes(body.ToString())));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var withoutLength = await client.PostAsync($"api/admin/schools/{journey.SchoolId}/roster", chunked);

        foreach (var answer in new[] { response, withoutLength })
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
            var json = await answer.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("body_too_large", json.GetProperty("error").GetString());
            Assert.Contains("4194304 bytes", json.GetProperty("problems")[0].GetString(), StringComparison.Ordinal);
        }

        Assert.Empty((await _runner.Services.GetRequiredService<SchoolDirectory>().ReadRosterAsync(journey.SchoolId, CancellationToken.None)).Guardians);
    }

    [Fact]
    public async Task Windows1252Roster_IsStoredAsWritten_WithItsCharsetOrWithout_AndFalseUtf8Gets400()
    {
        var journey = await SchoolAsync();
        byte[] Row(string id, string phone) => [.. Encoding.ASCII.GetBytes($"{id},Ren"), 0xE9, .. Encoding.ASCII.GetBytes(" M"), 0xFC, .. Encoding.ASCII.GetBytes($"ller,X 1,Ibu,{phone},id,bk-1\r\n")];
        byte[] declared = [.. Encoding.ASCII.GetBytes(Header), .. Row("W1", "081255557771")];
        byte[] undeclared = [.. Encoding.ASCII.GetBytes(Header), .. Row("W2", "081255557772")];
        byte[] inAForm = [.. Encoding.ASCII.GetBytes(Header), .. Row("W3", "081255557773")];

        using var asDeclared = await PostRosterAsync(journey, declared, "text/csv; charset=windows-1252");
        using var asSent = await PostRosterAsync(journey, undeclared, "text/csv");
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(inAForm);
        part.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("text/csv; charset=iso-8859-1");
        form.Add(part, "file", "kelas-x.csv");
        using var asFile = await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/roster", form);
        using var falseUtf8 = await PostRosterAsync(journey, [.. Encoding.ASCII.GetBytes(Header), .. Row("W4", "081255557774")], "text/csv; charset=utf-8");

        foreach (var (answer, phone) in new[] { (asDeclared, "+6281255557771"), (asSent, "+6281255557772"), (asFile, "+6281255557773") })
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("René Müller", Assert.Single((await GuardianAsync(journey, phone))!.Students).Name);
        }

        Assert.Equal(HttpStatusCode.BadRequest, falseUtf8.StatusCode);
        Assert.Contains("line 2 is not valid UTF-8", (await falseUtf8.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("problems")[0].GetString(), StringComparison.Ordinal);
        Assert.Null(await GuardianAsync(journey, "+6281255557774"));
    }

    [Fact]
    public async Task ColumnNamedTwice_Gets400NamingIt_AndNothingIsStored()
    {
        var journey = await SchoolAsync();

        using var response = await PostRosterAsync(journey, Encoding.UTF8.GetBytes(Header.TrimEnd('\n') + ",class\nS1,Nurul,X 1,Siti,081271234501,id,bk-1,X 2\n"), "text/csv");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid", json.GetProperty("error").GetString());
        Assert.Contains("column class (columns 3 and 8) twice", json.GetProperty("problems")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty((await _runner.Services.GetRequiredService<SchoolDirectory>().ReadRosterAsync(journey.SchoolId, CancellationToken.None)).Guardians);
    }

    [Fact]
    public async Task UnclosedQuote_RejectsOnlyItsRow_TheRowsAfterItAreImported()
    {
        var journey = await SchoolAsync();

        var result = await journey.ImportAsync(Header +
            "M008,\"Ana,X 1,Bapak,081244440008,id,bk-1\n" +
            "M009,Ani,X 1,Ibu,081244440009,id,bk-1\n" +
            "M010,\"Budi, Putra\",X 1,Ibu Budi,081244440010,id,bk-1\n");

        var rejected = Assert.Single(result.GetProperty("rejected").EnumerateArray());
        Assert.Equal(2, rejected.GetProperty("row").GetInt32());
        Assert.Contains("opened in this row is never closed", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, result.GetProperty("imported").GetInt32());
        Assert.Null(await GuardianAsync(journey, "+6281244440008"));
        Assert.Equal("Ani", Assert.Single((await GuardianAsync(journey, "+6281244440009"))!.Students).Name);
        Assert.Equal("Budi, Putra", Assert.Single((await GuardianAsync(journey, "+6281244440010"))!.Students).Name);
    }

    [Fact]
    public async Task SiblingRowGivingAnotherLanguage_IsRejectedNamingTheFirst_And0062NumbersMerge_ReimportChangesNothing()
    {
        var journey = await SchoolAsync();
        var roster = Header +
            "S1,Nurul,X IPA 1,Siti Aminah,081271234501,en,bk-1\n" +
            "S2,Rizki,X IPA 2,Siti Aminah,0062 812-7123-4501,,bk-1\n" +
            "S3,Bayu,X IPA 3,Siti Aminah,006281271234501,id,bk-1\n";

        var first = await journey.ImportAsync(roster);
        var again = await journey.ImportAsync(roster);

        var rejected = Assert.Single(first.GetProperty("rejected").EnumerateArray());
        Assert.Equal(4, rejected.GetProperty("row").GetInt32());
        Assert.Contains("language is id here but en in row 2", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var siti = (await GuardianAsync(journey, "+6281271234501"))!;
        Assert.Equal("en", siti.Language);
        Assert.Equal(["S1", "S2"], siti.Students.Select(s => s.Id));
        Assert.Equal(0, again.GetProperty("imported").GetInt32());
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        Assert.Equal(rejected.GetRawText(), Assert.Single(again.GetProperty("rejected").EnumerateArray()).GetRawText());
    }

    private async Task<HttpResponseMessage> PostRosterAsync(OutreachJourney journey, byte[] csv, string contentType)
    {
        using var body = new ByteArrayContent(csv);
        body.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return await _runner.Admin.PostAsync($"api/admin/schools/{journey.SchoolId}/roster", body);
    }

    private static string ReliabilityRoster(int families) => Reliability.ReliabilityKit.Roster(families);

    private async Task<OutreachJourney> SchoolAsync()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        return journey;
    }

    private Task<Guardian?> GuardianAsync(OutreachJourney journey, string phone) =>
        _runner.Services.GetRequiredService<SchoolDirectory>().FindGuardianByPhoneAsync(journey.SchoolId, phone, CancellationToken.None);

    private async Task<string> TokenAsync(string campaign, Guardian guardian)
    {
        var key = SendLog.KeyOf(guardian.SchoolId, campaign, 0, guardian.Id);
        var messages = await Poll.UntilAsync(
            async () => (await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray().Where(m => m.GetProperty("idempotencyKey").GetString() == key).ToList(),
            m => m.Count > 0);
        var outreach = Assert.Single(messages);
        return BookingToken().Match(outreach.GetProperty("body").GetString()!).Groups[1].Value;
    }

    private async Task<List<string>> SlotsAsync(string token) =>
        [.. (await _runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];

    [GeneratedRegex(@"/api/b/([A-Za-z0-9_-]+)")]
    private static partial Regex BookingToken();

    /// <summary>A body sent without Content-Length (chunked), as a client streaming a file does.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    /// <summary>
    /// Sees every storage request the runner makes: can fail chosen ones before they are sent (storage
    /// answering 500), and records the writes that name one school (in the URL or the body).
    /// </summary>
    private sealed class StorageRequests : HttpPipelinePolicy
    {
        private readonly ConcurrentQueue<string> _writes = new();
        private volatile string? _school;

        public Func<string, string, string, bool>? Fail { get; set; }

        public void Record(string schoolId)
        {
            _writes.Clear();
            _school = schoolId;
        }

        public List<string> StopRecording()
        {
            _school = null;
            return [.. _writes];
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Inspect(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Inspect(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Inspect(HttpMessage message)
        {
            var method = message.Request.Method.ToString();
            var segments = message.Request.Uri.Path.Trim('/').Split('/');
            var target = segments.Length > 1 ? segments[1] : segments[0];
            var paren = target.IndexOf('(', StringComparison.Ordinal);
            target = Uri.UnescapeDataString(paren >= 0 ? target[..paren] : target);
            var body = "";
            if (message.Request.Content is { } content)
            {
                using var buffer = new MemoryStream();
                content.WriteTo(buffer, CancellationToken.None);
                body = Encoding.UTF8.GetString(buffer.ToArray());
            }

            if (_school is { } school && method != "GET" && (Uri.UnescapeDataString(message.Request.Uri.ToString()).Contains(school, StringComparison.Ordinal) || body.Contains(school, StringComparison.Ordinal)))
            {
                _writes.Enqueue($"{method} {target}");
            }

            if (Fail?.Invoke(method, target, body) == true)
            {
                throw new RequestFailedException(500, "Injected storage failure");
            }
        }
    }
}
