using Azure.Data.Tables;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Storage;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Outreach;

/// <summary>
/// The send log's rows under concurrent writers (Azurite): a delivery report can come back before the sender
/// has written the send's outcome, and neither write may undo the other.
/// </summary>
public sealed class SendLogTests : IAsyncLifetime
{
    private static readonly DateTimeOffset First = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private readonly string _campaign = "c-" + Guid.NewGuid().ToString("N")[..8];
    private StorageAccount _storage = null!;
    private SendLog _log = null!;

    public async Task InitializeAsync()
    {
        _storage = await TestStorage.CreateAsync();
        _log = new SendLog(_storage);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task DeliveryReportBeforeTheOutcomeIsWritten_StaysDelivered_AndGetsTheMessageId()
    {
        var pending = await PendingAsync("g1");

        // The provider's report is handled while the sender is still between its call and its write.
        Assert.True(await _log.RecordDeliveryAsync(pending.Key, delivered: true, "Delivered", CancellationToken.None));
        await _log.FinishAsync("s", _campaign, 0, [pending with { State = SendState.Accepted, MessageId = "m-1" }], CancellationToken.None);

        var row = await _log.GetAsync("s", _campaign, 0, "g1", CancellationToken.None);
        Assert.Equal((SendState.Delivered, "m-1", "Delivered"), (row!.State, row.MessageId, row.Detail));
    }

    [Fact]
    public async Task OutcomeThenReport_EndsDelivered_AndAFailedReportAfterTheOutcomeIsKeptToo()
    {
        var delivered = await PendingAsync("g1");
        var failed = await PendingAsync("g2");
        await _log.FinishAsync("s", _campaign, 0, [delivered with { State = SendState.Accepted, MessageId = "m-1" }, failed with { State = SendState.Accepted, MessageId = "m-2" }], CancellationToken.None);
        Assert.Equal(SendState.Accepted, (await _log.GetAsync("s", _campaign, 0, "g1", CancellationToken.None))!.State);

        Assert.True(await _log.RecordDeliveryAsync(delivered.Key, delivered: true, "Delivered", CancellationToken.None));
        Assert.True(await _log.RecordDeliveryAsync(failed.Key, delivered: false, "Blocked", CancellationToken.None));

        var one = await _log.GetAsync("s", _campaign, 0, "g1", CancellationToken.None);
        var two = await _log.GetAsync("s", _campaign, 0, "g2", CancellationToken.None);
        Assert.Equal((SendState.Delivered, "m-1"), (one!.State, one.MessageId));
        Assert.Equal((SendState.Failed, "m-2", "Blocked"), (two!.State, two.MessageId, two.Detail));
    }

    [Fact]
    public async Task ASecondAttemptsOutcome_DoesNotOverwriteTheFirstAttemptsFinishedRow()
    {
        var pending = await PendingAsync("g1");
        await _log.FinishAsync("s", _campaign, 0, [pending with { State = SendState.Accepted, MessageId = "m-first" }], CancellationToken.None);

        // A redelivered queue message sent under the same key, holding the pending row's old ETag.
        await _log.FinishAsync("s", _campaign, 0, [pending with { State = SendState.Rejected, Detail = "late duplicate" }], CancellationToken.None);

        var row = await _log.GetAsync("s", _campaign, 0, "g1", CancellationToken.None);
        Assert.Equal((SendState.Accepted, "m-first"), (row!.State, row.MessageId));
    }

    [Fact]
    public async Task AReportForAnUnknownMessage_IsFalse_AndWritesNothing()
    {
        var key = SendLog.KeyOf("s", _campaign, 0, "nobody");
        Assert.False(await _log.RecordDeliveryAsync(key, delivered: true, "Delivered", CancellationToken.None));
        Assert.Null(await _log.GetAsync("s", _campaign, 0, "nobody", CancellationToken.None));
    }

    [Fact]
    public async Task AWriteOverARowThatChangedSinceItWasRead_Throws_AndLeavesTheRowAsItIs()
    {
        var pending = await PendingAsync("g1");
        Assert.True(await _log.RecordDeliveryAsync(pending.Key, delivered: true, "Delivered", CancellationToken.None));

        // A second handling of the batch that read the pending row before the report came back.
        await Assert.ThrowsAsync<SendLogChangedException>(() => _log.WriteAsync("s", _campaign, 0, [pending with { State = SendState.SkippedOptedOut }], CancellationToken.None));
        // One that read no row at all, while the first had already added it.
        await Assert.ThrowsAsync<SendLogChangedException>(() => _log.WriteAsync("s", _campaign, 0, [Pending("s", "g1")], CancellationToken.None));

        Assert.Equal(SendState.Delivered, (await _log.GetAsync("s", _campaign, 0, "g1", CancellationToken.None))!.State);
    }

    [Fact]
    public async Task TwoSchoolsWithTheSameCampaignId_WriteToTheirOwnPartitions_AndReadOnlyTheirOwnRows()
    {
        await _log.WriteAsync("s1", _campaign, 0, [Pending("s1", "g-a"), Pending("s1", "g-b")], CancellationToken.None);
        await _log.WriteAsync("s2", _campaign, 0, [Pending("s2", "g-c")], CancellationToken.None);

        Assert.Equal(["g-a", "g-b"], await PartitionRowsAsync(SendLog.PartitionOf("s1", _campaign, 0)));
        Assert.Equal(["g-c"], await PartitionRowsAsync(SendLog.PartitionOf("s2", _campaign, 0)));
        Assert.Empty(await PartitionRowsAsync(SendLog.LegacyPartitionOf(_campaign, 0)));
        Assert.Equal(["g-a", "g-b"], (await _log.ReadRangeAsync("s1", _campaign, 0, "g-a", "g-z", CancellationToken.None)).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["g-c"], await WaveRowsAsync("s2"));
        Assert.Null(await _log.GetAsync("s2", _campaign, 0, "g-a", CancellationToken.None));
    }

    [Fact]
    public async Task RowsOfTheOldSharedPartition_AreRead_FinishedWhereTheyAre_Reported_AndErased()
    {
        // A wave begun before the send log was keyed by school: rows of two schools in the shared partition.
        var table = _storage.Table(StorageNames.SendsTable);
        var legacy = SendLog.LegacyPartitionOf(_campaign, 0);
        foreach (var (school, guardian) in new[] { ("s1", "g-old"), ("s2", "g-other") })
        {
            await table.AddEntityAsync(new TableEntity(legacy, guardian)
            {
                ["Key"] = SendLog.KeyOf(school, _campaign, 0, guardian),
                ["State"] = nameof(SendState.Pending),
                ["FirstAttemptAt"] = First,
            });
        }

        var read = await _log.ReadRangeAsync("s1", _campaign, 0, "g-a", "g-z", CancellationToken.None);
        var old = Assert.Single(read.Values);
        Assert.Equal(("g-old", legacy), (old.GuardianId, old.Partition));

        // The retried batch writes the old row where it is and a new guardian's row in the school's partition.
        var written = await _log.WriteAsync("s1", _campaign, 0, [old with { State = SendState.Pending }, Pending("s1", "g-new")], CancellationToken.None);
        await _log.FinishAsync("s1", _campaign, 0, [.. written.Select(r => r with { State = SendState.Accepted, MessageId = "m-" + r.GuardianId })], CancellationToken.None);
        Assert.Equal(["g-old", "g-other"], await PartitionRowsAsync(legacy));
        Assert.Equal(["g-new"], await PartitionRowsAsync(SendLog.PartitionOf("s1", _campaign, 0)));
        Assert.Equal(["g-new", "g-old"], await WaveRowsAsync("s1"));

        Assert.True(await _log.RecordDeliveryAsync(old.Key, delivered: true, "Delivered", CancellationToken.None));
        var delivered = await _log.GetAsync("s1", _campaign, 0, "g-old", CancellationToken.None);
        Assert.Equal((SendState.Delivered, "m-g-old", legacy), (delivered!.State, delivered.MessageId, delivered.Partition));

        // A key from before the school was in keys is looked up in the old partition only.
        Assert.True(await _log.RecordDeliveryAsync($"campaign:{_campaign}:wave:0:guardian:g-other", delivered: false, "Blocked", CancellationToken.None));
        Assert.Equal(SendState.Failed, (await _log.GetAsync(null, _campaign, 0, "g-other", CancellationToken.None))!.State);

        Assert.Equal(1, await _log.DeleteAsync("s1", _campaign, 0, "g-old", CancellationToken.None));
        Assert.Equal(1, await _log.DeleteAsync("s1", _campaign, 0, "g-new", CancellationToken.None));
        Assert.Equal(["g-other"], await PartitionRowsAsync(legacy));
        Assert.Empty(await WaveRowsAsync("s1"));
    }

    private SendRecord Pending(string school, string guardianId) =>
        new(guardianId, SendLog.KeyOf(school, _campaign, 0, guardianId), SendState.Pending, First, null, null, default);

    private async Task<List<string>> PartitionRowsAsync(string partition)
    {
        var rows = new List<string>();
        await foreach (var row in _storage.Table(StorageNames.SendsTable).QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"]))
        {
            rows.Add(row.RowKey);
        }

        return [.. rows.Order(StringComparer.Ordinal)];
    }

    private async Task<List<string>> WaveRowsAsync(string school)
    {
        var rows = new List<string>();
        await foreach (var row in _log.ListWaveAsync(school, _campaign, 0, ["State"], CancellationToken.None))
        {
            rows.Add(row.RowKey);
        }

        return [.. rows.Order(StringComparer.Ordinal)];
    }

    private async Task<SendRecord> PendingAsync(string guardianId)
    {
        var key = SendLog.KeyOf("s", _campaign, 0, guardianId);
        var written = await _log.WriteAsync("s", _campaign, 0, [new SendRecord(guardianId, key, SendState.Pending, First, null, null, default)], CancellationToken.None);
        return Assert.Single(written);
    }
}
