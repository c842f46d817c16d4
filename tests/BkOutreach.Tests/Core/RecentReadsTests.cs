using BkOutreach.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Core;

public sealed class RecentReadsTests
{
    private sealed record Doc(int Version);

    [Fact]
    public async Task ADocument_IsReadAgainOnlyAfterItsTimeOrAfterForget()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero));
        var recent = new RecentReads(time);
        var reads = 0;
        Task<Doc?> Read(CancellationToken _) => Task.FromResult<Doc?>(new Doc(++reads));

        var first = await recent.GetAsync("k", Read, CancellationToken.None);
        time.Advance(RecentReads.For - TimeSpan.FromSeconds(1));
        var cached = await recent.GetAsync("k", Read, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var expired = await recent.GetAsync("k", Read, CancellationToken.None);
        recent.Forget("k");
        var forgotten = await recent.GetAsync("k", Read, CancellationToken.None);

        Assert.Equal(1, first!.Version);
        Assert.Equal(1, cached!.Version);
        Assert.Equal(2, expired!.Version);
        Assert.Equal(3, forgotten!.Version);
    }

    [Fact]
    public async Task AReadThatStartedBeforeAWrite_DoesNotPutTheOldDocumentBack()
    {
        var recent = new RecentReads(new FakeTimeProvider(new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero)));
        var release = new TaskCompletionSource();
        var slow = recent.GetAsync<Doc>("k", async _ => { await release.Task; return new Doc(1); }, CancellationToken.None);

        recent.Forget("k"); // the write lands while the old document is on its way
        release.SetResult();
        await slow;
        var next = await recent.GetAsync("k", _ => Task.FromResult<Doc?>(new Doc(2)), CancellationToken.None);

        Assert.Equal(2, next!.Version);
    }

    [Fact]
    public async Task AMissingDocument_IsNotRemembered()
    {
        var recent = new RecentReads(new FakeTimeProvider(new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero)));

        Assert.Null(await recent.GetAsync("k", _ => Task.FromResult<Doc?>(null), CancellationToken.None));
        Assert.Equal(7, (await recent.GetAsync("k", _ => Task.FromResult<Doc?>(new Doc(7)), CancellationToken.None))!.Version);
    }
}
