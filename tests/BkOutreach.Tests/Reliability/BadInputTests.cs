using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Sms;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using CsCheck;
using Ical.Net;
using Microsoft.Azure.Functions.Worker;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Reliability;

/// <summary>Issue 8's bad input: generated garbage never yields a 5xx or an unhandled exception; limits, keys and injection.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private static readonly string[] JsonPieces =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\"id\"", "\"eventType\"", "\"data\"", "\"slotId\"", "\"mode\"", "\"messageId\"", "\"to\"",
        "\"from\"", "\"message\"", "\"deliveryStatus\"", "\"tag\"", "\"validationCode\"", "\"deliveryAttempts\"", "\"receivedTimestamp\"",
        "\"Microsoft.Communication.SMSDeliveryReportReceived\"", "\"Microsoft.Communication.SMSReceived\"", "\"Microsoft.EventGrid.SubscriptionValidationEvent\"",
        "\"Delivered\"", "\"BERHENTI\"", "\"+6281234567890\"", "\"campaign:x:wave:0:guardian:g\"", "\"bk-1.20270116T0800.30\"", "\"online\"",
        "null", "true", "false", "0", "-1", "1e999", "12345678901234567890", "\"2027-01-11T02:00:00Z\"", "\"\\u0000\"", "\"\\ud800\"", "\"é\"", " ", "\n",
    ];

    private static readonly Gen<string> JsonLike = Gen.OneOf(
        Gen.OneOf(JsonPieces.Select(Gen.Const).ToArray()).Array[0, 40].Select(string.Concat),
        Gen.String,
        EventGridShaped());

    private static readonly string[] CsvPieces =
    [
        "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n", "student_id;student_name;class;guardian_name;guardian_phone;language;counselor_id\n",
        ",", ";", "\t", "\"", "\"\"", "\n", "\r\n", "\r", "S1", "Nurul", "X IPA 1", "0812-7123-4501", "+62 813 7345 0217", "6285267780034", "12345", "id", "en", "bk-1",
        "=cmd|' /C calc'!A0", "<script>", "\u0000", "\uFEFF", "é", "ﾃｽﾄ", " ", "9999999999999999999999",
    ];

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = SchoolMorning });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task LinkTokenParser_AnyString_IsNullOrAGrant_NeverThrows()
    {
        var links = _runner.Services.GetRequiredService<LinkTokens>();
        var tokenShaped = Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/."].Array[0, 40].Select(a => new string(a));

        await Gen.OneOf(Gen.String, tokenShaped, Gen.Const((string)null!)).SampleAsync(
            async token => Assert.Null(await links.LookupAsync(token, CancellationToken.None)),
            iter: 400,
            threads: 1);
    }

    [Fact]
    public void RosterCsvParser_AnyInput_ParsesOrRaisesRosterFormatException()
    {
        var csvLike = Gen.OneOf(CsvPieces.Select(Gen.Const).ToArray()).Array[0, 60].Select(p => Encoding.UTF8.GetBytes(string.Concat(p)));

        Gen.OneOf(csvLike, Gen.Byte.Array[0, 400]).Sample(
            bytes =>
            {
                try
                {
                    var result = RosterCsv.Parse(new MemoryStream(bytes));
                    Assert.All(result.Rows, r => Assert.StartsWith("+62", r.GuardianPhone, StringComparison.Ordinal));
                }
                catch (RosterFormatException)
                {
                    // The documented refusal of a file that is not a roster.
                }
            },
            iter: 2000);
    }

    [Fact]
    public void EventGridParser_AnyPayload_ReturnsEventsOrRaisesFormatException()
    {
        JsonLike.Sample(
            json =>
            {
                try
                {
                    Assert.NotNull(AcsEvents.Parse(json));
                }
                catch (FormatException)
                {
                    // The documented refusal: the webhook answers 400.
                }
            },
            iter: 3000);
    }

    [Fact]
    public async Task EventGridWebhook_AnyPayload_NeverAServerError()
    {
        await JsonLike.SampleAsync(
            async json =>
            {
                using var response = await _runner.Admin.PostAsync("api/events/acs", new StringContent(json, Encoding.UTF8, "application/json"));
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {json}");
            },
            iter: 150,
            threads: 1);
    }

    [Theory]
    [InlineData("Microsoft.Communication.SMSReceived", "{\"from\":\"nR4|1!!x/4w%`|Y% Zw?KOF\\\\X\",\"to\":\"+6281200000000\",\"message\":\"1\"}")] // found by CsCheck seed 6d_p3vTRhqp6
    [InlineData("Microsoft.Communication.SMSReceived", "{\"from\":\"+62 812#34\",\"message\":\"STOP\"}")]
    [InlineData("Microsoft.Communication.SMSDeliveryReportReceived", "{\"messageId\":\"m1\",\"deliveryStatus\":\"Delivered\",\"tag\":\"campaign:c/1:wave:0:guardian:g#?\"}")]
    public async Task EventGridWebhook_SenderNotANumber_OrTagWithReservedCharacters_IsIgnored(string eventType, string data)
    {
        var json = $"[{{\"id\":\"{Guid.NewGuid():N}\",\"eventType\":\"{eventType}\",\"data\":{data}}}]";

        using var response = await _runner.Admin.PostAsync("api/events/acs", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, body.RootElement.GetProperty("ignored").GetInt32());
        Assert.Equal(0, body.RootElement.GetProperty("processed").GetInt32());
    }

    [Fact]
    public async Task BookingJson_AnyBody_NeverAServerError()
    {
        var (journey, campaign) = await SchoolWithFamiliesAsync(_runner, 1);
        var token = (await TokensAsync(_runner, journey.SchoolId, campaign))[0].Token;

        await JsonLike.SampleAsync(
            async json =>
            {
                using var response = await _runner.Http.PostAsync($"api/links/{token}/booking", new StringContent(json, Encoding.UTF8, "application/json"));
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {json}");
            },
            iter: 150,
            threads: 1);
    }

    [Theory]
    [InlineData("POST", "api/links/{token}/booking", "{\"slotId\":12}", "slotId: expected a string.")]
    [InlineData("POST", "api/links/{token}/booking", "{\"slotId\":", "The body is not valid JSON (line 1, byte 11).")]
    [InlineData("POST", "api/links/{token}/booking", "", "The body is empty.")]
    [InlineData("PUT", "api/admin/schools/{school}/counselors/bk-1", "{\"name\":\"Guru\",\"seats\":\"many\"}", "seats: expected a whole number.")]
    [InlineData("PUT", "api/admin/schools/{school}", "{\"name\":\"S\",\"terms\":[{\"name\":\"T\",\"firstDay\":5}]}", "terms[0].firstDay: expected a string.")]
    [InlineData("POST", "api/admin/schools/{school}/campaigns", "[1]", "the body: expected an object.")]
    [InlineData("POST", "api/events/acs", "{x", "The Event Grid body is not JSON (line 1, byte 2).")]
    public async Task MalformedJson_Gets400NamingTheField_WithoutOurTypeNamesOrParserInternals(string method, string route, string body, string problem)
    {
        var (journey, campaign) = await SchoolWithFamiliesAsync(_runner, 1);
        var token = (await TokensAsync(_runner, journey.SchoolId, campaign))[0].Token;
        using var request = new HttpRequestMessage(new HttpMethod(method), route.Replace("{token}", token, StringComparison.Ordinal).Replace("{school}", journey.SchoolId, StringComparison.Ordinal))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };

        using var response = await _runner.Admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([problem], JsonDocument.Parse(text).RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()));
        Assert.DoesNotContain("BkOutreach", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "api/links/{token}/booking", "application/json", false)]
    [InlineData("POST", "api/links/{token}/booking", "application/json", true)]
    [InlineData("POST", "api/events/acs", "application/json", false)]
    [InlineData("POST", "api/admin/schools/{school}/campaigns", "application/json", false)]
    [InlineData("PUT", "api/admin/schools/{school}", "application/json", false)]
    [InlineData("PUT", "api/admin/schools/{school}/counselors/bk-1", "application/json", false)]
    public async Task BodiesOverOneMegabyte_Get413(string method, string route, string contentType, bool chunked)
    {
        var (journey, campaign) = await SchoolWithFamiliesAsync(_runner, 1);
        var token = (await TokensAsync(_runner, journey.SchoolId, campaign))[0].Token;
        var body = new byte[(1024 * 1024) + 1];
        Array.Fill(body, (byte)' ');
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (chunked)
        {
            content.Headers.ContentLength = null;
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), route.Replace("{token}", token, StringComparison.Ordinal).Replace("{school}", journey.SchoolId, StringComparison.Ordinal)) { Content = content };
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        // A route may answer 413 from Content-Length alone and close; without 100-continue the client
        // would still be writing the body into a closed connection. The client waits for the server's
        // answer however busy the machine is (by default it gives up waiting after 1 s and sends the body).
        request.Headers.ExpectContinue = true;
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = _runner.Admin.BaseAddress };
        client.DefaultRequestHeaders.Add("x-functions-key", TestRunner.AdminKey);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "api/links/{token}/booking", "text/plain")]
    [InlineData("POST", "api/links/{token}/booking", "application/x-www-form-urlencoded")]
    [InlineData("POST", "api/events/acs", "text/xml")]
    [InlineData("POST", "api/admin/schools/{school}/roster", "application/json")]
    [InlineData("POST", "api/admin/schools/{school}/campaigns", "text/plain")]
    [InlineData("PUT", "api/admin/schools/{school}", "text/plain")]
    [InlineData("PUT", "api/admin/schools/{school}/counselors/bk-1", "application/xml")]
    public async Task WrongContentTypes_Get415(string method, string route, string contentType)
    {
        var (journey, campaign) = await SchoolWithFamiliesAsync(_runner, 1);
        var token = (await TokensAsync(_runner, journey.SchoolId, campaign))[0].Token;
        using var request = new HttpRequestMessage(new HttpMethod(method), route.Replace("{token}", token, StringComparison.Ordinal).Replace("{school}", journey.SchoolId, StringComparison.Ordinal))
        {
            Content = new StringContent("{\"slotId\":\"x\"}", Encoding.UTF8, contentType),
        };

        using var response = await _runner.Admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task EveryAdminRoute_RefusesAMissingOrWrongKey()
    {
        var admin = FunctionCatalog.Discover([typeof(BkOutreach.Functions.Health.GetHealth).Assembly])
            .Where(f => f.Kind == TriggerKind.Http && BkOutreach.Functions.Http.AccessGate.RuleOf(f.Method)!.Scope != BkOutreach.Core.Access.AccessScope.Public)
            .ToList();
        // Redirects are not followed: a page sends nobody-signed-in to sign in (302), which is a refusal too.
        using var nobody = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _runner.Http.BaseAddress };
        using var wrongKey = new HttpClient { BaseAddress = _runner.Http.BaseAddress };
        wrongKey.DefaultRequestHeaders.Add("x-functions-key", "not-the-key");

        Assert.NotEmpty(admin);
        foreach (var function in admin)
        {
            var path = "api/" + System.Text.RegularExpressions.Regex.Replace(function.Http!.Route!, @"\{[^}]+\}", "x");
            foreach (var method in function.Http.Methods ?? ["get"])
            {
                foreach (var client in new[] { nobody, wrongKey })
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                    using var response = await client.SendAsync(request);
                    Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.Found, $"{function.Name} {method} {path}: {(int)response.StatusCode}");
                }

                using var wrongCode = await _runner.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path + "?code=not-the-key"));
                Assert.True(wrongCode.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{function.Name} {method} {path}?code=…: {(int)wrongCode.StatusCode}");
            }
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.PostAsync("admin/functions/SweepBookingEvents", null)).StatusCode);
    }

    [Fact]
    public async Task HtmlAndICalendarInjection_InNames_ComeOutInert()
    {
        const string Evil = "Bu \"Ani\" <script>alert(1)</script>\r\nATTENDEE:mailto:evil@example.com\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pwned;x=\"y\"\\,";

        // A counsellor's name is at most 100 characters (README "Limits"): the same attack, shorter.
        const string EvilCounselor = "Bu \"Ani\" <b>\r\nATTENDEE:mailto:evil@example.com\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pwned;x=\"y\"\\,";
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        Assert.Equal(HttpStatusCode.OK, (await _runner.Admin.PutAsync($"api/admin/schools/{journey.SchoolId}/counselors/bk-1", OutreachJourney.Json(new { name = EvilCounselor, email = "bk1@example.sch.id" }))).StatusCode);
        var csvName = "\"" + Evil.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await journey.ImportAsync($"student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\nS1,{csvName},X IPA 1,{csvName},081299887766,id,bk-1\n");
        var campaign = await journey.CreateCampaignAsync();
        var token = (await TokensAsync(_runner, journey.SchoolId, campaign))[0].Token;
        var slot = (await _runner.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots"))[0].GetProperty("id").GetString()!;
        var booked = await (await _runner.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slot }))).Content.ReadFromJsonAsync<JsonElement>();
        var feedUrl = (await _runner.Admin.GetFromJsonAsync<JsonElement>($"api/admin/schools/{journey.SchoolId}/counselors/bk-1")).GetProperty("feedUrl").GetString()!;

        var documents = new[]
        {
            await _runner.Http.GetStringAsync(new Uri(booked.GetProperty("icsUrl").GetString()!).PathAndQuery.TrimStart('/')),
            await _runner.Http.GetStringAsync(new Uri(feedUrl).PathAndQuery.TrimStart('/')),
            await _runner.Http.GetStringAsync($"api/calendar/{journey.SchoolId}/slots.ics"),
        };

        foreach (var ics in documents)
        {
            var lines = ics.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n");
            Assert.DoesNotContain(lines, l => l.StartsWith("ATTENDEE:mailto:evil", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.StartsWith("SUMMARY:pwned", StringComparison.Ordinal));
            Assert.Equal(lines.Count(l => l == "BEGIN:VEVENT"), lines.Count(l => l == "END:VEVENT"));
            Assert.All(lines, l => Assert.DoesNotContain('\n', l));
            var calendar = Calendar.Load(ics)!;
            Assert.All(calendar.Events, e => Assert.DoesNotContain("evil@example.com", string.Join(",", e.Attendees.Select(a => a.Value?.ToString())), StringComparison.Ordinal));
        }

        Assert.Single(Calendar.Load(documents[0])!.Events);
        Assert.Single(Calendar.Load(documents[1])!.Events);
    }

    private static Gen<string> EventGridShaped()
    {
        var value = Gen.OneOf(Gen.String.Select(s => JsonSerializer.Serialize(s)), Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Gen.Const("null"), Gen.Const("{}"), Gen.Const("[]"), Gen.Const("\"Delivered\""), Gen.Const("\"6281234567890\""));
        var type = Gen.OneOf(Gen.Const("Microsoft.Communication.SMSDeliveryReportReceived"), Gen.Const("Microsoft.Communication.SMSReceived"), Gen.Const("Microsoft.EventGrid.SubscriptionValidationEvent"), Gen.String);
        var field = Gen.OneOf(Gen.Const("messageId"), Gen.Const("from"), Gen.Const("to"), Gen.Const("message"), Gen.Const("deliveryStatus"), Gen.Const("tag"), Gen.Const("deliveryAttempts"), Gen.Const("receivedTimestamp"), Gen.Const("validationCode"), Gen.String);
        var data = Gen.Select(field, value).Array[0, 8].Select(kv => "{" + string.Join(",", kv.Select(p => $"{JsonSerializer.Serialize(p.Item1)}:{p.Item2}")) + "}");
        var ev = Gen.Select(value, type, data).Select((id, t, d) => $"{{\"id\":{id},\"eventType\":{JsonSerializer.Serialize(t)},\"data\":{d}}}");
        return ev.Array[0, 4].Select(events => "[" + string.Join(",", events) + "]");
    }
}
