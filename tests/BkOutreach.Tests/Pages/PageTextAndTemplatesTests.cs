using BkOutreach.Core.Booking.Pages;
using BkOutreach.Core.Scheduling;
using NodaTime;

namespace BkOutreach.Tests.Pages;

public sealed class PageTextAndTemplatesTests
{
    [Theory]
    [InlineData(2027, 1, 11, "Senin, 11 Januari 2027", "Monday 11 January 2027")]
    [InlineData(2027, 2, 16, "Selasa, 16 Februari 2027", "Tuesday 16 February 2027")]
    [InlineData(2027, 3, 17, "Rabu, 17 Maret 2027", "Wednesday 17 March 2027")]
    [InlineData(2027, 5, 6, "Kamis, 6 Mei 2027", "Thursday 6 May 2027")]
    [InlineData(2027, 8, 6, "Jumat, 6 Agustus 2027", "Friday 6 August 2027")]
    [InlineData(2027, 1, 16, "Sabtu, 16 Januari 2027", "Saturday 16 January 2027")]
    [InlineData(2027, 12, 12, "Minggu, 12 Desember 2027", "Sunday 12 December 2027")]
    public void Date_UsesOwnDayAndMonthNames(int year, int month, int day, string indonesian, string english)
    {
        var date = new LocalDate(year, month, day);

        Assert.Equal(indonesian, PageText.Date(date, "id"));
        Assert.Equal(english, PageText.Date(date, "en"));
    }

    [Theory]
    [InlineData("Asia/Jakarta", "WIB")]
    [InlineData("Asia/Pontianak", "WIB")]
    [InlineData("Asia/Makassar", "WITA")]
    [InlineData("Asia/Jayapura", "WIT")]
    [InlineData("Australia/Adelaide", "UTC+10:30")]
    public void Zone_IsTheIndonesianAbbreviationOrTheOffset(string zone, string expected)
    {
        var at = new LocalDateTime(2027, 1, 16, 8, 0).InZoneLeniently(DateTimeZoneProviders.Tzdb[zone]);

        Assert.Equal(expected, PageText.Zone(at));
        Assert.Equal("08:00\u201308:30", PageText.TimeRange(at, at.PlusMinutes(30)));
    }

    [Fact]
    public void Booking_SlotsInMakassar_ShowWitaTimes()
    {
        var wita = DateTimeZoneProviders.Tzdb["Asia/Makassar"];
        var model = PageFixtures.OneCounselor("id") with
        {
            Counselors = [PageFixtures.OneCounselor("id").Counselors[0] with { Slots = PageFixtures.Slots("bk-1", days: 1, zone: wita) }],
        };

        var html = PageFixtures.Renderer.Booking(model);

        Assert.Contains("08:00\u201308:30 WITA</label>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("WIB", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Meeting_FromStoredBooking_IsInTheSchoolsZone()
    {
        var booking = new BkOutreach.Core.Booking.Booking
        {
            Id = "b1",
            SchoolId = "s",
            CounselorId = "bk-1",
            GuardianId = "g",
            CampaignId = "c",
            SlotId = "bk-1.20270116T0800.30",
            Start = new DateTimeOffset(2027, 1, 16, 1, 0, 0, TimeSpan.Zero),
            End = new DateTimeOffset(2027, 1, 16, 1, 30, 0, TimeSpan.Zero),
            Mode = "online",
            CreatedAt = DateTimeOffset.UnixEpoch,
            UpdatedAt = DateTimeOffset.UnixEpoch,
        };

        var meeting = PageMeeting.From(booking, PageFixtures.Wib, "https://teams.example/j");

        Assert.Equal(new LocalDateTime(2027, 1, 16, 8, 0), meeting.Start.LocalDateTime);
        Assert.Equal(new LocalDateTime(2027, 1, 16, 8, 30), meeting.End.LocalDateTime);
        Assert.Equal(MeetingMode.Online, meeting.Mode);
        Assert.Equal("https://teams.example/j", meeting.OnlineJoinUrl);
    }

    [Fact]
    public void RepositoryTemplates_HaveEveryPageInBothLanguages()
    {
        var templates = new PageTemplates(PageFixtures.RepositoryPages());

        foreach (var page in new[] { BookingPages.BookingPage, BookingPages.ConfirmationPage, BookingPages.NotFoundPage, BookingPages.AboutBkPage, BookingPages.TooManyRequestsPage })
        {
            Assert.Contains((page, "id"), templates.Available);
            Assert.Contains((page, "en"), templates.Available);
        }
    }

    [Fact]
    public void DefaultFolder_IsCopiedBesideTheApp()
    {
        Assert.True(File.Exists(Path.Combine(PageTemplates.DefaultFolder, "booking.id.liquid")), PageTemplates.DefaultFolder);
        Assert.NotEmpty(new PageTemplates(PageTemplates.DefaultFolder).Available);
    }

    [Fact]
    public void Render_UnknownVariable_Throws()
    {
        using var folder = new TempFolder();
        folder.Write("typo.id.liquid", "<p>{{ shcool_name }}</p>");

        var templates = new PageTemplates(folder.Path);

        Assert.ThrowsAny<Exception>(() => templates.Render("typo", "id", new Dictionary<string, object?> { ["school_name"] = "x" }));
    }

    [Fact]
    public void Render_EncodesEveryValue_AndKeepsNonAsciiLetters()
    {
        using var folder = new TempFolder();
        folder.Write("p.id.liquid", "<p title=\"{{ v }}\">{{ v }}</p>");

        var html = new PageTemplates(folder.Path).Render("p", "id", new Dictionary<string, object?> { ["v"] = "Ṣāliḥ \"<i>\" & 'x'" });

        Assert.Equal("<p title=\"Ṣāliḥ &quot;&lt;i&gt;&quot; &amp; &#x27;x&#x27;\">Ṣāliḥ &quot;&lt;i&gt;&quot; &amp; &#x27;x&#x27;</p>", html);
    }

    [Fact]
    public void Render_MissingLanguage_FallsBackToIndonesian()
    {
        using var folder = new TempFolder();
        folder.Write("p.id.liquid", "halo");

        Assert.Equal("halo", new PageTemplates(folder.Path).Render("p", "en", new Dictionary<string, object?>()));
    }

    [Fact]
    public void Load_BrokenTemplateOrPartial_FailsNamingTheFile()
    {
        using var folder = new TempFolder();
        folder.Write("ok.id.liquid", "{% render '_part' %}");
        folder.Write("_part.liquid", "{% if x %}never closed");

        var ex = Assert.Throws<InvalidOperationException>(() => new PageTemplates(folder.Path));

        Assert.Contains("_part.liquid", ex.Message, StringComparison.Ordinal);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("bk-page-templates-").FullName;

        public void Write(string name, string text) => File.WriteAllText(System.IO.Path.Combine(Path, name), text);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
