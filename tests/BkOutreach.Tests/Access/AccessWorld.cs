using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Access;

/// <summary>
/// Two schools on one runner: A (counsellors bk-1 and bk-2, an admin) and B (counsellor bk-1, an admin), a
/// booking of each counsellor, a campaign and an automation key of each school, and a platform admin by
/// email. Shared by the access tests.
/// </summary>
public sealed class AccessWorld : IAsyncLifetime
{
    public const string PlatformAdmin = "root@platform.example.id";

    // Saturday 2027-01-09 09:00 WIB.
    public static readonly DateTimeOffset Clock = new(2027, 1, 9, 2, 0, 0, TimeSpan.Zero);

    public string SchoolA { get; } = "a-" + Guid.NewGuid().ToString("N")[..10];

    public string SchoolB { get; } = "b-" + Guid.NewGuid().ToString("N")[..10];

    public string AdminA => $"admin@{SchoolA}.sch.id";

    public string AdminB => $"admin@{SchoolB}.sch.id";

    public string CounselorA1 => $"bk1@{SchoolA}.sch.id";

    public string CounselorA2 => $"bk2@{SchoolA}.sch.id";

    public string CounselorB1 => $"bk1@{SchoolB}.sch.id";

    public TestRunner Runner { get; private set; } = null!;

    /// <summary>Bookings by (school, counsellor): <c>A|bk-1</c>, <c>A|bk-2</c>, <c>B|bk-1</c> with the school's id.</summary>
    public Dictionary<string, string> Bookings { get; } = new(StringComparer.Ordinal);

    public string CampaignA { get; } = "ca-" + Guid.NewGuid().ToString("N")[..8];

    public string CampaignB { get; } = "cb-" + Guid.NewGuid().ToString("N")[..8];

    public string KeyA { get; private set; } = "";

    public string KeyB { get; private set; } = "";

    public IServiceProvider Services => Runner.Services;

    public string BookingOf(string schoolId, string counselorId) => Bookings[$"{schoolId}|{counselorId}"];

    public async Task InitializeAsync()
    {
        Runner = await TestRunner.StartAsync(s => s["Auth:PlatformAdmins"] = $"someone@else.id, {PlatformAdmin.ToUpperInvariant()}", new RunnerSettings { Clock = Clock });
        var ct = CancellationToken.None;
        var directory = Services.GetRequiredService<SchoolDirectory>();
        var staff = Services.GetRequiredService<StaffDirectory>();
        var campaigns = Services.GetRequiredService<CampaignStore>();
        var bookings = Services.GetRequiredService<BookingStore>();
        foreach (var (school, counselors) in new[] { (SchoolA, new[] { "bk-1", "bk-2" }), (SchoolB, new[] { "bk-1" }) })
        {
            await directory.PutSchoolAsync(school, new SchoolSettings { Name = "MA " + school, TimeZone = "Asia/Jakarta" }, ct);
            var campaign = school == SchoolA ? CampaignA : CampaignB;
            await campaigns.TryAddAsync(new Campaign(campaign, school, new CampaignDefinition { Name = "Genap", Term = "2026/2027 Genap", BookingWindow = new DateWindow("2027-01-04", "2027-02-14") }), ct);
            foreach (var counselor in counselors)
            {
                await directory.PutCounselorAsync(school, counselor, new CounselorSettings { Name = $"Guru {counselor}" }, ct);
                var (guardian, _) = await directory.UpsertGuardianAsync(school, counselor == "bk-1" ? "+6281234500001" : "+6281234500002", "Wali " + counselor, "id", [new Student("s-" + counselor, "Siswa " + counselor, "XI IPA 1", counselor)], ct);

                // Meetings that have ended (Friday 19:30 WIB), so they can be marked.
                var start = new DateTimeOffset(2027, 1, 8, 12, 30, 0, TimeSpan.Zero);
                var seat = await bookings.TakeSeatAsync(new SeatRequest(school, counselor, guardian.Id, campaign, $"{counselor}.20270108T1930.30", start, start.AddMinutes(30), 1, "in_person", ["s-" + counselor]), ct);
                Bookings[$"{school}|{counselor}"] = seat.Booking!.Id;
            }
        }

        await staff.PutAsync(SchoolA, AdminA, StaffRole.SchoolAdmin, null, ct);
        await staff.PutAsync(SchoolA, CounselorA1, StaffRole.Counselor, "bk-1", ct);
        await staff.PutAsync(SchoolA, CounselorA2, StaffRole.Counselor, "bk-2", ct);
        await staff.PutAsync(SchoolB, AdminB, StaffRole.SchoolAdmin, null, ct);
        await staff.PutAsync(SchoolB, CounselorB1, StaffRole.Counselor, "bk-1", ct);
        var keys = Services.GetRequiredService<SchoolKeys>();
        KeyA = (await keys.CreateAsync(SchoolA, "A sync", ct)).Key;
        KeyB = (await keys.CreateAsync(SchoolB, "B sync", ct)).Key;
    }

    public async Task DisposeAsync() => await Runner.DisposeAsync();

    /// <summary>
    /// A client of the runner signed in as <paramref name="email"/> with the runner's development sign-in (a
    /// session cookie; the runner then sets the platform's principal header, as App Service Authentication
    /// does), as a browser after sign-in. It carries a valid anti-forgery token for its state-changing
    /// requests, as our pages do. Redirects are not followed.
    /// </summary>
    public Task<HttpClient> SignedInAsync(string email) => SignedInAsync(Runner, email);

    /// <summary>As <see cref="SignedInAsync(string)"/>, on any runner.</summary>
    public static async Task<HttpClient> SignedInAsync(TestRunner runner, string email)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = runner.Http.BaseAddress };
        using var signIn = await client.GetAsync($".auth/login/dev?user={Uri.EscapeDataString(email)}&post_login_redirect_uri=%2Fapi%2Fstaff");
        Assert.Equal(System.Net.HttpStatusCode.Found, signIn.StatusCode);
        client.DefaultRequestHeaders.Add(FormTokens.HeaderName, await FormTokenAsync(runner.Services, email));
        return client;
    }

    /// <summary>A client with no identity that does not follow redirects.</summary>
    public HttpClient Anonymous() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Runner.Http.BaseAddress };

    /// <summary>A valid anti-forgery token of a signed-in person, as our pages carry it.</summary>
    public Task<string> FormTokenAsync(string email) => FormTokenAsync(Services, email);

    private static Task<string> FormTokenAsync(IServiceProvider services, string email) =>
        services.GetRequiredService<FormTokens>().IssueAsync(new Caller(CallerKind.Principal, StaffEmail.Normalize(email), false, []), CancellationToken.None);
}
