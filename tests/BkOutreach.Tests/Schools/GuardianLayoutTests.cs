using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.Schools;

/// <summary>
/// Guardians in their numbers' buckets beside guardians stored before the buckets (all in the partition
/// named by the school id), through the local runner on Azurite: found, listed, changed, re-imported,
/// looked up by an inbound message, sent a campaign and erased, each where it is stored.
/// </summary>
public sealed class GuardianLayoutTests : IAsyncLifetime
{
    // Monday 2027-01-11 09:00 WIB: inside the sending window, the campaign's first wave is due.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private const string Header = "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n";

    private readonly GuardianReads _reads = new();
    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings
    {
        Clock = Clock,
        ConfigureServices = s => s.AddSingleton(new StoragePipelinePolicy(_reads, HttpPipelinePosition.PerCall)),
    });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    private SchoolDirectory Directory => _runner.Services.GetRequiredService<SchoolDirectory>();

    private TableClient Table => _runner.Services.GetRequiredService<StorageAccount>().Table(StorageNames.GuardiansTable);

    [Fact]
    public async Task ImportedGuardians_EachSitInTheirNumbersBucketBesideTheirIndexRow_AndAreFoundWithPointReads()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Families(200));

        var rows = await RowsAsync(journey.SchoolId);
        var guardians = rows.Where(r => r.RowKey.StartsWith("g:", StringComparison.Ordinal)).ToList();
        Assert.Equal(200, guardians.Count);
        Assert.DoesNotContain(rows, r => r.PartitionKey == journey.SchoolId);
        Assert.True(guardians.Select(r => r.PartitionKey).Distinct().Count() >= 16);
        foreach (var row in guardians)
        {
            var guardian = Deserialize(row);
            Assert.Equal(SchoolDirectory.BucketPartition(journey.SchoolId, SchoolDirectory.PhoneBucket(journey.SchoolId, guardian.Phone)), row.PartitionKey);
            var index = Assert.Single(rows, r => r.RowKey == "phone:" + guardian.Phone);
            Assert.Equal(row.PartitionKey, index.PartitionKey);
            Assert.Equal(guardian.Id, index.GetString("GuardianId"));
        }

        var some = Deserialize(guardians[17]);
        await Directory.ListGuardiansAsync(journey.SchoolId, CancellationToken.None);
        _reads.Record(journey.SchoolId);
        var byId = await Directory.GetGuardianAsync(journey.SchoolId, some.Id, CancellationToken.None);
        var idReads = _reads.StopRecording();
        _reads.Record(journey.SchoolId);
        var byPhone = await Directory.FindGuardianByPhoneAsync(journey.SchoolId, some.Phone, CancellationToken.None);
        var phoneReads = _reads.StopRecording();
        _reads.Record(journey.SchoolId);
        Assert.Null(await Directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281399999999", CancellationToken.None));
        var missReads = _reads.StopRecording();

        Assert.Equal(SchoolDirectory.Serialize(some), SchoolDirectory.Serialize(byId!));
        Assert.Equal(SchoolDirectory.Serialize(some), SchoolDirectory.Serialize(byPhone!));
        Assert.Equal(1, idReads);
        Assert.Equal(2, phoneReads);
        Assert.Equal(1, missReads);
    }

    [Fact]
    public async Task GuardiansOfTheOldLayout_AreFoundListedChangedReimportedLookedUpAndErasedWhereTheyAre()
    {
        var journey = new OutreachJourney(_runner);
        var siti = await OldLayoutGuardianAsync(journey.SchoolId, "+6281271234501", "Siti Aminah", "S1");
        var abdul = await OldLayoutGuardianAsync(journey.SchoolId, "+6281373450217", "Abdul Rahman", "S2");
        await journey.CreateSchoolAsync();
        var oldRows = await RowsAsync(journey.SchoolId);

        Assert.Equal(SchoolDirectory.Serialize(siti), SchoolDirectory.Serialize((await Directory.GetGuardianAsync(journey.SchoolId, siti.Id, CancellationToken.None))!));
        Assert.Equal(SchoolDirectory.Serialize(abdul), SchoolDirectory.Serialize((await Directory.FindGuardianByPhoneAsync(journey.SchoolId, abdul.Phone, CancellationToken.None))!));

        // The same two families plus a new one: the old ones are unchanged and not written, the new one goes to its bucket.
        var file = Header + "S1,Siswa S1,X IPA 1,Siti Aminah,081271234501,id,bk-1\nS2,Siswa S2,X IPA 1,Abdul Rahman,081373450217,id,bk-1\nS3,Siswa S3,X IPA 2,Yuliana Sari,085267780034,id,bk-2\n";
        var first = await journey.ImportAsync(file);
        Assert.Equal(1, first.GetProperty("imported").GetInt32());
        Assert.Equal(0, first.GetProperty("updated").GetInt32());
        var yuliana = (await Directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6285267780034", CancellationToken.None))!;
        var afterFirst = await RowsAsync(journey.SchoolId);
        Assert.Equal(Stamps(oldRows), Stamps(afterFirst.Where(r => r.PartitionKey == journey.SchoolId)));
        Assert.Equal(2, afterFirst.Count(r => r.PartitionKey == SchoolDirectory.BucketPartition(journey.SchoolId, SchoolDirectory.PhoneBucket(journey.SchoolId, yuliana.Phone))));

        var listed = await Directory.ListGuardiansAsync(journey.SchoolId, CancellationToken.None);
        Assert.Equal(new[] { siti.Id, abdul.Id, yuliana.Id }.Order(StringComparer.Ordinal), listed.Select(g => g.Id));
        var ids = listed.Select(g => g.Id).ToList();
        Assert.Equal(ids, (await Directory.GuardiansBetweenAsync(journey.SchoolId, ids[0], ids[^1], CancellationToken.None)).Keys.Order(StringComparer.Ordinal));

        var again = await journey.ImportAsync(file);
        Assert.Equal(0, again.GetProperty("imported").GetInt32());
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        Assert.Equal(Stamps(afterFirst), Stamps(await RowsAsync(journey.SchoolId)));

        // A correction of an old guardian's name, then a reply choosing a channel: both change the row where it is.
        var renamed = await journey.ImportAsync(file.Replace("Abdul Rahman", "Abdul Rahman Hakim", StringComparison.Ordinal));
        Assert.Equal(1, renamed.GetProperty("updated").GetInt32());
        var chosen = await Directory.UpdateGuardianAsync(journey.SchoolId, abdul.Id, g => g with { Channel = MessageChannel.Sms }, CancellationToken.None);
        var abdulRows = (await RowsAsync(journey.SchoolId)).Where(r => r.RowKey == "g:" + abdul.Id).ToList();
        var abdulRow = Assert.Single(abdulRows);
        Assert.Equal(journey.SchoolId, abdulRow.PartitionKey);
        Assert.Equal("Abdul Rahman Hakim", Deserialize(abdulRow).Name);
        Assert.Equal(MessageChannel.Sms, Deserialize(abdulRow).Channel);
        Assert.Equal(SchoolDirectory.Serialize(chosen!), abdulRow.GetString("Json"));

        // An inbound message from an old guardian's number reaches their counsellor's inbox.
        var filed = await _runner.Services.GetRequiredService<ParentMessages>().ReceiveAsync(abdul.Phone, "msg-" + Guid.NewGuid().ToString("N"), "Terima kasih", Clock, MessageChannel.Sms, CancellationToken.None);
        Assert.Equal(1, filed);

        var erased = await _runner.Admin.DeleteAsync($"api/admin/schools/{journey.SchoolId}/guardians/{siti.Id}");
        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        var left = await RowsAsync(journey.SchoolId);
        Assert.DoesNotContain(left, r => r.RowKey == "g:" + siti.Id || r.RowKey == "phone:" + siti.Phone);
        Assert.Contains(left, r => r.PartitionKey == journey.SchoolId && r.RowKey == "phone:" + abdul.Phone);
        Assert.Null(await Directory.FindGuardianByPhoneAsync(journey.SchoolId, siti.Phone, CancellationToken.None));
        Assert.Null(await Directory.GetGuardianAsync(journey.SchoolId, siti.Id, CancellationToken.None));

        // Imported again, the erased number is a new guardian with a new id, in its bucket.
        var back = await journey.ImportAsync(file.Replace("Abdul Rahman", "Abdul Rahman Hakim", StringComparison.Ordinal));
        Assert.Equal(1, back.GetProperty("imported").GetInt32());
        var newSiti = (await Directory.FindGuardianByPhoneAsync(journey.SchoolId, siti.Phone, CancellationToken.None))!;
        Assert.NotEqual(siti.Id, newSiti.Id);
        Assert.Equal(SchoolDirectory.BucketPartition(journey.SchoolId, SchoolDirectory.PhoneBucket(journey.SchoolId, siti.Phone)), Assert.Single(await RowsAsync(journey.SchoolId), r => r.RowKey == "g:" + newSiti.Id).PartitionKey);
    }

    [Fact]
    public async Task Campaign_ToASchoolWithGuardiansOfBothLayouts_ReachesEveryOne()
    {
        var journey = new OutreachJourney(_runner);
        var old = new List<Guardian>();
        for (var i = 0; i < 5; i++)
        {
            old.Add(await OldLayoutGuardianAsync(journey.SchoolId, $"+628127000000{i}", $"Wali Lama {i}", $"L{i}"));
        }

        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Families(30));
        var campaign = await journey.CreateCampaignAsync();

        var dispatched = await journey.DispatchAsync(campaign);
        var links = await journey.BookingLinksAsync(campaign, 35);

        Assert.Equal(35, dispatched.GetProperty("waves")[0].GetProperty("recipients").GetInt32());
        Assert.Equal(35, links.Distinct(StringComparer.Ordinal).Count());
        var sentTo = (await journey.OutboxAsync(campaign)).Select(m => m.GetProperty("to").GetString()).ToHashSet(StringComparer.Ordinal);
        Assert.All(old, g => Assert.Contains(g.Phone, sentTo));
        Assert.Equal(35, sentTo.Count);
    }

    /// <summary>A guardian written as the code before the buckets wrote one: guardian and phone index row in the partition named by the school id.</summary>
    private async Task<Guardian> OldLayoutGuardianAsync(string schoolId, string phone, string name, string studentId)
    {
        var guardian = new Guardian(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), schoolId, phone, name, "id", [new Student(studentId, "Siswa " + studentId, "X IPA 1", "bk-1")]);
        await Table.AddEntityAsync(new TableEntity(schoolId, "phone:" + phone) { ["GuardianId"] = guardian.Id });
        await Table.AddEntityAsync(new TableEntity(schoolId, "g:" + guardian.Id) { ["Json"] = SchoolDirectory.Serialize(guardian), ["UpdatedAt"] = Clock });
        return guardian;
    }

    /// <summary>Every guardian and phone index row of the school, in its buckets and in the old single partition (the roster lock row aside).</summary>
    private async Task<List<TableEntity>> RowsAsync(string schoolId)
    {
        var (first, last) = SchoolDirectory.BucketRange(schoolId);
        var rows = new List<TableEntity>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == schoolId || (x.PartitionKey.CompareTo(first) >= 0 && x.PartitionKey.CompareTo(last) <= 0)))
        {
            if (!e.RowKey.StartsWith("lock:", StringComparison.Ordinal))
            {
                rows.Add(e);
            }
        }

        return rows;
    }

    private static List<string> Stamps(IEnumerable<TableEntity> rows) => [.. rows.Select(r => $"{r.PartitionKey}|{r.RowKey}|{r.ETag}").Order(StringComparer.Ordinal)];

    private static Guardian Deserialize(TableEntity row) => System.Text.Json.JsonSerializer.Deserialize<Guardian>(row.GetString("Json")!, SchoolDirectory.Json)!;

    /// <summary>Counts the guardians-table reads that name one school, while recording.</summary>
    private sealed class GuardianReads : HttpPipelinePolicy
    {
        private readonly ConcurrentQueue<string> _reads = new();
        private volatile string? _school;

        public void Record(string schoolId)
        {
            _reads.Clear();
            _school = schoolId;
        }

        public int StopRecording()
        {
            _school = null;
            return _reads.Count;
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
            var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
            if (_school is { } school && message.Request.Method == RequestMethod.Get && uri.Contains("/guardians", StringComparison.Ordinal) && uri.Contains(school, StringComparison.Ordinal))
            {
                _reads.Enqueue(uri);
            }
        }
    }
}
