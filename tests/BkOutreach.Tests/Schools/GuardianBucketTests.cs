using BkOutreach.Core.Schools;

namespace BkOutreach.Tests.Schools;

/// <summary>How guardians are spread over a school's buckets: the id names the number's bucket, transactions hold one partition.</summary>
public sealed class GuardianBucketTests
{
    private const string School = "ma-bucket-test";

    [Fact]
    public void NewGuardianId_NamesTheBucketOfItsNumber_AndIsOtherwiseRandom()
    {
        for (var i = 0; i < 500; i++)
        {
            var phone = $"+62812{i:D8}";
            var first = SchoolDirectory.NewGuardianId(School, phone);
            var second = SchoolDirectory.NewGuardianId(School, phone);

            Assert.Matches("^[0-9a-f]{16}$", first);
            Assert.NotEqual(first, second);
            Assert.Equal(SchoolDirectory.BucketPartition(School, SchoolDirectory.PhoneBucket(School, phone)), SchoolDirectory.BucketPartition(School, Convert.FromHexString(first[..2])[0]));
            Assert.Equal(SchoolDirectory.BucketPartition(School, Convert.FromHexString(first[..2])[0]), SchoolDirectory.BucketPartition(School, Convert.FromHexString(second[..2])[0]));
        }
    }

    [Fact]
    public void PhoneBuckets_SpreadTenThousandNumbersOverAllBuckets_WithinTheSchoolsRange()
    {
        var (first, last) = SchoolDirectory.BucketRange(School);
        var counts = Enumerable.Range(0, 10_000)
            .Select(i => SchoolDirectory.BucketPartition(School, SchoolDirectory.PhoneBucket(School, $"+62812{i:D8}")))
            .GroupBy(p => p, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        Assert.Equal(1 << SchoolDirectory.BucketBits, counts.Count);
        Assert.All(counts.Keys, p => Assert.True(string.CompareOrdinal(p, first) >= 0 && string.CompareOrdinal(p, last) <= 0, p));
        Assert.All(counts.Keys, p => Assert.StartsWith(School + "~", p, StringComparison.Ordinal));
        Assert.InRange(counts.Values.Max(), 1, 2 * 10_000 / counts.Count);
    }

    [Fact]
    public void BucketRange_OfOneSchool_HoldsNoPartitionOfAnotherSchool()
    {
        var (first, last) = SchoolDirectory.BucketRange("sch-1");
        foreach (var other in new[] { "sch-1", "sch-10", "sch-1-a", "sch-2", "sch-0", "sch" })
        {
            var inRange = string.CompareOrdinal(other, first) >= 0 && string.CompareOrdinal(other, last) <= 0;
            Assert.False(inRange, other);
            var bucket = SchoolDirectory.BucketPartition(other, 0x08);
            Assert.Equal(other == "sch-1", string.CompareOrdinal(bucket, first) >= 0 && string.CompareOrdinal(bucket, last) <= 0);
        }
    }

    [Fact]
    public void Transactions_HoldOnePartitionAndAtMostAHundredEach_TakeThePartitionsInTurn_AndKeepEveryItemOnce()
    {
        var items = Enumerable.Range(0, 1_000).Select(i => (Partition: i < 700 ? "a" : i % 2 == 0 ? "b" : "c", Index: i)).ToList();

        var chunks = SchoolDirectory.Transactions(items, x => x.Partition);

        Assert.All(chunks, c => Assert.InRange(c.Length, 1, SchoolDirectory.BatchSize));
        Assert.All(chunks, c => Assert.Single(c.Select(x => x.Partition).Distinct()));
        Assert.Equal(items.Select(x => x.Index), chunks.SelectMany(c => c).Select(x => x.Index).Order());
        Assert.Equal(["a", "b", "c", "a", "b", "c", "a", "a", "a", "a", "a"], chunks.Select(c => c[0].Partition));
        Assert.Equal(Enumerable.Range(0, 700), chunks.SelectMany(c => c).Where(x => x.Partition == "a").Select(x => x.Index));
    }
}
