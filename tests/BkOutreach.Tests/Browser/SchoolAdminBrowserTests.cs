using System.Text;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Staff;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BkOutreach.Tests.Browser;

/// <summary>
/// The school admin's pages in Chromium: the roster upload through a real file input with its preview
/// (nothing written until "Impor"), and the staff page checks (360/1280, JavaScript on and off, size,
/// no foreign requests, axe) on every admin page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SchoolAdminBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly SchoolAdminWorld _world = new();

    public Task InitializeAsync() => _world.InitializeAsync();

    public Task DisposeAsync() => _world.DisposeAsync();

    [Fact]
    public async Task Roster_UploadWithBadRows_PreviewShowsEachRowAndReason_WritesNothing_ImportThenSameFilePreviewsNothingNew()
    {
        var school = await _world.NewSchoolAsync();
        var csv = Encoding.UTF8.GetBytes(SchoolAdminWorld.RosterWithBadRows(5));
        var before = await _world.GuardianRowsAsync(school);
        await using var laptop = await StaffBrowser.SignedInAsync(browser, _world.Runner, SchoolAdminWorld.AdminOf(school), phone: false, bypassCsp: true);
        var page = await laptop.NewPageAsync();

        await page.GotoAsync(_world.Runner.App.BaseUrl + StaffPaths.Roster(school));
        await page.Locator("#roster_file").SetInputFilesAsync(new FilePayload { Name = "kelas-xi.csv", MimeType = "text/csv", Buffer = csv });
        await page.GetByRole(AriaRole.Button, new() { Name = "Lihat pratinjau" }).ClickAsync();

        await Expect(page.Locator("h1")).ToHaveTextAsync("Pratinjau impor");
        await Expect(page.Locator("#preview-summary")).ToContainTextAsync("5 baru, 0 berubah, 0 tetap, 3 baris ditolak");
        var rejected = page.Locator("table:has(caption:text('Baris yang ditolak')) tbody tr");
        await Expect(rejected).ToHaveCountAsync(3);
        await Expect(rejected.Nth(0)).ToContainTextAsync("7nomor wali (guardian_phone)");
        await Expect(rejected.Nth(1)).ToContainTextAsync("8counselor_id 'bk-9' bukan guru BK sekolah ini");
        await Expect(rejected.Nth(2)).ToContainTextAsync("9kolom student_name kosong");
        Assert.Equal(before, await _world.GuardianRowsAsync(school));

        await BrowserFixture.ScreenshotForReadmeAsync(page, "staff-roster-preview", output);
        var violations = await Axe.RunAsync(page);
        output.WriteLine($"axe roster preview: {violations.Count} violation(s){string.Concat(violations.Select(v => "\n  " + v))}");
        Assert.Empty(Axe.Blocking(violations));

        await page.GetByRole(AriaRole.Button, new() { Name = "Impor", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Impor selesai");
        await Expect(page.Locator("#import-summary")).ToContainTextAsync("5 baru, 0 berubah, 3 baris ditolak");
        Assert.Equal(5, (await _world.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(school, CancellationToken.None)).Count);

        await page.GetByRole(AriaRole.Link, new() { Name = "Unggah file lain" }).ClickAsync();
        await page.Locator("#roster_file").SetInputFilesAsync(new FilePayload { Name = "kelas-xi.csv", MimeType = "text/csv", Buffer = csv });
        await page.GetByRole(AriaRole.Button, new() { Name = "Lihat pratinjau" }).ClickAsync();
        await Expect(page.Locator("#preview-summary")).ToContainTextAsync("0 baru, 0 berubah, 5 tetap");
    }

    [Fact]
    public async Task Roster_WithoutJavaScript_OnAPhone_PreviewsAndImports()
    {
        var school = await _world.NewSchoolAsync();
        await using var phone = await StaffBrowser.SignedInAsync(browser, _world.Runner, SchoolAdminWorld.AdminOf(school), phone: true, javaScript: false);
        var page = await phone.NewPageAsync();
        await page.GotoAsync(_world.Runner.App.BaseUrl + StaffPaths.Roster(school));
        await page.Locator("#roster_file").SetInputFilesAsync(new FilePayload { Name = "r.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(SchoolAdminWorld.RosterWithBadRows(2)) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Lihat pratinjau" }).ClickAsync();
        await Expect(page.Locator("#preview-summary")).ToContainTextAsync("2 baru, 0 berubah");
        await page.GetByRole(AriaRole.Button, new() { Name = "Impor", Exact = true }).ClickAsync();
        await Expect(page.Locator("#import-summary")).ToContainTextAsync("2 baru, 0 berubah");
    }

    [Fact]
    public async Task EverySchoolAdminPage_PassesTheStaffPageChecks()
    {
        var school = await _world.NewSchoolAsync();
        using var body = new StringContent(SchoolAdminWorld.RosterWithBadRows(8), Encoding.UTF8, "text/csv");
        Assert.True((await _world.Runner.Admin.PostAsync($"api/admin/schools/{school}/roster", body)).IsSuccessStatusCode);
        var guardian = (await _world.Services.GetRequiredService<SchoolDirectory>().ListGuardiansAsync(school, CancellationToken.None))[0];
        string[] paths =
        [
            StaffPaths.Settings(school),
            StaffPaths.Settings(school) + "/terms",
            StaffPaths.Settings(school) + "/blackouts",
            StaffPaths.Staff(school),
            StaffPaths.Roster(school),
            StaffPaths.Guardians(school),
            StaffPaths.Guardians(school) + "?q=XI%20IPA%201",
            $"{StaffPaths.Guardians(school)}/{guardian.Id}/erase",
        ];
        foreach (var path in paths)
        {
            var html = await StaffBrowser.CheckPageAsync(browser, _world.Runner, SchoolAdminWorld.AdminOf(school), path, output);
            Assert.Contains("<h1>", html, StringComparison.Ordinal);
        }
    }
}
