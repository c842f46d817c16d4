using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.Tests.Infrastructure;
using CsvHelper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Participation;

/// <summary>A fresh school on the test Azurite with the participation services wired by hand.</summary>
public sealed class ParticipationTestKit
{
    public const string Term = "2026/2027 Genap";
    public const string Campaign = "c-genap";

    // Monday 2027-01-11 08:00 WIB.
    public static readonly DateTimeOffset Start = new(2027, 1, 11, 1, 0, 0, TimeSpan.Zero);

    private ParticipationTestKit(StorageAccount storage, string schoolId)
    {
        Storage = storage;
        SchoolId = schoolId;
        Time = new FakeTimeProvider(Start);
        Directory = new SchoolDirectory(storage, Time);
        Log = new ParticipationLog(storage, Directory, Time, NullLogger<ParticipationLog>.Instance);
        Keys = new PseudonymKeyProvider(storage);
        Campaigns = new BkOutreach.Core.Outreach.CampaignStore(storage);
        Bookings = new BkOutreach.Core.Booking.BookingStore(storage, Time);
        Export = new ParticipationExport(Directory, new ParticipationRecord(Directory, Bookings, Log), Keys);
    }

    public BkOutreach.Core.Outreach.CampaignStore Campaigns { get; }

    public BkOutreach.Core.Booking.BookingStore Bookings { get; }

    public StorageAccount Storage { get; }

    public string SchoolId { get; }

    public FakeTimeProvider Time { get; }

    public SchoolDirectory Directory { get; }

    public ParticipationLog Log { get; }

    public PseudonymKeyProvider Keys { get; }

    public ParticipationExport Export { get; }

    public static async Task<ParticipationTestKit> CreateAsync()
    {
        var kit = new ParticipationTestKit(await TestStorage.CreateAsync(), "school-" + Guid.NewGuid().ToString("N")[..10]);
        await kit.Directory.PutSchoolAsync(kit.SchoolId, new SchoolSettings { Name = "MA Uji", TimeZone = "Asia/Jakarta" }, CancellationToken.None);
        return kit;
    }

    public ParticipationEvent Fact(ParticipationKind kind, string factKey, string guardianId, DateTimeOffset at, string? classes = null, string? value = null, string? campaign = Campaign, int? wave = null, string counselor = "bk-1") => new()
    {
        FactKey = factKey,
        Kind = kind,
        SchoolId = SchoolId,
        GuardianId = guardianId,
        Channel = kind switch
        {
            ParticipationKind.LinkOpened or ParticipationKind.Booked or ParticipationKind.Rescheduled or ParticipationKind.Cancelled => ParticipationChannel.Web,
            ParticipationKind.Attended or ParticipationKind.NoShow => ParticipationChannel.Admin,
            _ => ParticipationChannel.Sms,
        },
        OccurredAt = at,
        Term = Term,
        CampaignId = campaign,
        Wave = wave,
        Classes = classes is null ? [] : [classes],
        CounselorId = counselor,
        Value = value,
    };

    /// <summary>
    /// Ten guardians g0–g9 of one campaign: all sent, 8 delivered (g8, g9 failed), 6 opened (g0–g5), 4 booked
    /// (g0–g3, g3 then cancelled), attended g0 and g1 (g1 first marked no-show, then corrected), g2 no-show,
    /// g9 opted out by a STOP reply. g0–g4 are in XI IPA 1, g5–g9 in XI IPS 2. Some facts are recorded twice.
    /// </summary>
    public async Task SeedFunnelAsync(Func<int, string>? guardianIds = null)
    {
        string G(int i) => guardianIds?.Invoke(i) ?? "g" + i;
        string Class(int i) => i < 5 ? "XI IPA 1" : "XI IPS 2";
        var facts = new List<ParticipationEvent>();
        var t = Start;
        for (var i = 0; i < 10; i++)
        {
            facts.Add(Fact(ParticipationKind.SmsSent, FactKeys.SmsSent(Campaign, 0, G(i)), G(i), t, Class(i), wave: 0));
            facts.Add(i < 8
                ? Fact(ParticipationKind.SmsDelivered, FactKeys.SmsDelivered(Campaign, 0, G(i)), G(i), t.AddMinutes(1), Class(i), wave: 0)
                : Fact(ParticipationKind.SmsFailed, FactKeys.SmsFailed(Campaign, 0, G(i)), G(i), t.AddMinutes(1), Class(i), wave: 0));
        }

        for (var i = 0; i < 6; i++)
        {
            facts.Add(Fact(ParticipationKind.LinkOpened, FactKeys.LinkOpened(Campaign, G(i)), G(i), t.AddHours(2), Class(i)));
        }

        string[] slots = ["saturday:in_person", "saturday:in_person", "weekday_evening:online", "sunday:online"];
        for (var i = 0; i < 4; i++)
        {
            facts.Add(Fact(ParticipationKind.Booked, FactKeys.Booked("b" + i), G(i), t.AddHours(3), Class(i), slots[i]));
        }

        facts.Add(Fact(ParticipationKind.Cancelled, FactKeys.Cancelled("b3"), G(3), t.AddHours(4), Class(3)));
        facts.Add(Fact(ParticipationKind.Attended, FactKeys.Attended("b0"), G(0), t.AddDays(5), Class(0)));
        facts.Add(Fact(ParticipationKind.NoShow, FactKeys.NoShow("b1"), G(1), t.AddDays(5), Class(1)));
        facts.Add(Fact(ParticipationKind.Attended, FactKeys.Attended("b1"), G(1), t.AddDays(5).AddMinutes(5), Class(1)));
        facts.Add(Fact(ParticipationKind.NoShow, FactKeys.NoShow("b2"), G(2), t.AddDays(5), Class(2)));
        facts.Add(Fact(ParticipationKind.Feedback, FactKeys.Feedback("b0"), G(0), t.AddDays(6), Class(0), "5"));
        facts.Add(Fact(ParticipationKind.OptedOut, FactKeys.OptedOut("msg-stop-9"), G(9), t.AddHours(1), campaign: null));

        await Log.RecordManyAsync(facts, CancellationToken.None);

        // Retries and duplicate reports: the same facts again, one by one and as a batch.
        await Log.RecordAsync(facts[0], CancellationToken.None);
        await Log.RecordAsync(facts[^1], CancellationToken.None);
        await Log.RecordManyAsync(facts.Take(30), CancellationToken.None);
    }

    public static async Task<string> ReadAsync(CsvExport export)
    {
        using var buffer = new MemoryStream();
        await export.WriteAsync(buffer, CancellationToken.None);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Parses a CSV into header + rows (fails the test if it does not parse).</summary>
    public static (string[] Header, List<string[]> Rows) Parse(string csvText)
    {
        using var csv = CsvReader.Create(System.Text.Encoding.UTF8.GetBytes(csvText), CsvReaderOptions.Default with { HasHeader = true });
        string[] header = [.. csv.Headers];
        var rows = new List<string[]>();
        while (csv.Read())
        {
            var fields = new string[csv.FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = csv.GetString(i) ?? "";
            }

            rows.Add(fields);
        }

        return (header, rows);
    }
}
