using BkOutreach.Core.Graph;
using Microsoft.Graph.Models;
using static BkOutreach.Tests.Graph.GraphTestKit;

namespace BkOutreach.Tests.Graph;

public sealed class GraphTimeTests
{
    [Theory]
    [InlineData("2027-01-16T02:00:00.0000000", "UTC", "2027-01-16T02:00:00Z")]
    [InlineData("2027-01-16T09:00:00.0000000", "SE Asia Standard Time", "2027-01-16T02:00:00Z")]
    [InlineData("2027-01-16T10:00:00", "Asia/Makassar", "2027-01-16T02:00:00Z")]
    [InlineData("2027-01-16T11:00:00", "Tokyo Standard Time", "2027-01-16T02:00:00Z")]
    public void ToInstant_ReadsWindowsAndIanaZones(string dateTime, string timeZone, string expected) =>
        Assert.Equal(At(expected), GraphTime.ToInstant(new DateTimeTimeZone { DateTime = dateTime, TimeZone = timeZone }));

    [Theory]
    [InlineData("Asia/Jakarta", "2027-01-16T09:00:00", "SE Asia Standard Time")]
    [InlineData("Asia/Makassar", "2027-01-16T10:00:00", "Singapore Standard Time")]
    [InlineData("Asia/Jayapura", "2027-01-16T11:00:00", "Tokyo Standard Time")]
    [InlineData("Not/AZone", "2027-01-16T02:00:00", "UTC")]
    public void InZone_WritesTheSchoolsLocalTimeWithAWindowsZoneName(string iana, string local, string windows)
    {
        var value = GraphTime.InZone(At("2027-01-16T02:00:00Z"), iana);

        Assert.Equal((local, windows), (value.DateTime, value.TimeZone));
        Assert.Equal(At("2027-01-16T02:00:00Z"), GraphTime.ToInstant(value));
    }
}
