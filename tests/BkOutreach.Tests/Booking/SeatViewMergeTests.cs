using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using BkOutreach.Core.Booking;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// How <c>SeatViews</c> keeps what this instance saw of a partition: its own committed rows win over a read
/// that began before them (so a slow read cannot bring back a hold the instance just deleted, or an old
/// ETag), rows take the ETag the transaction returned, and a view is used only for <see cref="SeatViews.For"/>.
/// </summary>
public sealed class SeatViewMergeTests
{
    private const string Partition = "sch|bk-1";
    private const string Guardian = "g|c1|guardian-1";
    private static readonly DateTimeOffset Now = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AReadBegunBeforeThisInstancesOwnWrite_DoesNotBringBackWhatTheWriteChanged()
    {
        var clock = new FakeTimeProvider(Now);
        var views = new SeatViews(clock);
        var oldHold = Hold("202701160100", "\"old\"");
        views.Merge(Partition, views.Begin(), Now, Now, Now.AddDays(15), new Dictionary<string, TableEntity> { ["202701160100"] = oldHold }, Guardian, new SeatViews.GuardianRows(null, null));

        // A read starts, then this instance moves the seat: the old hold deleted, a new one and the pointer added.
        var slowRead = views.Begin();
        var newHold = new TableEntity(Partition, "h|202701160200") { ["Slot"] = "b", ["Count"] = 1 };
        var pointer = new TableEntity(Partition, Guardian) { ["BookingId"] = "x" };
        views.Applied(
            Partition,
            [new(TableTransactionActionType.Delete, oldHold, oldHold.ETag), new(TableTransactionActionType.Add, newHold), new(TableTransactionActionType.Add, pointer)],
            [new Answer(null), new Answer("W/\"new-hold\""), new Answer("W/\"new-pointer\"")],
            Guardian);
        // The slow read saw the partition as it was before the write.
        views.Merge(Partition, slowRead, Now, Now, Now.AddDays(15), new Dictionary<string, TableEntity> { ["202701160100"] = Hold("202701160100", "\"old\"") }, Guardian, new SeatViews.GuardianRows(null, null));

        var seen = views.TryGet(Partition, Guardian, Now)!;
        Assert.Equal(["202701160200"], seen.Holds.Keys);
        Assert.Equal(new ETag("W/\"new-hold\""), seen.Holds["202701160200"].ETag);
        Assert.Equal(new ETag("W/\"new-pointer\""), seen.Guardian!.Pointer!.ETag);

        // A read begun after the write is taken as it is.
        views.Merge(Partition, views.Begin(), Now, Now, Now.AddDays(15), new Dictionary<string, TableEntity>(), Guardian, new SeatViews.GuardianRows(null, null));
        var later = views.TryGet(Partition, Guardian, Now)!;
        Assert.Empty(later.Holds);
        Assert.Null(later.Guardian!.Pointer);
    }

    [Fact]
    public void AView_IsUsedForItsFewSeconds_AndNotAfterOrForEarlierTimes_OrOnceForgotten()
    {
        var clock = new FakeTimeProvider(Now);
        var views = new SeatViews(clock);
        views.Merge(Partition, views.Begin(), Now, Now, Now.AddDays(15), new Dictionary<string, TableEntity>(), Guardian, new SeatViews.GuardianRows(null, null));

        clock.Advance(SeatViews.For - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(views.TryGet(Partition, Guardian, clock.GetUtcNow()));
        Assert.Null(views.TryGet(Partition, Guardian, Now.AddMinutes(-1)));
        Assert.Null(views.TryGet(Partition, "g|c1|someone-else", clock.GetUtcNow())!.Guardian);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(views.TryGet(Partition, Guardian, clock.GetUtcNow()));

        views.Merge(Partition, views.Begin(), clock.GetUtcNow(), clock.GetUtcNow(), clock.GetUtcNow().AddDays(15), new Dictionary<string, TableEntity>(), Guardian, new SeatViews.GuardianRows(null, null));
        views.Forget(Partition);
        Assert.Null(views.TryGet(Partition, Guardian, clock.GetUtcNow()));
    }

    private static TableEntity Hold(string bucket, string etag) =>
        new(Partition, "h|" + bucket) { ["Slot"] = "a", ["Count"] = 1, ETag = new ETag(etag) };

    /// <summary>One answer of a transaction: its ETag header, if any.</summary>
    private sealed class Answer(string? etag) : Response
    {
        public override int Status => etag is null ? 204 : 201;

        public override string ReasonPhrase => "";

        public override Stream? ContentStream { get; set; }

        public override string ClientRequestId { get; set; } = "";

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => etag is not null && name == "ETag";

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => etag is null ? [] : [new HttpHeader("ETag", etag)];

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = name == "ETag" ? etag : null;
            return value is not null;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = name == "ETag" && etag is not null ? [etag] : null;
            return values is not null;
        }
    }
}
