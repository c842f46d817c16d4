using BkOutreach.Core.Scheduling;
using NodaTime;

namespace BkOutreach.Tests.Scheduling;

public sealed class SlotIdTests
{
    [Theory]
    [InlineData("bk-1", "bk-1.20270116T0800.30")]
    [InlineData("sari.w", "sari.w.20270116T0800.30")]
    [InlineData("BK_2", "BK_2.20270116T0800.30")]
    public void SlotId_ToStringAndTryParse_RoundTrip(string counselorId, string expected)
    {
        var id = new SlotId(counselorId, new LocalDateTime(2027, 1, 16, 8, 0), 30);

        Assert.Equal(expected, id.ToString());
        Assert.True(SlotId.TryParse(expected, out var parsed));
        Assert.Equal(id, parsed);
        Assert.Equal(new LocalDateTime(2027, 1, 16, 8, 30), parsed.End);
        Assert.Equal(Uri.EscapeDataString(expected), expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bk-1")]
    [InlineData("bk-1.20270116T0800")]
    [InlineData(".20270116T0800.30")]
    [InlineData("bk-1.20270116T0800.")]
    [InlineData("bk-1.20270116T0800.030")]
    [InlineData("bk-1.20270116T0800.+30")]
    [InlineData("bk-1.20270116T0800.-30")]
    [InlineData("bk-1.20270116T0800.0")]
    [InlineData("bk-1.20270116T0800.99999")]
    [InlineData("bk-1.20270116T0800.1441")]
    [InlineData("bk-1.20271316T0800.30")]
    [InlineData("bk-1.20270230T0800.30")]
    [InlineData("bk-1.20270116T2460.30")]
    [InlineData("bk-1.2027-01-16T08:00.30")]
    [InlineData("bk-1.20270116t0800.30")]
    [InlineData("bk 1.20270116T0800.30")]
    [InlineData("bk/1.20270116T0800.30")]
    [InlineData("bk%2F1.20270116T0800.30")]
    [InlineData("bk-1.20270116T0800.\u0663\u0660")]
    [InlineData("bk-1.20270116T0800.30\n")]
    [InlineData(" bk-1.20270116T0800.30")]
    [InlineData("bk-1..20270116T0800.30x")]
    public void SlotId_TryParse_RejectsGarbageWithoutThrowing(string? text)
    {
        Assert.False(SlotId.TryParse(text, out var id));
        Assert.Null(id);
    }

    [Fact]
    public void SlotId_TryParse_RejectsOverlongInput()
    {
        Assert.False(SlotId.TryParse(new string('a', 65) + ".20270116T0800.30", out _));
        Assert.False(SlotId.TryParse(new string('.', 10_000), out _));
    }

    [Fact]
    public void SlotId_Constructor_RejectsUnsafeCounselorIdsAndSeconds()
    {
        Assert.Throws<ArgumentException>(() => new SlotId("a/b", new LocalDateTime(2027, 1, 16, 8, 0), 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlotId("bk-1", new LocalDateTime(2027, 1, 16, 8, 0, 5), 30));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlotId("bk-1", new LocalDateTime(2027, 1, 16, 8, 0), 0));
    }
}
