using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BkOutreach.Core.Outreach;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using CsCheck;
using NodaTime;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Reliability;

/// <summary>
/// The bad-input tests of <see cref="BadInputTests"/> for whole admin documents (school, counsellor,
/// campaign): generated documents with nulls, extreme numbers and dates, huge strings and long or deep
/// lists never get a 5xx, and whatever is accepted can be read back and used by the dispatcher, the
/// sender, the feeds and the booking page without an exception.
/// </summary>
public sealed class BadDocumentTests : IAsyncLifetime
{
    private const int Iterations = 40;

    private static readonly Gen<JsonNode?> Junk = Gen.OneOf(
        Gen.Const((JsonNode?)null),
        Gen.Const<JsonNode?>(""),
        Gen.Const<JsonNode?>(" "),
        Gen.Int[1, 70_000].Select(n => (JsonNode?)new string('x', n)),
        Gen.String.Select(s => (JsonNode?)s),
        Gen.Const<JsonNode?>("\u0000\ud800<script>\r\n"),
        Gen.Const<JsonNode?>(0),
        Gen.Const<JsonNode?>(-1),
        Gen.Const<JsonNode?>(int.MaxValue),
        Gen.Const<JsonNode?>(int.MinValue),
        Gen.Const<JsonNode?>(1e308),
        Gen.Const<JsonNode?>(true),
        Gen.Const<JsonNode?>(new JsonObject()),
        Gen.Const<JsonNode?>(new JsonArray()),
        Gen.Const<JsonNode?>(new JsonArray(null, null)),
        Gen.Int[1, 200].Select(Deep));

    private static readonly Gen<JsonNode?> Dates = Gen.OneOf(
        Gen.Const<JsonNode?>("9999-12-31"),
        Gen.Const<JsonNode?>("0001-01-01"),
        Gen.Const<JsonNode?>("2027-02-30"),
        Gen.Const<JsonNode?>("1999-12-31"),
        Gen.Const<JsonNode?>("2031-12-31"),
        Gen.Const<JsonNode?>("2027-01-03"),
        Gen.Const<JsonNode?>("2027-06-20"),
        Gen.Int[-400, 400].Select(d => (JsonNode?)new LocalDate(2027, 1, 11).PlusDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        Junk);

    private static readonly Gen<JsonNode?> Times = Gen.OneOf(
        Gen.Const<JsonNode?>("00:00"), Gen.Const<JsonNode?>("23:59"), Gen.Const<JsonNode?>("24:00"), Gen.Const<JsonNode?>("08:00"),
        Gen.Const<JsonNode?>("20:00"), Gen.Const<JsonNode?>("8pm"), Gen.Const<JsonNode?>("-01:00"), Junk);

    private TestRunner _runner = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning, RunTimers = false });
        _client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = _runner.Admin.BaseAddress };
        _client.DefaultRequestHeaders.Add("x-functions-key", TestRunner.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _runner.DisposeAsync();
    }

    [Fact]
    public async Task SchoolDocuments_AnyShape_NeverAServerError_AndWhatIsAcceptedStaysUsable()
    {
        var accepted = 0;
        await SchoolDocument().SampleAsync(
            async body =>
            {
                var (journey, campaign) = await SchoolWithFamiliesAsync(_runner, 1);
                using var response = await SendAsync(HttpMethod.Put, $"api/admin/schools/{journey.SchoolId}", body);
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {Short(body)}");
                if (response.IsSuccessStatusCode)
                {
                    accepted++;
                    await UseAsync(journey.SchoolId, campaign, body);
                }
            },
            iter: Iterations,
            threads: 1);

        Assert.True(accepted > 0, "the generator also makes valid schools");
    }

    [Fact]
    public async Task CounselorDocuments_AnyShape_NeverAServerError_AndWhatIsAcceptedStaysUsable()
    {
        var accepted = 0;
        await CounselorDocument().SampleAsync(
            async body =>
            {
                var (journey, campaign) = await SchoolWithFamiliesAsync(_runner, 1);
                using var response = await SendAsync(HttpMethod.Put, $"api/admin/schools/{journey.SchoolId}/counselors/bk-1", body);
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {Short(body)}");
                if (response.IsSuccessStatusCode)
                {
                    accepted++;
                    await UseAsync(journey.SchoolId, campaign, body);
                }
            },
            iter: Iterations,
            threads: 1);

        Assert.True(accepted > 0, "the generator also makes valid counsellors");
    }

    [Fact]
    public async Task CampaignDocuments_AnyShape_NeverAServerError_AndWhatIsAcceptedStaysUsable()
    {
        var accepted = 0;
        var (journey, _) = await SchoolWithFamiliesAsync(_runner, 1);
        await CampaignDocument().SampleAsync(
            async body =>
            {
                using var response = await SendAsync(HttpMethod.Post, $"api/admin/schools/{journey.SchoolId}/campaigns", body);
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {Short(body)}");
                if (response.IsSuccessStatusCode)
                {
                    accepted++;
                    var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
                    await UseAsync(journey.SchoolId, id, body);
                }
            },
            iter: Iterations * 2,
            threads: 1);

        Assert.True(accepted > 0, "the generator also makes valid campaigns");
    }

    /// <summary>The school's campaign as the dispatcher, the sender, the feeds and the booking page use it.</summary>
    private async Task UseAsync(string schoolId, string campaignId, JsonObject body)
    {
        var campaign = (await _runner.Services.GetRequiredService<CampaignStore>().GetAsync(schoolId, campaignId, CancellationToken.None))!;
        var zone = DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
        _ = CampaignValidation.WaveDates(campaign.Definition);
        _ = CampaignValidation.LinksExpireAt(campaign.Definition, zone);

        var dispatched = await _runner.Services.GetRequiredService<CampaignDispatcher>().DispatchNowAsync(schoolId, campaignId, CancellationToken.None);
        Assert.False(dispatched.NotFound);
        var guardians = (await _runner.Services.GetRequiredService<BkOutreach.Core.Schools.SchoolDirectory>().ListGuardiansAsync(schoolId, CancellationToken.None)).Select(g => g.Id).ToList();
        for (var wave = 0; wave < campaign.Definition.Waves.Count; wave++)
        {
            await _runner.Services.GetRequiredService<SendCampaignBatch>().ExecuteAsync(new SendBatch(schoolId, campaignId, wave, guardians), CancellationToken.None);
        }

        var token = (await TokensAsync(_runner, schoolId, campaignId))[0].Token;
        foreach (var path in new[] { $"api/b/{token}", $"api/links/{token}/slots", $"api/calendar/{schoolId}/slots.ics", $"api/admin/schools/{schoolId}/dashboard", $"api/admin/schools/{schoolId}/counselors/bk-1" })
        {
            using var response = await _runner.Admin.GetAsync(path);
            Assert.True((int)response.StatusCode < 500, $"GET {path}: {(int)response.StatusCode} after accepting {Short(body)}");
        }
    }

    private static Gen<JsonObject> SchoolDocument()
    {
        var term = Gen.Select(Maybe("2026/2027 Genap", Junk), Maybe("2027-01-04", Dates), Maybe("2027-06-19", Dates))
            .Select((name, first, last) => Obj(("name", name), ("firstDay", first), ("lastDay", last)));
        var blackout = Gen.Select(Maybe("2027-03-19", Dates), Maybe("2027-03-24", Dates), Maybe("Idul Fitri", Junk))
            .Select((from, to, reason) => Obj(("from", from), ("to", to), ("reason", reason)));
        var window = Gen.Select(Maybe("08:00", Times), Maybe("20:00", Times)).Select((from, to) => (JsonNode?)Obj(("from", from), ("to", to)));
        return Gen.Select(Maybe("MA Uji Coba", Junk), Maybe("Asia/Jakarta", Gen.OneOf(Gen.Const<JsonNode?>("Asia/Makassar"), Gen.Const<JsonNode?>("Mars/Olympus"), Junk)), Maybe(-2.9761, Junk), Maybe("id", Junk))
            .SelectMany(head => Gen.Select(Mostly(window, Junk), List(term, valid: "2026/2027 Genap"), List(blackout, valid: null))
                .Select((sending, terms, blackouts) => Obj(
                    ("name", head.Item1), ("timeZone", head.Item2), ("latitude", head.Item3), ("longitude", 104.7754), ("language", head.Item4),
                    ("sendingWindow", sending), ("terms", terms), ("blackouts", blackouts))));
    }

    private static Gen<JsonObject> CounselorDocument()
    {
        var days = Gen.OneOf(Gen.Const<JsonNode?>(new JsonArray("Sat", "Sun")), Gen.Const<JsonNode?>(new JsonArray("Mon", "Mon", "Xyz")), Gen.Int[0, 300].Select(n => (JsonNode?)new JsonArray([.. Enumerable.Range(0, n).Select(_ => (JsonNode?)"Sat")])), Junk);
        var window = Gen.Select(days, Maybe("08:00", Times), Maybe("12:00", Times), Maybe("either", Gen.OneOf(Gen.Const<JsonNode?>("online"), Gen.Const<JsonNode?>("zoom"), Junk)))
            .Select((d, from, to, mode) => Obj(("days", d), ("from", from), ("to", to), ("mode", mode)));
        var numbers = Mostly(Gen.Const<JsonNode?>(30), Gen.OneOf(Gen.Int[-5, 2000].Select(i => (JsonNode?)i), Junk));
        return Gen.Select(Maybe("Guru BK", Junk), Maybe("bk1@example.sch.id", Junk), List(window, valid: null), numbers, numbers, numbers)
            .Select((name, email, windows, slot, seats, horizon) => Obj(
                ("name", name), ("email", email), ("windows", windows), ("slotMinutes", slot), ("seats", seats), ("horizonDays", horizon)));
    }

    private static Gen<JsonObject> CampaignDocument()
    {
        var kind = Gen.OneOf(Gen.Const<JsonNode?>("outreach"), Gen.Const<JsonNode?>("follow_up"), Gen.Const<JsonNode?>("survey_barrier"), Gen.Const<JsonNode?>("reminder"), Junk);
        var after = Gen.OneOf(Gen.Const<JsonNode?>(7), Gen.Int[-5, 400].Select(i => (JsonNode?)i), Junk);
        var wave = Gen.Select(kind, Maybe("2027-01-11", Dates), after).Select((k, sendOn, a) => Obj(("kind", k), ("sendOn", sendOn), ("afterDays", a)));
        var bookingWindow = Gen.Select(Maybe("2027-01-11", Dates), Maybe("2027-02-14", Dates)).Select((from, to) => (JsonNode?)Obj(("from", from), ("to", to)));
        var template = Gen.OneOf(Gen.Const<JsonNode?>("outreach"), Gen.Const<JsonNode?>("survey_channel"), Gen.Const<JsonNode?>("opt_out_confirmation"), Gen.Const<JsonNode?>("reminder"), Junk);
        var audience = Gen.OneOf(Gen.Const((JsonNode?)null), Gen.Const<JsonNode?>(Obj(("classes", new JsonArray("X IPA 1")))), Gen.Const<JsonNode?>(Obj(("counselorId", "bk-9"))), Gen.Int[0, 3000].Select(n => (JsonNode?)Obj(("classes", new JsonArray([.. Enumerable.Range(0, n).Select(_ => (JsonNode?)"X IPA 1")])))), Junk);
        var waves = Mostly(
            Gen.Const<JsonNode?>(new JsonArray(Obj(("kind", "outreach"), ("sendOn", "2027-01-11")), Obj(("kind", "follow_up"), ("afterDays", 7)))),
            Gen.OneOf(wave.Array[0, 12].Select(w => (JsonNode?)new JsonArray([.. w])), Junk));
        return Gen.Select(Maybe("Kenali guru BK", Junk), Maybe("2026/2027 Genap", Junk), Mostly(Gen.Const<JsonNode?>("outreach"), template), Mostly(Gen.Const((JsonNode?)null), audience), waves, Mostly(bookingWindow, Junk))
            .Select((name, term, t, a, w, window) => Obj(("name", name), ("term", term), ("template", t), ("audience", a), ("waves", w), ("bookingWindow", window)));
    }

    /// <summary>Mostly the valid value (so whole valid documents come up too), else one of <paramref name="bad"/>.</summary>
    private static Gen<JsonNode?> Maybe<T>(T valid, Gen<JsonNode?> bad) => Mostly(Gen.Const<JsonNode?>(JsonValue.Create(valid)), bad);

    private static Gen<JsonNode?> Mostly(Gen<JsonNode?> valid, Gen<JsonNode?> bad) => Gen.Frequency((4, valid), (1, bad));

    /// <summary>A valid list, a short or long list of generated items (nulls among them), or junk.</summary>
    private static Gen<JsonNode?> List(Gen<JsonObject> item, string? valid) => Mostly(
        Gen.Const<JsonNode?>(valid is null ? new JsonArray() : new JsonArray(Obj(("name", valid), ("firstDay", "2027-01-04"), ("lastDay", "2027-06-19")))),
        Gen.OneOf(
            Gen.OneOf(item.Select(i => (JsonNode?)i), Gen.Const((JsonNode?)null)).Array[0, 4].Select(items => (JsonNode?)new JsonArray([.. items])),
            Gen.Int[100, 3000].SelectMany(n => item.Select(i => (JsonNode?)new JsonArray([.. Enumerable.Range(0, n).Select(_ => i.DeepClone())]))),
            Junk));

    private static JsonNode Deep(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++)
        {
            node = new JsonArray(node);
        }

        return node;
    }

    private static JsonObject Obj(params (string Name, JsonNode? Value)[] properties)
    {
        var result = new JsonObject();
        foreach (var (name, value) in properties)
        {
            result[name] = value?.DeepClone();
        }

        return result;
    }

    /// <summary>
    /// Sends with <c>Expect: 100-continue</c>: a body over the limit gets its 413 before it is written (else
    /// the client would still be writing into the connection the server closed).
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(body.ToJsonString(new JsonSerializerOptions { MaxDepth = 512 }), Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        return await _client.SendAsync(request);
    }

    private static string Short(JsonObject body)
    {
        var text = body.ToJsonString(new JsonSerializerOptions { MaxDepth = 512 });
        return text.Length > 600 ? text[..600] + "…" : text;
    }
}
