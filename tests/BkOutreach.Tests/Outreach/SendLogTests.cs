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
        await _log.FinishAsync(_campaign, 0, [pending with { State = SendState.Accepted, MessageId = "m-1" }], CancellationToken.None);

        var row = await _log.GetAsync(_campaign, 0, "g1", CancellationToken.None);
        Assert.Equal((SendState.Delivered, "m-1", "Delivered"), (row!.State, row.MessageId, row.Detail));
    }

    [Fact]
    public async Task OutcomeThenReport_EndsDelivered_AndAFailedReportAfterTheOutcomeIsKeptToo()
    {
        var delivered = await PendingAsync("g1");
        var failed = await PendingAsync("g2");
        await _log.FinishAsync(_campaign, 0, [delivered with { State = SendState.Accepted, MessageId = "m-1" }, failed with { State = SendState.Accepted, MessageId = "m-2" }], CancellationToken.None);
        Assert.Equal(SendState.Accepted, (await _log.GetAsync(_campaign, 0, "g1", CancellationToken.None))!.State);

        Assert.True(await _log.RecordDeliveryAsync(delivered.Key, delivered: true, "Delivered", CancellationToken.None));
        Assert.True(await _log.RecordDeliveryAsync(failed.Key, delivered: false, "Blocked", CancellationToken.None));

        var one = await _log.GetAsync(_campaign, 0, "g1", CancellationToken.None);
        var two = await _log.GetAsync(_campaign, 0, "g2", CancellationToken.None);
        Assert.Equal((SendState.Delivered, "m-1"), (one!.State, one.MessageId));
        Assert.Equal((SendState.Failed, "m-2", "Blocked"), (two!.State, two.MessageId, two.Detail));
    }

    [Fact]
    public async Task ASecondAttemptsOutcome_DoesNotOverwriteTheFirstAttemptsFinishedRow()
    {
        var pending = await PendingAsync("g1");
        await _log.FinishAsync(_campaign, 0, [pending with { State = SendState.Accepted, MessageId = "m-first" }], CancellationToken.None);

        // A redelivered queue message sent under the same key, holding the pending row's old ETag.
        await _log.FinishAsync(_campaign, 0, [pending with { State = SendState.Rejected, Detail = "late duplicate" }], CancellationToken.None);

        var row = await _log.GetAsync(_campaign, 0, "g1", CancellationToken.None);
        Assert.Equal((SendState.Accepted, "m-first"), (row!.State, row.MessageId));
    }

    [Fact]
    public async Task AReportForAnUnknownMessage_IsFalse_AndWritesNothing()
    {
        var key = SendLog.KeyOf("s", _campaign, 0, "nobody");
        Assert.False(await _log.RecordDeliveryAsync(key, delivered: true, "Delivered", CancellationToken.None));
        Assert.Null(await _log.GetAsync(_campaign, 0, "nobody", CancellationToken.None));
    }

    private async Task<SendRecord> PendingAsync(string guardianId)
    {
        var key = SendLog.KeyOf("s", _campaign, 0, guardianId);
        var written = await _log.WriteAsync(_campaign, 0, [new SendRecord(guardianId, key, SendState.Pending, First, null, null, default)], CancellationToken.None);
        return Assert.Single(written);
    }
}
