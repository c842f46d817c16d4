using System.Globalization;
using BkOutreach.Core.Booking;
using BkOutreach.Tests.Staff;
using Xunit.Abstractions;

namespace BkOutreach.Tests.Browser;

/// <summary>The staff home (<c>GET /api/staff</c>): what needs doing first, per role, and the staff page checks.</summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffHomeBrowserTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task StaffHome_ShowsMeetingsUnreadMessagesUnmarkedAttendanceAndTheNextWave_AndPassesTheStaffPageChecks()
    {
        // Monday 11 January 2027, 09:00 WIB.
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayMorning);
        var admin = $"admin@{kit.SchoolId}.sch.id";
        await MessagesKit.GrantAsync(kit.Runner, kit.SchoolId, admin, null);
        var guardian = await kit.GuardianIdAsync(MessagesKit.Parent1);
        var bookings = kit.Runner.Services.GetRequiredService<BookingStore>();
        async Task BookAsync(string campaign, int day, int hourWib)
        {
            var start = new DateTimeOffset(2027, 1, day, hourWib, 0, 0, TimeSpan.FromHours(7));
            var slot = string.Create(CultureInfo.InvariantCulture, $"bk-1.{start.UtcDateTime:yyyyMMdd'T'HHmm}.30");
            var seat = await bookings.TakeSeatAsync(new SeatRequest(kit.SchoolId, "bk-1", guardian, campaign, slot, start, start.AddMinutes(30), 1, "in_person", ["M1"], Classes: ["X IPA 1"]), CancellationToken.None);
            Assert.NotNull(seat.Booking);
        }

        await BookAsync("c-earlier", 11, 7);
        await BookAsync("c-today", 11, 13);
        await BookAsync("c-tomorrow", 12, 10);
        await BookAsync("c-marked", 8, 10);
        var marked = (await bookings.ListAsync(kit.SchoolId, "bk-1", CancellationToken.None)).Single(b => b.CampaignId == "c-marked");
        await bookings.UpdateAsync(marked.Id, b => new BookingChange(b with { Attendance = Attendance.Attended }, BookingEventKind.Attended), CancellationToken.None);
        await kit.ReplyAsync(MessagesKit.Parent1, "Bisa hari Minggu sore, Bu?");
        await kit.ReplyAsync(MessagesKit.Parent1, "Atau Sabtu pagi?");
        await kit.Journey.CreateCampaignAsync("2027-01-13");

        using var counselor = await kit.SignedInAsync(kit.Counselor1);
        using var schoolAdmin = await kit.SignedInAsync(admin);
        var mine = await counselor.GetStringAsync("api/staff");
        var school = await schoolAdmin.GetStringAsync("api/staff");

        Assert.Contains("Hari ini · Senin, 11 Januari 2027", mine, StringComparison.Ordinal);
        Assert.Contains("13:00\u201313:30 WIB · Siswa Satu (X IPA 1) · tatap muka", mine, StringComparison.Ordinal);
        Assert.Contains("Besok · Selasa, 12 Januari 2027", mine, StringComparison.Ordinal);
        Assert.Contains("10:00\u201310:30 WIB · Siswa Satu (X IPA 1)", mine, StringComparison.Ordinal);
        Assert.Contains("<strong>2 pesan orang tua belum dibaca</strong>", mine, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/staff/schools/{kit.SchoolId}/counselors/bk-1/messages\"", mine, StringComparison.Ordinal);
        Assert.Contains("<strong>1 pertemuan sudah dimulai", mine, StringComparison.Ordinal);
        Assert.Contains("Senin, 11 Januari 2027 07:00\u201307:30 WIB", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("Gelombang berikutnya", mine, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/staff/schools/{kit.SchoolId}/counselors/bk-1/schedule\"", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("/settings\"", mine, StringComparison.Ordinal);
        Assert.Contains("Gelombang berikutnya: <strong>Kenali guru BK · pesan pertama · Rabu, 13 Januari 2027</strong>", school, StringComparison.Ordinal);
        Assert.Contains("Pesan untuk Guru bk-1", school, StringComparison.Ordinal);
        foreach (var page in new[] { "settings", "staff", "roster", "guardians", "campaigns" })
        {
            Assert.Contains($"href=\"/api/staff/schools/{kit.SchoolId}/{page}\"", school, StringComparison.Ordinal);
        }

        var checkedHtml = await StaffBrowser.CheckPageAsync(browser, kit.Runner, kit.Counselor1, "/api/staff", output);
        await StaffBrowser.CheckPageAsync(browser, kit.Runner, admin, "/api/staff", output);
        Assert.Contains("Yang perlu dikerjakan dulu", checkedHtml, StringComparison.Ordinal);

        await using var phone = await StaffBrowser.SignedInAsync(browser, kit.Runner, kit.Counselor1);
        var home = await phone.NewPageAsync();
        await home.GotoAsync(kit.Runner.App.BaseUrl + "/api/staff");
        await BrowserFixture.ScreenshotForReadmeAsync(home, "staff-home", output);
    }
}
