using System.Net;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Participation;

/// <summary>The dashboard and export routes through the local runner.</summary>
public sealed class ParticipationRoutesTests : IAsyncLifetime
{
    private const string HostileName = "<script>alert('x')</script> Siti & \"Bu\" Aminah";
    private const string HostileCampaign = "<img src=x onerror=alert(1)> Genap";

    // Saturday 2027-01-09 09:00 WIB.
    private static readonly DateTimeOffset Clock = new(2027, 1, 9, 2, 0, 0, TimeSpan.Zero);

    private readonly string _school = "school-" + Guid.NewGuid().ToString("N")[..10];
    private TestRunner _runner = null!;
    private string _bookingId = "";

    public async Task InitializeAsync()
    {
        _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Clock });
        var services = _runner.Services;
        var directory = services.GetRequiredService<SchoolDirectory>();
        var ct = CancellationToken.None;
        await directory.PutSchoolAsync(_school, new SchoolSettings { Name = "MA <Uji> & Co", TimeZone = "Asia/Jakarta" }, ct);
        await directory.PutCounselorAsync(_school, "bk-1", new CounselorSettings { Name = "Bu Rahma" }, ct);
        var (guardian, _) = await directory.UpsertGuardianAsync(_school, "+6281234567890", HostileName, "id", [new Student("s1", "Rizky <b>Pratama</b>", "XI IPA 1", "bk-1")], ct);
        await services.GetRequiredService<CampaignStore>().TryAddAsync(new Campaign("c-genap", _school, new CampaignDefinition { Name = HostileCampaign, Term = "2026/2027 Genap" }), ct);

        var start = new DateTimeOffset(2027, 1, 16, 1, 0, 0, TimeSpan.Zero); // Saturday 08:00 WIB
        var seat = await services.GetRequiredService<BookingStore>().TakeSeatAsync(
            new SeatRequest(_school, "bk-1", guardian.Id, "c-genap", "bk-1.20270116T0800.30", start, start.AddMinutes(30), 1, "in_person", ["s1"]), ct);
        _bookingId = seat.Booking!.Id;

        var log = services.GetRequiredService<ParticipationLog>();
        ParticipationEvent Fact(ParticipationKind kind, string key, string? value = null) => new()
        {
            FactKey = key,
            Kind = kind,
            SchoolId = _school,
            GuardianId = guardian.Id,
            Channel = ParticipationChannel.Sms,
            OccurredAt = Clock.AddDays(-2),
            Term = "2026/2027 Genap",
            CampaignId = "c-genap",
            Classes = ["XI IPA 1"],
            CounselorId = "bk-1",
            Value = value,
        };
        await log.RecordManyAsync(
        [
            Fact(ParticipationKind.SmsSent, FactKeys.SmsSent("c-genap", 0, guardian.Id)),
            Fact(ParticipationKind.SmsDelivered, FactKeys.SmsDelivered("c-genap", 0, guardian.Id)),
            Fact(ParticipationKind.LinkOpened, FactKeys.LinkOpened("c-genap", guardian.Id)),
            Fact(ParticipationKind.Booked, FactKeys.Booked(_bookingId), SlotChoice.Of(start, "Asia/Jakarta", "in_person").ToValue()),
        ], ct);
        await services.GetRequiredService<RecordSurveyReply>().RecordAsync(new SurveyReply
        {
            SchoolId = _school,
            GuardianId = guardian.Id,
            Asked = SurveyAsked.Barrier,
            Text = "Jawaban saya: 1.",
            InboundMessageId = "in-1",
            ReceivedAt = Clock.AddDays(-1),
            Term = "2026/2027 Genap",
            CampaignId = "c-genap",
        }, ct);
    }

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task ParticipationRoutes_WithoutKey_Are401_AndTheDashboardSendsToSignIn()
    {
        foreach (var path in new[] { "participation.csv", "participation-events.csv", "participation.csv/codebook", "codebook" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await _runner.Http.GetAsync($"api/admin/schools/{_school}/{path}")).StatusCode);
        }

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _runner.Http.BaseAddress };
        var dashboard = await browser.GetAsync($"api/admin/schools/{_school}/dashboard");
        Assert.Equal(HttpStatusCode.Found, dashboard.StatusCode);
        Assert.Equal($"/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fadmin%2Fschools%2F{_school}%2Fdashboard", dashboard.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Dashboard_IsSelfContainedHtml_WithSvgFunnel_AndEscapedNames()
    {
        var response = await _runner.Admin.GetAsync($"api/admin/schools/{_school}/dashboard");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("(src|href)=\"https?:", html);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Siti &amp; &quot;Bu&quot; Aminah", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt; Genap", html, StringComparison.Ordinal);
        Assert.Contains("MA &lt;Uji&gt; &amp; Co", html, StringComparison.Ordinal);
        Assert.Contains($"action=\"/api/admin/bookings/{_bookingId}/attendance\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"no_show\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(TestRunner.AdminKey, html, StringComparison.Ordinal);
        Assert.DoesNotContain("6281234567890", html, StringComparison.Ordinal);
        Assert.Contains("70%", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_OpenedWithCode_NeverPutsTheKeyIntoTheAttendanceForms()
    {
        var response = await _runner.Http.GetAsync($"api/admin/schools/{_school}/dashboard?code={TestRunner.AdminKey}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"action=\"/api/admin/bookings/{_bookingId}/attendance\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"form_token\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(TestRunner.AdminKey, html, StringComparison.Ordinal);
        Assert.DoesNotContain("code=", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exports_AreCsvAndMarkdown_And404ForUnknownSchool()
    {
        var csv = await _runner.Admin.GetAsync($"api/admin/schools/{_school}/participation.csv");
        var events = await _runner.Admin.GetAsync($"api/admin/schools/{_school}/participation-events.csv");
        var codebook = await _runner.Admin.GetAsync($"api/admin/schools/{_school}/participation.csv/codebook");
        var (header, rows) = ParticipationTestKit.Parse(await csv.Content.ReadAsStringAsync());
        var (_, eventRows) = ParticipationTestKit.Parse(await events.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition!.DispositionType);
        var row = Assert.Single(rows);
        Assert.Equal("1", row[Array.IndexOf(header, "booked")]);
        Assert.Equal("saturday", row[Array.IndexOf(header, "slot_kind")]);
        Assert.Equal(5, eventRows.Count);
        Assert.Contains(eventRows, r => r.Contains("barrier=1"));
        Assert.Equal(HttpStatusCode.OK, codebook.StatusCode);
        var text = await codebook.Content.ReadAsStringAsync();
        Assert.Contains("guardian_pseudonym", text, StringComparison.Ordinal);
        var atSchool = await _runner.Admin.GetAsync($"api/admin/schools/{_school}/codebook");
        Assert.Equal((HttpStatusCode.OK, text), (atSchool.StatusCode, await atSchool.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Admin.GetAsync("api/admin/schools/no-such-school/codebook")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Admin.GetAsync("api/admin/schools/no-such-school/participation.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _runner.Admin.GetAsync("api/admin/schools/no-such-school/dashboard")).StatusCode);
    }
}
