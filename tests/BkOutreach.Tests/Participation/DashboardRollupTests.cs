using System.Globalization;
using System.Text.Json;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Reliability;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.Tests.Infrastructure;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Participation;

/// <summary>
/// The dashboard from roll-ups equals the dashboard computed from the whole log, for generated facts recorded
/// through the log in any order, twice, concurrently, in batches and one by one.
/// </summary>
public sealed class DashboardRollupTests
{
    private const string TermA = "2026/2027 Ganjil";
    private const string TermB = "2026/2027 Genap";
    private const string TermX = "2025/2026 Genap";
    private static readonly DateTimeOffset Start = new(2027, 1, 11, 1, 0, 0, TimeSpan.Zero);
    private static readonly string[] Campaigns = ["c-a", "c-b", "c-x"];
    private static readonly string[] Counselors = ["bk-1", "bk-2", "bk-3", "bk-9"];
    private static readonly string[] ClassNames = ["X IPA 1", "XI IPS 2", "XII <b>&"];
    private static readonly string[] Slots = ["saturday:in_person", "sunday:online", "weekday_evening:online", "weekday_daytime:in_person", "saturday:"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>One generated fact: which kind, campaign, wave, minute, and small choices that pick keys and values.</summary>
    private sealed record Pick(int Kind, int Campaign, int Wave, int Minute, int Choice, int Counselor, int Class, int Booking, int Guardian);

    /// <summary>A generated school: its facts, which to deliver again, and a seed for the delivery order.</summary>
    private sealed record Scenario(IReadOnlyList<Pick> Facts, IReadOnlyList<int> Repeats, int Seed);

    private static readonly Gen<Pick> PickGen = Gen.Select(
        Gen.Int[0, 19], Gen.Int[0, 2], Gen.Int[0, 1], Gen.Int[0, 40], Gen.Int[0, 99], Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[0, 1], Gen.Int[0, 7],
        (k, c, w, m, ch, co, cl, b, g) => new Pick(k, c, w, m * 30, ch, co, cl, b, g));

    private static readonly Gen<Scenario> ScenarioGen = Gen.Select(PickGen.Array[1, 70], Gen.Int[0, 69].Array[0, 25], Gen.Int, (facts, repeats, seed) => new Scenario(facts, repeats, seed));

    [Fact]
    public async Task Rollups_GeneratedFactsDeliveredTwiceOutOfOrderAndConcurrently_EqualTheFullLogComputation()
    {
        await ScenarioGen.SampleAsync(
            async scenario =>
            {
                var school = await SchoolAsync();
                await school.Service.BuildAsync(school.Id, CancellationToken.None); // empty log: the roll-ups are built, from now on only counted
                var facts = scenario.Facts.Select(p => school.Fact(p)).ToList();
                await DeliverAsync(school.Log, facts, scenario.Repeats, scenario.Seed);

                Assert.True(await school.Rollups.IsCurrentAsync(school.Id, CancellationToken.None));
                await AssertSameAsync(school, facts);
            },
            iter: 8,
            threads: 1);
    }

    [Fact]
    public async Task Rollups_LogRecordedBeforeTheyExisted_AreRebuiltOnFirstView_ThenCountedAsFactsArrive()
    {
        var school = await SchoolAsync();
        var random = new Random(7);
        var picks = Enumerable.Range(0, 160).Select(_ => new Pick(random.Next(19), random.Next(3), random.Next(2), random.Next(41) * 30, random.Next(100), random.Next(4), random.Next(3), random.Next(2), random.Next(12))).ToList();
        var facts = picks.Select(school.Fact).ToList();
        var before = facts.Take(120).ToList();

        // An existing deployment: the log has facts, the roll-ups nothing.
        var plainLog = new ParticipationLog(school.Storage, school.Directory, school.Time, NullLogger<ParticipationLog>.Instance);
        await plainLog.RecordManyAsync(before, CancellationToken.None);
        Assert.False(await school.Rollups.IsCurrentAsync(school.Id, CancellationToken.None));

        await AssertSameAsync(school, before);
        Assert.True(await school.Rollups.IsCurrentAsync(school.Id, CancellationToken.None));

        await DeliverAsync(school.Log, facts, [0, 5, 119, 121], 3);
        await AssertSameAsync(school, facts);
    }

    [Fact]
    public async Task Rollups_AttendanceCorrectedAndBookingCancelled_FollowTheLatestFact()
    {
        var school = await SchoolAsync();
        await school.Service.BuildAsync(school.Id, CancellationToken.None);
        ParticipationEvent F(ParticipationKind kind, string key, int minutes, string? value = null) =>
            school.Fact(new Pick(0, 0, 0, 0, 0, 0, 0, 0, 0)) with { Kind = kind, FactKey = key, OccurredAt = Start.AddMinutes(minutes), Value = value, Channel = ParticipationChannel.Admin };

        // Delivered newest first: the correction to no-show is the latest mark, the cancellation the latest booking fact.
        await school.Log.RecordAsync(F(ParticipationKind.AttendanceCorrected, FactKeys.AttendanceCorrected("b1", 2), 300, "no_show"), CancellationToken.None);
        await school.Log.RecordAsync(F(ParticipationKind.Attended, FactKeys.Attended("b1"), 200), CancellationToken.None);
        await school.Log.RecordAsync(F(ParticipationKind.Booked, FactKeys.Booked("b1"), 100, "saturday:online"), CancellationToken.None);
        await school.Log.RecordAsync(F(ParticipationKind.SmsSent, FactKeys.SmsSent("c-a", 0, "g0"), 0), CancellationToken.None);

        var funnel = Assert.Single((await school.Service.BuildAsync(school.Id, CancellationToken.None)).Value!.Campaigns);
        Assert.Equal((1, 1, 0, 1), (funnel.Sent, funnel.Booked, funnel.Attended, funnel.NoShow));

        await school.Log.RecordAsync(F(ParticipationKind.AttendanceCorrected, FactKeys.AttendanceCorrected("b1", 3), 400, "attended"), CancellationToken.None);
        funnel = Assert.Single((await school.Service.BuildAsync(school.Id, CancellationToken.None)).Value!.Campaigns);
        Assert.Equal((1, 0), (funnel.Attended, funnel.NoShow));
        await AssertSameAsync(school, []);
    }

    [Fact]
    public async Task Channels_WithoutWhatsAppFacts_ShowSmsOnly_AndWithThem_CountTheFallback()
    {
        var school = await SchoolAsync();
        await school.Service.BuildAsync(school.Id, CancellationToken.None);
        ParticipationEvent F(ParticipationKind kind, string key, string guardian, string? value = null) =>
            school.Fact(new Pick(0, 0, 0, 0, 0, 0, 0, 0, 0)) with { Kind = kind, FactKey = key, GuardianId = guardian, Wave = 0, Value = value };

        await school.Log.RecordManyAsync([F(ParticipationKind.SmsSent, FactKeys.SmsSent("c-a", 0, "g1"), "g1"), F(ParticipationKind.SmsDelivered, FactKeys.SmsDelivered("c-a", 0, "g1"), "g1")], CancellationToken.None);
        var model = (await school.Service.BuildAsync(school.Id, CancellationToken.None)).Value!;
        var sms = Assert.Single(model.Channels);
        Assert.Equal(("sms", 1, 1, 0), (sms.Channel, sms.Sent, sms.Delivered, sms.Fallback));
        Assert.Contains("Per saluran / By channel", DashboardRenderer.Render(model, null), StringComparison.Ordinal);

        await school.Log.RecordManyAsync(
        [
            F(ParticipationKind.WhatsAppSent, FactKeys.WhatsAppSent("c-a", 0, "g2"), "g2"),
            F(ParticipationKind.WhatsAppFailed, FactKeys.WhatsAppFailed("c-a", 0, "g2"), "g2"),
            F(ParticipationKind.SmsSent, FactKeys.SmsSent("c-a", 0, "g2"), "g2", DashboardRollupCells.FallbackValue),
            F(ParticipationKind.WhatsAppSent, FactKeys.WhatsAppSent("c-a", 0, "g3"), "g3"),
            F(ParticipationKind.WhatsAppDelivered, FactKeys.WhatsAppDelivered("c-a", 0, "g3"), "g3"),
            F(ParticipationKind.WhatsAppRead, FactKeys.WhatsAppRead("c-a", 0, "g3"), "g3"),
        ], CancellationToken.None);
        model = (await school.Service.BuildAsync(school.Id, CancellationToken.None)).Value!;

        Assert.Equal(
            [("sms", 2, 1, 0, 0, 1), ("whatsapp", 2, 1, 1, 1, 0)],
            model.Channels.Select(c => (c.Channel, c.Sent, c.Delivered, c.Read, c.Failed, c.Fallback)));
        var funnel = Assert.Single(model.Campaigns);
        Assert.Equal((3, 2), (funnel.Sent, funnel.Delivered)); // guardians reached, whichever channel
        await AssertSameAsync(school, []);
    }

    private static async Task DeliverAsync(ParticipationLog log, List<ParticipationEvent> facts, IReadOnlyList<int> repeats, int seed)
    {
        var random = new Random(seed);

        // Repeats: the same fact key again, as a retry with its own clock reading would send it.
        var deliveries = facts.Concat(repeats.Where(i => i < facts.Count).Select(i => facts[i] with { OccurredAt = facts[i].OccurredAt.AddMinutes(random.Next(-5, 6)) })).ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(deliveries));
        var streams = deliveries.Select((f, i) => (f, i)).GroupBy(x => x.i % 3, x => x.f).ToList();
        await Task.WhenAll(streams.Select(async stream =>
        {
            var list = stream.ToList();
            for (var i = 0; i < list.Count;)
            {
                var size = random.Next(1, 8);
                var chunk = list.Skip(i).Take(size).ToList();
                i += size;
                if (chunk.Count == 1)
                {
                    await log.RecordAsync(chunk[0], CancellationToken.None);
                }
                else
                {
                    await log.RecordManyAsync(chunk, CancellationToken.None);
                }
            }
        }));
    }

    /// <summary>The school view and every counsellor's view: every number and the rendered page the same both ways.</summary>
    private static async Task AssertSameAsync(TestSchool school, IReadOnlyList<ParticipationEvent> facts)
    {
        foreach (var view in new string?[] { null }.Concat(Counselors).Append("bk-none"))
        {
            var expected = (await school.Service.BuildFromLogAsync(school.Id, CancellationToken.None, view)).Value!;
            var actual = (await school.Service.BuildAsync(school.Id, CancellationToken.None, view)).Value!;
            Assert.Equal(Figures(expected), Figures(actual));
            Assert.Equal(DashboardRenderer.Render(expected, "t"), DashboardRenderer.Render(actual, "t"));
        }

        // The reference is not vacuous: it counts what was recorded.
        if (facts.Any(f => f.Kind == ParticipationKind.SmsSent && f.CampaignId == "c-a"))
        {
            var model = (await school.Service.BuildFromLogAsync(school.Id, CancellationToken.None)).Value!;
            Assert.True(model.Campaigns.Single(c => c.CampaignId == "c-a").Sent > 0);
        }
    }

    private static string Figures(DashboardModel m) => JsonSerializer.Serialize(
        new { m.Campaigns, m.Terms, m.ByClass, m.ByCounselor, m.SlotKinds, m.Modes, m.Survey, m.Channels }, Json);

    private static async Task<TestSchool> SchoolAsync()
    {
        var storage = await TestStorage.CreateAsync();
        var time = new FakeTimeProvider(Start.AddDays(30));
        var directory = new SchoolDirectory(storage, time);
        var campaigns = new CampaignStore(storage);
        var rollups = new DashboardRollups(storage, campaigns, time, NullLogger<DashboardRollups>.Instance);
        var log = new ParticipationLog(storage, directory, time, NullLogger<ParticipationLog>.Instance, rollups);
        var bookings = new BookingStore(storage, time);
        var service = new DashboardService(directory, campaigns, new ParticipationRecord(directory, bookings, log), rollups, log, storage, new PoisonLog(storage, time), time);
        var id = "rollup-" + Guid.NewGuid().ToString("N")[..10];
        await directory.PutSchoolAsync(id, new SchoolSettings
        {
            Name = "MA Uji Roll-up",
            TimeZone = "Asia/Jakarta",
            Terms = [new Term(TermB, "2027-01-04", "2027-06-20"), new Term(TermA, "2026-07-13", "2026-12-19")],
        }, CancellationToken.None);
        foreach (var (counselor, i) in Counselors.Take(3).Select((c, i) => (c, i)))
        {
            await directory.PutCounselorAsync(id, counselor, new CounselorSettings { Name = "Guru " + (char)('A' + i) }, CancellationToken.None);
        }

        await campaigns.TryAddAsync(new Campaign("c-a", id, new CampaignDefinition { Name = "Ganjil outreach", Term = TermA }), CancellationToken.None);
        await campaigns.TryAddAsync(new Campaign("c-b", id, new CampaignDefinition { Name = "Genap outreach", Term = TermB }), CancellationToken.None);
        return new TestSchool(id, storage, directory, time, rollups, log, service);
    }

    private sealed record TestSchool(string Id, StorageAccount Storage, SchoolDirectory Directory, FakeTimeProvider Time, DashboardRollups Rollups, ParticipationLog Log, DashboardService Service)
    {
        /// <summary>A fact as the features record it; keys repeat across picks on purpose (the same booking, the same send).</summary>
        public ParticipationEvent Fact(Pick p)
        {
            var g = "g" + p.Guardian.ToString(CultureInfo.InvariantCulture);
            var campaign = Campaigns[p.Campaign];
            var booking = $"b-{g}-{p.Booking}";
            var seq = p.Choice % 3;
            var at = Start.AddMinutes(p.Minute);
            var term = campaign switch { "c-a" => TermA, "c-b" => TermB, _ => p.Choice % 2 == 0 ? TermX : "" };
            var counselor = p.Counselor == 3 && p.Choice % 2 == 1 ? null : Counselors[(p.Guardian + (p.Counselor == 3 ? 0 : p.Counselor)) % 4];
            string[] classes = p.Class == 2 && p.Choice % 2 == 0 ? [ClassNames[p.Guardian % 3], ClassNames[2]] : [ClassNames[(p.Guardian + p.Class) % 3]];
            var (kind, key, value, channel, withCampaign) = p.Kind switch
            {
                0 => (ParticipationKind.SmsSent, FactKeys.SmsSent(campaign, p.Wave, g), p.Choice % 4 == 0 ? DashboardRollupCells.FallbackValue : null, ParticipationChannel.Sms, true),
                1 => (ParticipationKind.SmsDelivered, FactKeys.SmsDelivered(campaign, p.Wave, g), null, ParticipationChannel.Sms, true),
                2 => (ParticipationKind.SmsFailed, FactKeys.SmsFailed(campaign, p.Wave, g), null, ParticipationChannel.Sms, true),
                3 => (ParticipationKind.LinkOpened, $"{FactKeys.LinkOpened(campaign, g)}:2027-01-{11 + seq}", null, ParticipationChannel.Web, true),
                4 => (ParticipationKind.Booked, FactKeys.Booked(booking), p.Choice % 5 == 0 ? null : Slots[p.Choice % Slots.Length], ParticipationChannel.Web, true),
                5 => (ParticipationKind.Rescheduled, FactKeys.Rescheduled(booking, seq), Slots[(p.Choice + 1) % Slots.Length], ParticipationChannel.Web, true),
                6 => (ParticipationKind.Cancelled, FactKeys.Cancelled(booking), null, ParticipationChannel.Web, true),
                7 => (ParticipationKind.Attended, FactKeys.Attended(booking), null, ParticipationChannel.Admin, true),
                8 => (ParticipationKind.NoShow, FactKeys.NoShow(booking), null, ParticipationChannel.Admin, true),
                9 => (ParticipationKind.AttendanceCorrected, FactKeys.AttendanceCorrected(booking, seq), p.Choice % 2 == 0 ? "attended" : "no_show", ParticipationChannel.Admin, true),
                10 => (ParticipationKind.SurveyAnswer, FactKeys.SurveyAnswer($"in-{g}-{p.Minute}", (p.Choice % 3).ToString(CultureInfo.InvariantCulture)),
                    (p.Choice % 3) switch { 0 => "barrier=" + (1 + p.Choice % 5).ToString(CultureInfo.InvariantCulture) + (p.Choice > 50 ? ",4" : ""), 1 => "channel=" + (1 + p.Choice % 4).ToString(CultureInfo.InvariantCulture), _ => "time=2,3" },
                    ParticipationChannel.Sms, false),
                11 => (ParticipationKind.OptedOut, FactKeys.OptedOut($"stop-{g}-{seq}"), null, ParticipationChannel.Sms, p.Choice % 3 == 0),
                12 => (ParticipationKind.WhatsAppSent, FactKeys.WhatsAppSent(campaign, p.Wave, g), null, ParticipationChannel.WhatsApp, true),
                13 => (ParticipationKind.WhatsAppDelivered, FactKeys.WhatsAppDelivered(campaign, p.Wave, g), null, ParticipationChannel.WhatsApp, true),
                14 => (ParticipationKind.WhatsAppRead, FactKeys.WhatsAppRead(campaign, p.Wave, g), null, ParticipationChannel.WhatsApp, true),
                15 => (ParticipationKind.WhatsAppFailed, FactKeys.WhatsAppFailed(campaign, p.Wave, g), null, ParticipationChannel.WhatsApp, true),
                16 => (ParticipationKind.Reminded, FactKeys.Reminded(booking, "24h"), null, ParticipationChannel.Sms, true),
                17 => (ParticipationKind.Feedback, FactKeys.Feedback(booking), (1 + p.Choice % 5).ToString(CultureInfo.InvariantCulture), ParticipationChannel.Sms, true),

                // A booking's confirmation: names no campaign and no wave, so it is in no cell (only its counsellor matters).
                19 => (ParticipationKind.SmsSent, $"sms_sent:booking:{booking}:v{seq}:booking_confirmation", "booking_confirmation", ParticipationChannel.Sms, false),
                _ => (ParticipationKind.MessageReceived, FactKeys.MessageReceived($"m-{g}-{p.Minute}"), null, ParticipationChannel.WhatsApp, false),
            };
            var isMessage = kind is ParticipationKind.SmsSent or ParticipationKind.SmsDelivered or ParticipationKind.SmsFailed
                or ParticipationKind.WhatsAppSent or ParticipationKind.WhatsAppDelivered or ParticipationKind.WhatsAppRead or ParticipationKind.WhatsAppFailed;
            return new ParticipationEvent
            {
                FactKey = key,
                Kind = kind,
                SchoolId = Id,
                GuardianId = g,
                Channel = channel,
                OccurredAt = at,
                Term = kind == ParticipationKind.SurveyAnswer ? (p.Campaign == 0 ? TermA : TermB) : withCampaign ? term : "",
                CampaignId = withCampaign ? campaign : null,
                Wave = isMessage && withCampaign ? p.Wave : null,
                Classes = classes,
                CounselorId = kind is ParticipationKind.OptedOut or ParticipationKind.SurveyAnswer && p.Choice % 2 == 0 ? null : counselor,
                Value = value,
            };
        }
    }
}
