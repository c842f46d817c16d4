using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;

namespace BkOutreach.Tests.Participation;

/// <summary>Issue 16: the research exports carry the term on every row, so terms can be compared.</summary>
public sealed class ExportTermTests
{
    [Fact]
    public async Task Exports_PutTheTermOnEveryRow_EvenForFactsThatCarryNone()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        await kit.Directory.PutSchoolAsync(kit.SchoolId, new SchoolSettings
        {
            Name = "MA Uji",
            TimeZone = "Asia/Jakarta",
            Terms = [new Term("2026/2027 Ganjil", "2026-07-13", "2026-12-19"), new Term(ParticipationTestKit.Term, "2027-01-04", "2027-06-19")],
        }, CancellationToken.None);
        var start = ParticipationTestKit.Start;
        await kit.Log.RecordManyAsync(
        [
            kit.Fact(ParticipationKind.SmsSent, FactKeys.SmsSent("c-ganjil", 0, "g1"), "g1", new DateTimeOffset(2026, 8, 3, 2, 0, 0, TimeSpan.Zero), campaign: "c-ganjil", wave: 0) with { Term = "" },
            kit.Fact(ParticipationKind.SmsSent, FactKeys.SmsSent(ParticipationTestKit.Campaign, 0, "g1"), "g1", start, wave: 0),
            kit.Fact(ParticipationKind.OptedOut, FactKeys.OptedOut("stop-1"), "g1", start.AddHours(1), campaign: null) with { Term = "" },
        ], CancellationToken.None);

        var (header, rows) = ParticipationTestKit.Parse(await ParticipationTestKit.ReadAsync((await kit.Export.GuardianCampaignsAsync(kit.SchoolId, CancellationToken.None))!));
        var term = Array.IndexOf(header, "term");
        var campaign = Array.IndexOf(header, "campaign");
        Assert.Equal(["c-ganjil:2026/2027 Ganjil", "c-genap:2026/2027 Genap"], rows.Select(r => $"{r[campaign]}:{r[term]}").Order(StringComparer.Ordinal));

        var (eventHeader, events) = ParticipationTestKit.Parse(await ParticipationTestKit.ReadAsync((await kit.Export.EventsAsync(kit.SchoolId, CancellationToken.None))!));
        var eventTerm = Array.IndexOf(eventHeader, "term");
        var kind = Array.IndexOf(eventHeader, "kind");
        Assert.Equal(["sms_sent:2026/2027 Ganjil", "sms_sent:2026/2027 Genap", "opted_out:2026/2027 Genap"], events.Select(r => $"{r[kind]}:{r[eventTerm]}"));
        Assert.Contains("on every row", ParticipationExport.Codebook(kit.SchoolId, "Asia/Jakarta"), StringComparison.Ordinal);
    }
}
