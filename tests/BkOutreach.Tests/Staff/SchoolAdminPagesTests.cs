using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;

namespace BkOutreach.Tests.Staff;

/// <summary>
/// The school admin's pages through the local runner, signed in with the development sign-in: settings
/// saved through the admin route's checks and guarded by their version, roster preview writing nothing,
/// guardians search and erasure, staff access, and who may open these pages at all.
/// </summary>
public sealed partial class SchoolAdminPagesTests(SchoolAdminWorld world) : IClassFixture<SchoolAdminWorld>
{
    [Fact]
    public async Task Settings_InvalidValue_ComesBackOnItsField_WithTheOtherValuesKept()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var version = Hidden(await GetHtmlAsync(admin, StaffPaths.Settings(school)), "version");

        using var response = await PostAsync(admin, StaffPaths.Settings(school), Settings("MA Baru", "Asia/Makassar", "91", "119,4", "07:30", "19:00", version));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("id=\"latitude-error\"", html, StringComparison.Ordinal);
        Assert.Contains("Lintang: 91 harus antara -90 dan 90.", html, StringComparison.Ordinal);
        Assert.Contains("href=\"#latitude\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"name-error\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"MA Baru\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Asia/Makassar\" selected", html, StringComparison.Ordinal);
        Assert.Contains("value=\"119,4\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"07:30\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"91\"", html, StringComparison.Ordinal);
        Assert.Equal("MA Uji " + school, (await StoredAsync(school)).GetProperty("name").GetString());

        using var notANumber = await PostAsync(admin, StaffPaths.Settings(school), Settings("MA Baru", "Asia/Makassar", "-5,1", "abc", "25:00", "19:00", version));
        var second = await notANumber.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, notANumber.StatusCode);
        Assert.Contains("Isi bujur sebagai angka", second, StringComparison.Ordinal);
        Assert.Contains("id=\"window_from-error\"", second, StringComparison.Ordinal);
        Assert.Contains("value=\"abc\"", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_ValidSave_Persists_AndAStaleFormGets409WithoutOverwriting()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var staleVersion = Hidden(await GetHtmlAsync(admin, StaffPaths.Settings(school)), "version");

        using var saved = await PostAsync(admin, StaffPaths.Settings(school), Settings("MA Aisyiyah 2 Makassar", "Asia/Makassar", "-5,14", "119.41", "07:30", "19:00", staleVersion));
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        Assert.Equal(StaffPaths.Settings(school) + "?done=saved", saved.Headers.Location!.OriginalString);

        var stored = await StoredAsync(school);
        Assert.Equal("MA Aisyiyah 2 Makassar", stored.GetProperty("name").GetString());
        Assert.Equal("Asia/Makassar", stored.GetProperty("timeZone").GetString());
        Assert.Equal(-5.14, stored.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(119.41, stored.GetProperty("longitude").GetDouble(), 6);
        Assert.Equal("07:30", stored.GetProperty("sendingWindow").GetProperty("from").GetString());
        Assert.Equal(1, stored.GetProperty("terms").GetArrayLength());
        Assert.Contains("Pengaturan sekolah tersimpan.", await GetHtmlAsync(admin, StaffPaths.Settings(school) + "?done=saved"), StringComparison.Ordinal);

        using var stale = await PostAsync(admin, StaffPaths.Settings(school), Settings("MA Lama", "Asia/Jakarta", "-2.99", "104.76", "08:00", "20:00", staleVersion));
        var html = await stale.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("sudah disimpan orang lain", html, StringComparison.Ordinal);
        Assert.Contains("value=\"MA Lama\"", html, StringComparison.Ordinal);
        Assert.Contains("MA Aisyiyah 2 Makassar", html, StringComparison.Ordinal);
        Assert.Equal("MA Aisyiyah 2 Makassar", (await StoredAsync(school)).GetProperty("name").GetString());
        Assert.NotEqual(staleVersion, Hidden(html, "version"));
    }

    [Fact]
    public async Task Terms_BadRangeOnItsField_ValidTermSaved_AndRemoved()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var path = StaffPaths.Settings(school) + "/terms";
        var version = Hidden(await GetHtmlAsync(admin, path), "version");

        using var bad = await PostAsync(admin, path, [new("action", "add"), new("version", version), new("term_name", "2027/2028 Ganjil"), new("term_first", "2027-12-20"), new("term_last", "2027-07-12")]);
        var html = await bad.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("id=\"term_first-error\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"2027/2028 Ganjil\"", html, StringComparison.Ordinal);
        Assert.Equal(1, (await StoredAsync(school)).GetProperty("terms").GetArrayLength());

        using var good = await PostAsync(admin, path, [new("action", "add"), new("version", version), new("term_name", "2027/2028 Ganjil"), new("term_first", "2027-07-12"), new("term_last", "2027-12-20")]);
        Assert.Equal(HttpStatusCode.SeeOther, good.StatusCode);
        var terms = (await StoredAsync(school)).GetProperty("terms");
        Assert.Equal(["2026/2027 Genap", "2027/2028 Ganjil"], terms.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray());

        using var staleRemove = await PostAsync(admin, path, [new("action", "remove"), new("version", version), new("index", "0")]);
        Assert.Equal(HttpStatusCode.Conflict, staleRemove.StatusCode);

        var current = Hidden(await GetHtmlAsync(admin, path), "version");
        using var removed = await PostAsync(admin, path, [new("action", "remove"), new("version", current), new("index", "0")]);
        Assert.Equal(HttpStatusCode.SeeOther, removed.StatusCode);
        Assert.Equal(["2027/2028 Ganjil"], (await StoredAsync(school)).GetProperty("terms").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray());
    }

    [Fact]
    public async Task Terms_BadForm_ComesBackInThePagesLanguage_IndonesianUnlessChosenEnglish()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var path = StaffPaths.Settings(school) + "/terms";
        var version = Hidden(await GetHtmlAsync(admin, path), "version");
        KeyValuePair<string, string>[] bad = [new("action", "add"), new("version", version), new("term_name", ""), new("term_first", "2027-13-01"), new("term_last", "2027-06-19")];

        using var indonesian = await PostAsync(admin, path, bad);
        var html = WebUtility.HtmlDecode(await indonesian.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, indonesian.StatusCode);
        Assert.Contains("Nama semester: wajib diisi.", html, StringComparison.Ordinal);
        Assert.Contains("Hari pertama: '2027-13-01' bukan tanggal (tttt-bb-hh).", html, StringComparison.Ordinal);
        Assert.DoesNotContain("required", html, StringComparison.Ordinal);
        Assert.DoesNotContain("is not a", html, StringComparison.Ordinal);

        using var backwards = await PostAsync(admin, path, [new("action", "add"), new("version", version), new("term_name", "Genap B"), new("term_first", "2027-02-01"), new("term_last", "2027-01-01")]);
        Assert.Contains(
            "Hari pertama: 2027-02-01 jatuh setelah hari terakhir (2027-01-01).",
            WebUtility.HtmlDecode(await backwards.Content.ReadAsStringAsync()),
            StringComparison.Ordinal);

        using var english = await PostAsync(admin, path + "?lang=en", bad);
        var englishHtml = WebUtility.HtmlDecode(await english.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, english.StatusCode);
        Assert.Contains("Term name: required.", englishHtml, StringComparison.Ordinal);
        Assert.Contains("First day: '2027-13-01' is not a yyyy-MM-dd date.", englishHtml, StringComparison.Ordinal);
        Assert.Equal(1, (await StoredAsync(school)).GetProperty("terms").GetArrayLength());
    }

    [Fact]
    public async Task Blackouts_AddedWithEmptyEnd_IsOneDay()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var path = StaffPaths.Settings(school) + "/blackouts";
        var version = Hidden(await GetHtmlAsync(admin, path), "version");

        using var bad = await PostAsync(admin, path, [new("action", "add"), new("version", version), new("bo_from", "19-03-2027"), new("bo_to", ""), new("bo_reason", "Idul Fitri")]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("id=\"bo_from-error\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var good = await PostAsync(admin, path, [new("action", "add"), new("version", version), new("bo_from", "2027-03-19"), new("bo_to", ""), new("bo_reason", "Idul Fitri")]);
        Assert.Equal(HttpStatusCode.SeeOther, good.StatusCode);
        var blackout = Assert.Single((await StoredAsync(school)).GetProperty("blackouts").EnumerateArray());
        Assert.Equal("2027-03-19", blackout.GetProperty("from").GetString());
        Assert.Equal(JsonValueKind.Null, blackout.GetProperty("to").ValueKind);
        Assert.Equal("Idul Fitri", blackout.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task RosterPreview_WritesNothing_ListsBadRows_AndImportingItThenPreviewsNothingNew()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var csv = SchoolAdminWorld.RosterWithBadRows(4);
        var before = await world.GuardianRowsAsync(school);

        var preview = await PreviewAsync(admin, school, csv);
        Assert.Equal(before, await world.GuardianRowsAsync(school));
        Assert.Contains("4 baru, 0 berubah", preview, StringComparison.Ordinal);
        Assert.Contains("<td>6</td><td>nomor wali (guardian_phone) bukan nomor yang sah</td>", preview, StringComparison.Ordinal);
        Assert.Contains("<td>7</td><td>counselor_id &#x27;bk-9&#x27; bukan guru BK sekolah ini</td>", preview, StringComparison.Ordinal);
        Assert.Contains("<td>8</td><td>kolom student_name kosong</td>", preview, StringComparison.Ordinal);

        using var imported = await PostAsync(admin, StaffPaths.Roster(school) + "/import", [new("upload_id", Hidden(preview, "upload_id"))]);
        var done = await imported.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Contains("4 baru, 0 berubah", done, StringComparison.Ordinal);
        Assert.DoesNotContain("berubah sejak pratinjau", done, StringComparison.Ordinal);
        Assert.Equal(4, (await world.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(school, CancellationToken.None)).Count);

        using var again = await PostAsync(admin, StaffPaths.Roster(school) + "/import", [new("upload_id", Hidden(preview, "upload_id"))]);
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);

        var second = await PreviewAsync(admin, school, csv);
        Assert.Contains("0 baru, 0 berubah</strong>, 4 tetap", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RosterPreview_OfAWindows1252File_ShowsAndImportsTheNamesAsWritten_AndSaysWhereAQuoteIsNeverClosed()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        byte[] csv = [.. Encoding.ASCII.GetBytes("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\r\nW1,Ren"), 0xE9, .. Encoding.ASCII.GetBytes(" M"), 0xFC,
            .. Encoding.ASCII.GetBytes("ller,X 1,Ibu,081255557771,id,bk-1\r\nW2,\"Ana,X 1,Bapak,081255557772,id,bk-1\r\nW3,Ani,X 1,Ibu Ani,081255557773,id,bk-1\r\n")];

        var preview = WebUtility.HtmlDecode(await PreviewAsync(admin, school, csv));
        Assert.Contains("René Müller (X 1)", preview, StringComparison.Ordinal);
        Assert.Contains("<td>3</td><td>tanda kutip (\") yang dibuka di baris ini tidak pernah ditutup", preview, StringComparison.Ordinal);
        Assert.Contains("2 baru, 0 berubah", preview, StringComparison.Ordinal);

        using var imported = await PostAsync(admin, StaffPaths.Roster(school) + "/import", [new("upload_id", Hidden(preview, "upload_id"))]);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var guardians = await world.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(school, CancellationToken.None);
        Assert.Equal(["Ani", "René Müller"], guardians.SelectMany(g => g.Students).Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RosterPreview_NamesTheGuardiansAFullImportWouldRemove_AndAFullImportRemovesExactlyThem()
    {
        var school = await world.NewSchoolAsync();
        using var body = new StringContent(SchoolAdminWorld.RosterWithBadRows(4), Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await world.Runner.Admin.PostAsync($"api/admin/schools/{school}/roster", body)).StatusCode);
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var firstTwo = string.Join('\n', SchoolAdminWorld.RosterWithBadRows(4).Split('\n').Take(3).Select(l => l.Replace("Siswa Nomor 2,", "Siswa Nomor Dua,", StringComparison.Ordinal)));

        var merge = await PreviewAsync(admin, school, firstTwo);
        Assert.Contains("0 baru, 1 berubah</strong>, 1 tetap, 0 baris ditolak", merge, StringComparison.Ordinal);
        Assert.Contains("Wali yang dihapus pada impor penuh (2)", merge, StringComparison.Ordinal);
        Assert.Contains("Impor ini tidak menghapus siapa pun", merge, StringComparison.Ordinal);
        Assert.Contains("<td>Wali 3</td>", merge, StringComparison.Ordinal);
        Assert.Contains("<td>Wali 4</td>", merge, StringComparison.Ordinal);

        var full = await PreviewAsync(admin, school, firstTwo, "full");
        Assert.Contains("Impor ini akan menghapus wali berikut", full, StringComparison.Ordinal);
        using var imported = await PostAsync(admin, StaffPaths.Roster(school) + "/import", [new("upload_id", Hidden(full, "upload_id"))]);
        Assert.Contains("0 baru, 1 berubah</strong>, 0 baris ditolak, 2 wali dihapus", await imported.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var left = await world.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(school, CancellationToken.None);
        Assert.Equal(["Wali 1", "Wali 2"], left.Select(g => g.Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task RosterImport_WhenTheRosterChangedSincePreview_SaysWhatItDid()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var csv = SchoolAdminWorld.RosterWithBadRows(3);
        var preview = await PreviewAsync(admin, school, csv);
        Assert.Contains("3 baru, 0 berubah", preview, StringComparison.Ordinal);

        // Someone imports the same file by the JSON route in between.
        using var body = new StringContent(csv, Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await world.Runner.Admin.PostAsync($"api/admin/schools/{school}/roster", body)).StatusCode);

        using var imported = await PostAsync(admin, StaffPaths.Roster(school) + "/import", [new("upload_id", Hidden(preview, "upload_id"))]);
        var done = await imported.Content.ReadAsStringAsync();
        Assert.Contains("0 baru, 0 berubah", done, StringComparison.Ordinal);
        Assert.Contains("berubah sejak pratinjau", done, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RosterImport_OfAnotherPersonsUpload_FindsNothing()
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var preview = await PreviewAsync(admin, school, SchoolAdminWorld.RosterWithBadRows(2));
        var staff = world.Services.GetRequiredService<BkOutreach.Core.Access.StaffDirectory>();
        var second = $"admin2@{school}.sch.id";
        await staff.PutAsync(school, second, BkOutreach.Core.Access.StaffRole.SchoolAdmin, null, CancellationToken.None);
        using var other = await world.SignedInAsync(second);

        using var imported = await PostAsync(other, StaffPaths.Roster(school) + "/import", [new("upload_id", Hidden(preview, "upload_id"))]);
        Assert.Equal(HttpStatusCode.Gone, imported.StatusCode);
        Assert.Empty(await world.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(school, CancellationToken.None));
    }

    [Fact]
    public async Task Guardians_SearchByClass_FindsExactlyThatClass_MaskedNumbers_AndEraseRemovesTheGuardian()
    {
        var school = await world.NewSchoolAsync();
        using var body = new StringContent(SchoolAdminWorld.RosterWithBadRows(6), Encoding.UTF8, "text/csv");
        Assert.Equal(HttpStatusCode.OK, (await world.Runner.Admin.PostAsync($"api/admin/schools/{school}/roster", body)).StatusCode);
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));

        var html = await GetHtmlAsync(admin, StaffPaths.Guardians(school) + "?q=" + Uri.EscapeDataString("xi  ipa 1"));
        Assert.Contains("3 wali ditemukan", html, StringComparison.Ordinal);
        var students = StudentNames().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["Siswa Nomor 1", "Siswa Nomor 3", "Siswa Nomor 5"], students);
        Assert.Contains("&#x2B;62812****0001", html, StringComparison.Ordinal);
        Assert.DoesNotContain("+6281234500001", html, StringComparison.Ordinal);

        var byName = await GetHtmlAsync(admin, StaffPaths.Guardians(school) + "?q=nomor%204");
        Assert.Equal(["Siswa Nomor 4"], StudentNames().Matches(byName).Select(m => m.Groups[1].Value).ToArray());

        var directory = world.Services.GetRequiredService<SchoolDirectory>();
        var guardian = (await directory.ListGuardiansAsync(school, CancellationToken.None)).Single(g => g.Students[0].Id == "s003");
        var erasePath = $"{StaffPaths.Guardians(school)}/{guardian.Id}/erase";
        var confirm = await GetHtmlAsync(admin, erasePath);
        Assert.Contains("Siswa Nomor 3", confirm, StringComparison.Ordinal);
        Assert.NotNull(await directory.GetGuardianAsync(school, guardian.Id, CancellationToken.None));

        using var erased = await PostAsync(admin, erasePath, []);
        Assert.Equal(HttpStatusCode.SeeOther, erased.StatusCode);
        Assert.Null(await directory.GetGuardianAsync(school, guardian.Id, CancellationToken.None));
        var after = await GetHtmlAsync(admin, StaffPaths.Guardians(school) + "?q=XI%20IPA%201&done=erased");
        Assert.Contains("2 wali ditemukan", after, StringComparison.Ordinal);
        Assert.Contains("Data wali sudah dihapus.", after, StringComparison.Ordinal);

        using var twice = await PostAsync(admin, erasePath, []);
        Assert.Equal(HttpStatusCode.NotFound, twice.StatusCode);
    }

    [Fact]
    public async Task Staff_AdminCannotRemoveOwnAccess_AddsPeopleAndCounsellorsWithTheDefaultPolicy()
    {
        var school = await world.NewSchoolAsync();
        var me = SchoolAdminWorld.AdminOf(school);
        using var admin = await world.SignedInAsync(me);

        using var self = await PostAsync(admin, StaffPaths.Staff(school), [new("action", "remove"), new("email", me)]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, self.StatusCode);
        Assert.Contains("tidak dapat menghapus atau menurunkan akses admin Anda sendiri", await self.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var demote = await PostAsync(admin, StaffPaths.Staff(school), [new("action", "add"), new("email", me.ToUpperInvariant()), new("role", "counselor"), new("counselor_id", "bk-1")]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, demote.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(StaffPaths.Staff(school).TrimStart('/'))).StatusCode);

        using var noCounselor = await PostAsync(admin, StaffPaths.Staff(school), [new("action", "add"), new("email", "guru@contoh.sch.id"), new("role", "counselor"), new("counselor_id", "")]);
        var html = await noCounselor.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, noCounselor.StatusCode);
        Assert.Contains("id=\"counselor_id-error\"", html, StringComparison.Ordinal);
        Assert.Contains("Konselor: pilih konselor yang jadwal dan siswanya dikelola guru BK ini.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"guru@contoh.sch.id\"", html, StringComparison.Ordinal);

        using var badCounselor = await PostAsync(admin, StaffPaths.Staff(school), [new("action", "add_counselor"), new("c_id", "BK 3!"), new("c_name", ""), new("c_email", "bad")]);
        var wrong = WebUtility.HtmlDecode(await badCounselor.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badCounselor.StatusCode);
        Assert.Contains("Kode konselor: 'BK 3!' tidak bisa dipakai; pakai 1–63 huruf kecil, angka dan tanda '-' (misalnya bk-3).", wrong, StringComparison.Ordinal);
        Assert.Contains("Nama konselor: wajib diisi.", wrong, StringComparison.Ordinal);
        Assert.Contains("Email konselor: 'bad' bukan alamat email yang benar (nama@domain, tanpa spasi).", wrong, StringComparison.Ordinal);

        using var counselor = await PostAsync(admin, StaffPaths.Staff(school), [new("action", "add_counselor"), new("c_id", "bk-3"), new("c_name", "Bu Sari"), new("c_email", "sari@contoh.sch.id"), new("c_grant", "yes")]);
        Assert.Equal(HttpStatusCode.SeeOther, counselor.StatusCode);
        var stored = await world.Services.GetRequiredService<SchoolDirectory>().GetCounselorAsync(school, "bk-3", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal("Bu Sari", stored.Name);
        Assert.Empty(stored.Windows);
        var page = await GetHtmlAsync(admin, StaffPaths.Staff(school));
        Assert.Contains("sari@contoh.sch.id", page, StringComparison.Ordinal);

        using var taken = await PostAsync(admin, StaffPaths.Staff(school), [new("action", "add_counselor"), new("c_id", "bk-3"), new("c_name", "Pak Lain"), new("c_email", "")]);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal("Bu Sari", (await world.Services.GetRequiredService<SchoolDirectory>().GetCounselorAsync(school, "bk-3", CancellationToken.None))!.Name);

        using var removed = await PostAsync(admin, StaffPaths.Staff(school), [new("action", "remove"), new("email", "sari@contoh.sch.id")]);
        Assert.Equal(HttpStatusCode.SeeOther, removed.StatusCode);
        Assert.DoesNotContain("sari@contoh.sch.id</td><td>Guru BK", await GetHtmlAsync(admin, StaffPaths.Staff(school)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_RefuseCounsellors_AndAnotherSchoolsAdmin()
    {
        var school = await world.NewSchoolAsync();
        using var counselor = await world.SignedInAsync(SchoolAdminWorld.CounselorOf(school));
        using var otherAdmin = await world.SignedInAsync(world.OtherAdmin);
        string[] paths = [StaffPaths.Settings(school), StaffPaths.Settings(school) + "/terms", StaffPaths.Settings(school) + "/blackouts", StaffPaths.Staff(school), StaffPaths.Roster(school), StaffPaths.Guardians(school)];
        foreach (var path in paths)
        {
            foreach (var client in new[] { counselor, otherAdmin })
            {
                using var get = await client.GetAsync(path.TrimStart('/'));
                Assert.Equal(HttpStatusCode.Forbidden, get.StatusCode);

                // A page in Indonesian with the way home, not a JSON body, and no form of the refused page.
                Assert.Equal("text/html", get.Content.Headers.ContentType?.MediaType);
                var refusal = await get.Content.ReadAsStringAsync();
                Assert.Contains("<h1>Tidak ada akses</h1>", refusal, StringComparison.Ordinal);
                Assert.Contains("href=\"/api/staff\"", refusal, StringComparison.Ordinal);
                Assert.DoesNotContain("<form", refusal, StringComparison.Ordinal);
                if (path.EndsWith("/roster", StringComparison.Ordinal) || path.EndsWith("/guardians", StringComparison.Ordinal))
                {
                    continue;
                }

                using var post = await PostAsync(client, path, [new("action", "add"), new("name", "Diambil alih")]);
                Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
            }
        }

        foreach (var client in new[] { counselor, otherAdmin })
        {
            var preview = new MultipartFormDataContent { { new StringContent(SchoolAdminWorld.RosterWithBadRows(1)), "roster_file", "r.csv" } };
            using var posted = await client.PostAsync(StaffPaths.Roster(school).TrimStart('/') + "/preview", preview);
            Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);
            using var erase = await PostAsync(client, $"{StaffPaths.Guardians(school)}/0000/erase", []);
            Assert.Equal(HttpStatusCode.Forbidden, erase.StatusCode);
        }

        Assert.Equal("MA Uji " + school, (await StoredAsync(school)).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("null", null, HttpStatusCode.Forbidden)]
    [InlineData("null", "cross-site", HttpStatusCode.Forbidden)]
    [InlineData("null", "same-site", HttpStatusCode.Forbidden)]
    [InlineData("null", "same-origin", HttpStatusCode.SeeOther)]
    public async Task FormPosts_WithTheNullOriginOfANoReferrerPage_CountAsOursOnlyWhenTheBrowserSaysSameOrigin(string origin, string? fetchSite, HttpStatusCode expected)
    {
        var school = await world.NewSchoolAsync();
        using var admin = await world.SignedInAsync(SchoolAdminWorld.AdminOf(school));
        var version = Hidden(await GetHtmlAsync(admin, StaffPaths.Settings(school)), "version");
        using var request = new HttpRequestMessage(HttpMethod.Post, StaffPaths.Settings(school).TrimStart('/'))
        {
            Content = new FormUrlEncodedContent(Settings("MA Baru", "Asia/Jakarta", "-2.99", "104.76", "08:00", "20:00", version)),
        };
        request.Headers.Add("Origin", origin);
        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        using var response = await admin.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.SeeOther ? "MA Baru" : "MA Uji " + school, (await StoredAsync(school)).GetProperty("name").GetString());
    }

    private async Task<JsonElement> StoredAsync(string school)
    {
        using var response = await world.Runner.Admin.GetAsync($"api/admin/schools/{school}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("school").Clone();
    }

    private Task<string> PreviewAsync(HttpClient client, string school, string csv, string mode = "merge") =>
        PreviewAsync(client, school, Encoding.UTF8.GetBytes(csv), mode);

    private async Task<string> PreviewAsync(HttpClient client, string school, byte[] csv, string mode = "merge")
    {
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(file, "roster_file", "kelas-xi.csv");
        content.Add(new StringContent(mode), "mode");
        using var response = await client.PostAsync(StaffPaths.Roster(school).TrimStart('/') + "/preview", content);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {html}\n{world.Runner.Log.Tail(30)}");
        return html;
    }

    private static List<KeyValuePair<string, string>> Settings(string name, string zone, string latitude, string longitude, string from, string to, string version) =>
        [new("name", name), new("time_zone", zone), new("latitude", latitude), new("longitude", longitude), new("language", "id"), new("window_from", from), new("window_to", to), new("version", version)];

    private static async Task<string> GetHtmlAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path.TrimStart('/'));
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode} {html}");
        return html;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, IEnumerable<KeyValuePair<string, string>> fields)
    {
        using var form = new FormUrlEncodedContent(fields);
        return await client.PostAsync(path.TrimStart('/'), form);
    }

    private static string Hidden(string html, string name)
    {
        var match = Regex.Match(html, $"name=\"{name}\" value=\"([^\"]*)\"");
        Assert.True(match.Success, $"no hidden field {name}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("<tr><td>(Siswa Nomor \\d+) <span class=\"tag\">")]
    private static partial Regex StudentNames();
}
