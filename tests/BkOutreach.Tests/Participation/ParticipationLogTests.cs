using Azure.Data.Tables;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Tests.Participation;

public sealed class ParticipationLogTests
{
    [Fact]
    public async Task Record_SameFactTwice_WritesOneRow()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        var fact = kit.Fact(ParticipationKind.SmsSent, FactKeys.SmsSent("c1", 0, "g1"), "g1", ParticipationTestKit.Start, "X A", wave: 0);

        var first = await kit.Log.RecordAsync(fact, CancellationToken.None);
        var second = await kit.Log.RecordAsync(fact with { OccurredAt = ParticipationTestKit.Start.AddMinutes(3) }, CancellationToken.None);
        var third = await kit.Log.RecordManyAsync([fact, fact], CancellationToken.None);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(0, third);
        var rows = new List<TableEntity>();
        await foreach (var row in kit.Storage.Table(StorageNames.ParticipationTable).QueryAsync<TableEntity>(e => e.PartitionKey == kit.SchoolId))
        {
            rows.Add(row);
        }

        var stored = Assert.Single(rows);
        Assert.Equal(ParticipationTestKit.Start, stored.GetDateTimeOffset("UtcTime"));
    }

    [Fact]
    public async Task Record_KeepsUtcAndSchoolLocalTime_AndEveryField()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        var fact = kit.Fact(ParticipationKind.Booked, FactKeys.Booked("b1"), "g1", ParticipationTestKit.Start, "XI IPA 1", "saturday:online") with { Classes = ["XI IPA 1", "X IPS 2"] };

        await kit.Log.RecordAsync(fact, CancellationToken.None);
        var entry = Assert.Single(await kit.Log.ListAsync(kit.SchoolId, CancellationToken.None));

        Assert.Equal(new LocalDateTime(2027, 1, 11, 8, 0), entry.LocalTime); // 01:00 UTC = 08:00 WIB
        Assert.Equal("Asia/Jakarta", entry.TimeZone);
        Assert.Equal(fact with { OccurredAt = fact.OccurredAt.ToUniversalTime() }, entry.Event with { Classes = fact.Classes });
        Assert.Equal(["XI IPA 1", "X IPS 2"], entry.Event.Classes);
    }

    [Fact]
    public async Task RecordMany_BatchMeetingARecordedFact_StillAddsTheOthersOnce()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        var facts = Enumerable.Range(0, 150).Select(i => kit.Fact(ParticipationKind.SmsSent, FactKeys.SmsSent("c1", 0, "g" + i), "g" + i, ParticipationTestKit.Start, wave: 0)).ToList();
        await kit.Log.RecordAsync(facts[42], CancellationToken.None);

        var added = await kit.Log.RecordManyAsync(facts.Concat(facts.Take(10)), CancellationToken.None);

        Assert.Equal(149, added);
        Assert.Equal(150, (await kit.Log.ListAsync(kit.SchoolId, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Record_FreeTextValueOrBadScore_IsRefused()
    {
        var kit = await ParticipationTestKit.CreateAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => kit.Log.RecordAsync(
            kit.Fact(ParticipationKind.SurveyAnswer, "s1", "g1", ParticipationTestKit.Start, value: "Saya sibuk, hubungi 0812 3456 7890"), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => kit.Log.RecordAsync(
            kit.Fact(ParticipationKind.Feedback, "f1", "g1", ParticipationTestKit.Start, value: "6"), CancellationToken.None));
        Assert.Empty(await kit.Log.ListAsync(kit.SchoolId, CancellationToken.None));
    }

    [Fact]
    public async Task Funnel_FromSeededLog_CountsGuardiansPerStage()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        await kit.SeedFunnelAsync();

        var model = DashboardBuilder.Build(new DashboardInputs
        {
            SchoolId = kit.SchoolId,
            School = (await kit.Directory.GetSchoolAsync(kit.SchoolId, CancellationToken.None))!,
            Now = Instant.FromDateTimeOffset(ParticipationTestKit.Start.AddDays(7)),
            Entries = await kit.Log.ListAsync(kit.SchoolId, CancellationToken.None),
        });

        var funnel = Assert.Single(model.Campaigns);
        Assert.Equal(
            (10, 10, 8, 2, 6, 4, 2, 1, 1),
            (funnel.Guardians, funnel.Sent, funnel.Delivered, funnel.Failed, funnel.Opened, funnel.Booked, funnel.Attended, funnel.NoShow, funnel.OptedOut));

        var ipa = model.ByClass.Single(c => c.Key == "XI IPA 1");
        var ips = model.ByClass.Single(c => c.Key == "XI IPS 2");
        Assert.Equal((5, 5, 4, 2), (ipa.Sent, ipa.Opened, ipa.Booked, ipa.Attended));
        Assert.Equal((5, 1, 0, 0), (ips.Sent, ips.Opened, ips.Booked, ips.Attended));
        Assert.Equal(0.8, ipa.BookingRate, 3);
        Assert.Equal(0.5, ipa.AttendanceRate, 3);
        Assert.Equal(10, Assert.Single(model.ByCounselor).Sent);

        Assert.Equal([("weekday_evening", 1), ("saturday", 2), ("sunday", 1), ("weekday_daytime", 0)], model.SlotKinds.Select(c => (c.Key, c.Value)));
        Assert.Equal([("in_person", 2), ("online", 2)], model.Modes.Select(c => (c.Key, c.Value)));
    }

    [Fact]
    public async Task Record_ForUnknownSchool_Throws()
    {
        var kit = await ParticipationTestKit.CreateAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => kit.Log.RecordAsync(
            kit.Fact(ParticipationKind.SmsSent, "x", "g1", ParticipationTestKit.Start) with { SchoolId = "no-such-school" }, CancellationToken.None));
    }
}
