using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Storage;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.Access;

/// <summary>Staff access through the local runner: real functions, real storage, the app's own access step.</summary>
public sealed class AccessRoutesTests(AccessWorld world) : IClassFixture<AccessWorld>
{
    private static StringContent Json(object value) => OutreachJourney.Json(value);

    [Fact]
    public async Task Counselor_MarksAttendanceOfOwnBooking_AndGets404ForAnotherCounselorsAndAnotherSchools()
    {
        using var counselor = await world.SignedInAsync(world.CounselorA1);
        var own = world.BookingOf(world.SchoolA, "bk-1");
        var colleagues = world.BookingOf(world.SchoolA, "bk-2");
        var otherSchools = world.BookingOf(world.SchoolB, "bk-1");

        var mine = await counselor.PostAsync($"api/admin/bookings/{own}/attendance", Json(new { status = "attended" }));
        var colleague = await counselor.PostAsync($"api/admin/bookings/{colleagues}/attendance", Json(new { status = "attended" }));
        var other = await counselor.PostAsync($"api/admin/bookings/{otherSchools}/attendance", Json(new { status = "attended" }));

        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, colleague.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        var bookings = world.Services.GetRequiredService<BookingStore>();
        Assert.Equal(Attendance.Attended, (await bookings.GetAsync(own, CancellationToken.None))!.Attendance);
        // (Another test may mark these no_show; what the refused requests asked for, attended, never happened.)
        Assert.NotEqual(Attendance.Attended, (await bookings.GetAsync(colleagues, CancellationToken.None))!.Attendance);
        Assert.NotEqual(Attendance.Attended, (await bookings.GetAsync(otherSchools, CancellationToken.None))!.Attendance);
    }

    [Fact]
    public async Task SchoolAdmin_CannotDemoteOrRemoveThemselves_ByTheJsonRoutes_ButAnotherAdminCan()
    {
        var staff = world.Services.GetRequiredService<StaffDirectory>();
        var me = $"wakil@{world.SchoolA}.sch.id";
        var colleague = $"kepala@{world.SchoolA}.sch.id";
        await staff.PutAsync(world.SchoolA, me, StaffRole.SchoolAdmin, null, CancellationToken.None);
        await staff.PutAsync(world.SchoolA, colleague, StaffRole.SchoolAdmin, null, CancellationToken.None);
        using var admin = await world.SignedInAsync(me);
        using var other = await world.SignedInAsync(colleague);
        var path = $"api/admin/schools/{world.SchoolA}/staff/{me.ToUpperInvariant()}";

        using var demoted = await admin.PutAsync(path, Json(new { role = "counselor", counselorId = "bk-1" }));
        using var removed = await admin.DeleteAsync(path);
        using var kept = await admin.PutAsync(path, Json(new { role = "school_admin" }));
        var roleAfter = (await staff.ListAsync(world.SchoolA, CancellationToken.None)).Single(m => m.Email == me).Role;
        using var byColleague = await other.PutAsync(path, Json(new { role = "counselor", counselorId = "bk-1" }));

        Assert.Equal(HttpStatusCode.Forbidden, demoted.StatusCode);
        Assert.Equal("own_access", (await demoted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, removed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal(StaffRole.SchoolAdmin, roleAfter);
        Assert.Equal(HttpStatusCode.OK, byColleague.StatusCode);
        Assert.Equal(StaffRole.Counselor, (await staff.ListAsync(world.SchoolA, CancellationToken.None)).Single(m => m.Email == me).Role);
    }

    [Fact]
    public async Task CrossSiteFormPosts_Are403_AndChangeNothing_WhileOurOwnFormWorks()
    {
        var booking = world.BookingOf(world.SchoolB, "bk-1");
        var token = await world.FormTokenAsync(world.AdminB);
        var otherToken = await world.FormTokenAsync(world.AdminA);
        using var browser = await world.SignedInAsync(world.AdminB);
        browser.DefaultRequestHeaders.Remove(FormTokens.HeaderName);
        var path = $"api/admin/bookings/{booking}/attendance";

        async Task<HttpStatusCode> PostAsync(string? formToken, string? fetchSite = null, string? origin = null)
        {
            var fields = new Dictionary<string, string> { ["status"] = "no_show" };
            if (formToken is not null)
            {
                fields[FormTokens.FieldName] = formToken;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
            if (fetchSite is not null)
            {
                request.Headers.Add("Sec-Fetch-Site", fetchSite);
            }

            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            return (await browser.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(null));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("not-a-token"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(otherToken));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(token, fetchSite: "cross-site"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(token, origin: "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(token, origin: "null"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(token, fetchSite: "same-site", origin: "null"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(token, fetchSite: "cross-site", origin: "null"));
        var bookings = world.Services.GetRequiredService<BookingStore>();
        Assert.Equal(Attendance.Unknown, (await bookings.GetAsync(booking, CancellationToken.None))!.Attendance);

        Assert.Equal(HttpStatusCode.OK, await PostAsync(token, fetchSite: "same-origin", origin: world.Runner.App.BaseUrl));
        Assert.Equal(Attendance.NoShow, (await bookings.GetAsync(booking, CancellationToken.None))!.Attendance);
    }

    [Fact]
    public async Task RevokedSchoolKey_StopsAtOnce_OnEveryInstance()
    {
        await using var second = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = world.Runner.StorageConnectionString);
        var created = await world.Runner.Admin.PostAsync($"api/admin/schools/{world.SchoolA}/api-keys", Json(new { name = "SIAKAD" }));
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var key = body.GetProperty("key").GetString()!;
        var id = body.GetProperty("id").GetString()!;
        HttpRequestMessage List()
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"api/admin/schools/{world.SchoolA}/staff");
            request.Headers.Add(SchoolKeys.Header, key);
            return request;
        }

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.Http.SendAsync(List())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.Runner.Http.SendAsync(List())).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await world.Runner.Admin.DeleteAsync($"api/admin/schools/{world.SchoolA}/api-keys/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await second.Http.SendAsync(List())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Runner.Http.SendAsync(List())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Runner.Admin.DeleteAsync($"api/admin/schools/{world.SchoolA}/api-keys/{id}")).StatusCode);
    }

    [Fact]
    public async Task WhatTheKeyTableHolds_IsNotAKey()
    {
        var created = await (await world.Runner.Admin.PostAsync($"api/admin/schools/{world.SchoolA}/api-keys", Json(new { name = "table check" }))).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString()!;
        var key = created.GetProperty("key").GetString()!;
        var row = (await world.Services.GetRequiredService<StorageAccount>().Table(StorageNames.SchoolKeysTable).GetEntityAsync<TableEntity>("key", id)).Value;
        var stored = row.GetString("Hash")!;

        Assert.DoesNotContain(row, p => p.Value is string text && text.Contains(key[^20..], StringComparison.Ordinal));
        foreach (var presented in new[] { stored, $"bks_{id}_{stored}", key + "x", key[..^1] })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/admin/schools/{world.SchoolA}/staff");
            request.Headers.Add(SchoolKeys.Header, presented);
            Assert.Equal(HttpStatusCode.Unauthorized, (await world.Runner.Http.SendAsync(request)).StatusCode);
        }

        using var genuine = new HttpRequestMessage(HttpMethod.Get, $"api/admin/schools/{world.SchoolA}/staff");
        genuine.Headers.Add(SchoolKeys.Header, key);
        Assert.Equal(HttpStatusCode.OK, (await world.Runner.Http.SendAsync(genuine)).StatusCode);
    }

    [Fact]
    public async Task SchoolKey_ActsAsItsSchoolsAdmin_OnThatSchoolOnly()
    {
        using var client = world.Anonymous();
        client.DefaultRequestHeaders.Add(SchoolKeys.Header, world.KeyA);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"api/admin/schools/{world.SchoolA}/participation.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"api/admin/schools/{world.SchoolB}/participation.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"api/admin/bookings/{world.BookingOf(world.SchoolB, "bk-1")}/attendance", Json(new { status = "attended" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"api/admin/campaigns/{world.CampaignB}/dispatch", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("api/events/acs", Json(Array.Empty<object>()))).StatusCode);
    }

    [Fact]
    public async Task SchoolAdmin_GivesACounselorAccess_WithTheStaffRoute_AndTakesItAway()
    {
        using var admin = await world.SignedInAsync(world.AdminA);
        var email = $"Guru.Baru-{Guid.NewGuid():N}@{world.SchoolA}.sch.id";
        var staff = $"api/admin/schools/{world.SchoolA}/staff/{Uri.EscapeDataString(email)}";

        var empty = await ProblemsAsync(await admin.PutAsync(staff, Json(new { })));
        var noCounselor = await ProblemsAsync(await admin.PutAsync(staff, Json(new { role = "counselor" })));
        var unknownCounselor = await ProblemsAsync(await admin.PutAsync(staff, Json(new { role = "counselor", counselorId = "bk-9" })));
        var badEmail = await ProblemsAsync(await admin.PutAsync($"api/admin/schools/{world.SchoolA}/staff/not-an-email", Json(new { role = "owner" })));
        Assert.Contains(empty, p => p.StartsWith("role:", StringComparison.Ordinal));
        Assert.Contains(noCounselor, p => p.StartsWith("counselorId:", StringComparison.Ordinal));
        Assert.Contains(unknownCounselor, p => p.StartsWith("counselorId:", StringComparison.Ordinal) && p.Contains("bk-9", StringComparison.Ordinal));
        Assert.Contains(badEmail, p => p.StartsWith("email:", StringComparison.Ordinal));
        Assert.Contains(badEmail, p => p.StartsWith("role:", StringComparison.Ordinal));

        var put = await admin.PutAsync(staff, Json(new { role = "counselor", counselorId = "bk-2" }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var listed = await (await admin.GetAsync($"api/admin/schools/{world.SchoolA}/staff")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(listed.EnumerateArray(), m => m.GetProperty("email").GetString() == email.ToLowerInvariant() && m.GetProperty("role").GetString() == "counselor" && m.GetProperty("counselorId").GetString() == "bk-2");

        using var newcomer = await world.SignedInAsync(email.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.OK, (await newcomer.GetAsync($"api/admin/schools/{world.SchoolA}/counselors/bk-2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await newcomer.GetAsync($"api/admin/schools/{world.SchoolA}/counselors/bk-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await newcomer.GetAsync($"api/admin/schools/{world.SchoolA}/participation.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await newcomer.GetAsync($"api/admin/schools/{world.SchoolB}/counselors/bk-1")).StatusCode);

        using var otherAdmin = await world.SignedInAsync(world.AdminB);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherAdmin.DeleteAsync(staff)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(staff)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(staff)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await newcomer.GetAsync($"api/admin/schools/{world.SchoolA}/counselors/bk-2")).StatusCode);
    }

    [Fact]
    public async Task StaffHome_ShowsTheSchoolsAndRoles_WithNoKeyInAnyLink_AndSendsNobodyToSignIn()
    {
        using var counselor = await world.SignedInAsync(world.CounselorA1);
        using var admin = await world.SignedInAsync(world.AdminA);
        using var nobody = world.Anonymous();

        var page = await counselor.GetAsync("api/staff");
        var html = await page.Content.ReadAsStringAsync();
        var adminHtml = await (await admin.GetAsync("api/staff")).Content.ReadAsStringAsync();
        var anonymous = await nobody.GetAsync("api/staff");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("MA " + world.SchoolA, html, StringComparison.Ordinal);
        Assert.DoesNotContain(world.SchoolB, html, StringComparison.Ordinal);
        Assert.Contains("Guru BK", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/admin/schools/{world.SchoolA}/dashboard\"", html, StringComparison.Ordinal);
        Assert.Contains("bookings.ics?key=", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("href=\"[^\"]*(key|code|token)=", html);
        Assert.DoesNotContain("participation.csv", html, StringComparison.Ordinal);
        Assert.Contains("participation.csv", adminHtml, StringComparison.Ordinal);
        Assert.Contains("Admin sekolah", adminHtml, StringComparison.Ordinal);
        Assert.DoesNotMatch("href=\"[^\"]*(key|code|token)=", adminHtml);
        Assert.Equal(HttpStatusCode.Found, anonymous.StatusCode);
        Assert.Equal("/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fstaff", anonymous.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Dashboard_ForACounselor_ShowsOnlyTheirOwnMeetings_AndCarriesNoKey()
    {
        using var counselor = await world.SignedInAsync(world.CounselorA2);
        using var nobody = world.Anonymous();
        var route = $"api/admin/schools/{world.SchoolA}/dashboard";

        var mine = await (await counselor.GetAsync(route)).Content.ReadAsStringAsync();
        var all = await (await world.Runner.Admin.GetAsync(route)).Content.ReadAsStringAsync();
        var anonymous = await nobody.GetAsync(route);

        Assert.Contains(world.BookingOf(world.SchoolA, "bk-2"), mine, StringComparison.Ordinal);
        Assert.DoesNotContain(world.BookingOf(world.SchoolA, "bk-1"), mine, StringComparison.Ordinal);
        Assert.DoesNotContain("Guru bk-1", mine, StringComparison.Ordinal);
        Assert.Contains(world.BookingOf(world.SchoolA, "bk-1"), all, StringComparison.Ordinal);
        Assert.Contains(world.BookingOf(world.SchoolA, "bk-2"), all, StringComparison.Ordinal);
        Assert.Contains($"name=\"{FormTokens.FieldName}\"", mine, StringComparison.Ordinal);
        Assert.DoesNotContain(TestRunner.AdminKey, all, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Found, anonymous.StatusCode);
        Assert.StartsWith("/.auth/login/aad?post_login_redirect_uri=", anonymous.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoSeed_GivesTheDemoSchoolItsAdminAndBothCounselors()
    {
        var seeded = await world.Services.GetRequiredService<BkOutreach.Core.Demo.DemoSeeder>().SeedAsync(
            BkOutreach.Core.Demo.DemoSeeder.Load(Path.Combine(BkOutreach.LocalRunner.RepoPaths.Root, "data", "demo", "demo-school.json")), CancellationToken.None);
        var staff = await world.Services.GetRequiredService<StaffDirectory>().ListAsync(seeded.SchoolId, CancellationToken.None);

        Assert.Equal(
            [("admin@ma-aisyiyah1plg.sch.id", StaffRole.SchoolAdmin, (string?)null), ("ahmad.fauzi@ma-aisyiyah1plg.sch.id", StaffRole.Counselor, "bk-2"), ("rahmawati.yusuf@ma-aisyiyah1plg.sch.id", StaffRole.Counselor, "bk-1")],
            staff.Select(m => (m.Email, m.Role, m.CounselorId)));
        using var admin = await world.SignedInAsync("admin@ma-aisyiyah1plg.sch.id");
        Assert.Contains("MA Aisyiyah 1 Palembang", await (await admin.GetAsync("api/staff")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<List<string>> ProblemsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. body.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)];
    }
}
