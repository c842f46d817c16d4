using BkOutreach.Core.Booking.Pages;
using BkOutreach.Core.Scheduling;
using NodaTime;
using Xunit.Abstractions;
using static BkOutreach.Tests.Pages.PageFixtures;

namespace BkOutreach.Tests.Pages;

public sealed class BookingPagesTests(ITestOutputHelper output)
{
    private const int MaxPageBytes = 30 * 1024;

    [Theory]
    [MemberData(nameof(EveryPage), MemberType = typeof(PageFixtures))]
    public void EveryPage_IsASmallSelfContainedDocumentWithBalancedTags(string page, string language)
    {
        var html = Render(page, language);

        Assert.Empty(TagProblems(html));
        Assert.Contains($"<html lang=\"{language}\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">", html, StringComparison.Ordinal);
        Assert.Single(Elements(html, "style"));
        Assert.Single(Elements(html, "h1"));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{%", html, StringComparison.Ordinal);
        var ids = Elements(html, "h2").Concat(Elements(html, "section")).Where(a => a.ContainsKey("id")).Select(a => a["id"]).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(Utf8Bytes(html) < MaxPageBytes, $"{page}.{language} is {Utf8Bytes(html)} bytes");
    }

    [Theory]
    [InlineData("id", "id")]
    [InlineData("en", "en")]
    [InlineData("en-GB", "en")]
    [InlineData("EN", "en")]
    [InlineData(null, "id")]
    [InlineData("", "id")]
    [InlineData("jv", "id")]
    public void LangAttribute_FollowsTheGuardiansLanguage(string? language, string expected)
    {
        var pages = new[]
        {
            Renderer.Booking(OneCounselor("id") with { Language = language }),
            Renderer.Confirmation(Confirmation("id") with { Language = language }),
            Renderer.NotFound(new NotFoundPageModel { Language = language }),
            Renderer.AboutBk(language),
            Renderer.TooManyRequests(new TooManyRequestsPageModel { Language = language }),
        };

        Assert.All(pages, html => Assert.Contains($"<html lang=\"{expected}\">", html, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("en")]
    public void Booking_HostileNames_AreEscapedEverywhere(string language)
    {
        var model = TwoCounselors(language) with
        {
            SchoolName = Hostile,
            StudentNames = [Hostile, "Nur'aini & Sari"],
            Counselors = TwoCounselors(language).Counselors.Select(c => c with { CounselorName = Hostile, StudentNames = [Hostile], Booking = Meeting(MeetingMode.Online, "javascript:alert(1)") }).ToList(),
        };

        var html = Renderer.Booking(model);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>Co</b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"Siti\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("'Nur'", html, StringComparison.Ordinal);
        Assert.DoesNotContain(" & ", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&amp;", html, StringComparison.Ordinal);
        Assert.Empty(TagProblems(html));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("en")]
    public void OtherPages_HostileNames_AreEscaped(string language)
    {
        var pages = new[]
        {
            Renderer.Confirmation(Confirmation(language) with
            {
                SchoolName = Hostile,
                CounselorName = Hostile,
                StudentNames = [Hostile],
                IcsUrl = "/x\"><script>alert(1)</script>",
                Meeting = Meeting(MeetingMode.Online, "https://teams.example/\"><script>alert(1)</script>"),
            }),
            Renderer.NotFound(new NotFoundPageModel { Language = language, SchoolName = Hostile }),
            Renderer.TooManyRequests(new TooManyRequestsPageModel { Language = language, BackUrl = "\"><script>alert(1)</script>" }),
        };

        Assert.All(pages, html =>
        {
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
            Assert.Empty(TagProblems(html));
        });
    }

    [Theory]
    [InlineData("id", "Sabtu, 16 Januari 2027 · tatap muka", "Pesan jadwal ini")]
    [InlineData("en", "Saturday 16 January 2027 · in person", "Book this time")]
    public void Booking_SlotForm_PostsSlotIdsAsLabelledRadiosInOneFieldsetPerDay(string language, string firstLegend, string button)
    {
        var model = OneCounselor(language, days: 7);

        var html = Renderer.Booking(model);

        var form = Assert.Single(Elements(html, "form"));
        Assert.Equal("post", form["method"]);
        Assert.Equal(PageUrl, form["action"]);
        var radios = Elements(html, "input").Where(i => i["type"] == "radio").ToList();
        Assert.All(radios, r => Assert.Equal("slot", r["name"]));
        Assert.Equal(model.Counselors[0].Slots.Select(s => s.Id.ToString()), radios.Select(r => r["value"]));
        Assert.Single(radios, r => r.ContainsKey("required"));
        Assert.Equal(radios.Count, CountOf(html, "<label><input type=\"radio\""));
        Assert.Equal(7, Elements(html, "fieldset").Count);
        Assert.Equal(7, Elements(html, "legend").Count);
        Assert.Contains($"<legend>{firstLegend}</legend>", html, StringComparison.Ordinal);
        Assert.Contains("08:00\u201308:30 WIB</label>", html, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(html, $"<button>{button}</button>"));
        Assert.DoesNotContain("?from=", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id", "bk-1", "bk-2")]
    [InlineData("en", "bk-1", "bk-2")]
    [InlineData("id", "konselor-dengan-id-yang-sangat-panjang-sekali-untuk-uji-batas-64", "konselor-dengan-id-yang-sangat-panjang-sekali-untuk-uji-batas-65")]
    public void Booking_28Days6Slots2Counselors_PagesStayUnder30KBAndTogetherOfferEverySlotOnce(string language, string firstId, string secondId)
    {
        var model = TwoCounselors(language) with
        {
            Counselors =
            [
                TwoCounselors(language).Counselors[0] with { CounselorId = firstId, Slots = Slots(firstId) },
                TwoCounselors(language).Counselors[1] with { CounselorId = secondId, Slots = Slots(secondId) },
            ],
        };
        var offered = new List<string>();
        LocalDate? from = null;

        for (var page = 1; page <= 10; page++)
        {
            var html = Renderer.Booking(model with { From = from });
            var bytes = Utf8Bytes(html);
            var radios = Elements(html, "input").Where(i => i["type"] == "radio").Select(r => r["value"]).ToList();
            output.WriteLine($"{language}, ids {firstId.Length} chars, page {page}: {radios.Count} slots, {Elements(html, "fieldset").Count} fieldsets, {bytes} bytes");
            Assert.True(bytes < MaxPageBytes, $"page {page} is {bytes} bytes");
            Assert.Empty(TagProblems(html));
            Assert.Equal(page > 1, html.Contains($"<a href=\"{PageUrl}\">", StringComparison.Ordinal));
            offered.AddRange(radios);
            var next = Elements(html, "a").Select(a => a["href"]).Where(h => h.StartsWith(PageUrl + "?from=", StringComparison.Ordinal)).Distinct().ToList();
            if (next.Count == 0)
            {
                break;
            }

            Assert.True(BookingPages.TryParseFrom(Assert.Single(next)[(PageUrl.Length + "?from=".Length)..], out var nextFrom));
            Assert.True(from is null || nextFrom > from);
            from = nextFrom;
        }

        Assert.Equal(model.Counselors.SelectMany(c => c.Slots).Select(s => s.Id.ToString()).Order(), offered.Order());
    }

    [Fact]
    public void Booking_28Days6Slots2Counselors_FirstPageWeight()
    {
        var sizes = new Dictionary<string, int>();
        foreach (var language in new[] { "id", "en" })
        {
            var model = TwoCounselors(language);
            Assert.Equal(2 * 28 * 6, model.Counselors.Sum(c => c.Slots.Count));
            var plain = Renderer.Booking(model);
            var booked = Renderer.Booking(model with
            {
                Notice = PageNotice.SlotTaken,
                Counselors = model.Counselors.Select(c => c with { Booking = Meeting(MeetingMode.Online, "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abcdefghijklmnopqrstuvwxyz%40thread.v2/0") }).ToList(),
            });
            sizes[$"booking.{language} first page of 336 slots ({Elements(plain, "input").Count(i => i["type"] == "radio")} listed)"] = Utf8Bytes(plain);
            sizes[$"booking.{language} first page + 2 bookings + notice"] = Utf8Bytes(booked);
            sizes[$"booking.{language} 7 days x 6 slots, 1 counsellor, 1 booking"] = Utf8Bytes(Renderer.Booking(OneCounselor(language, Meeting(), days: 7)));
            sizes[$"confirmation.{language}"] = Utf8Bytes(Renderer.Confirmation(Confirmation(language, MeetingMode.Online, "https://teams.microsoft.com/l/meetup-join/abc")));
            sizes[$"not_found.{language}"] = Utf8Bytes(Renderer.NotFound(new NotFoundPageModel { Language = language }));
            sizes[$"about_bk.{language}"] = Utf8Bytes(Renderer.AboutBk(language));
            sizes[$"too_many_requests.{language}"] = Utf8Bytes(Renderer.TooManyRequests(new TooManyRequestsPageModel { Language = language, BackUrl = PageUrl }));
        }

        foreach (var (name, bytes) in sizes)
        {
            output.WriteLine($"{name}: {bytes} bytes");
        }

        Assert.All(sizes, size => Assert.True(size.Value < MaxPageBytes, $"{size.Key} is {size.Value} bytes, over {MaxPageBytes}"));
    }

    [Theory]
    [InlineData("id", "tatap muka", "daring", "sisa 3 tempat")]
    [InlineData("en", "in person", "online", "3 seats left")]
    public void Booking_MixedDay_NamesModePerSlot_AndSeatsOnlyWhenMoreThanOne(string language, string inPerson, string online, string seats)
    {
        var html = Renderer.Booking(OneCounselor(language, days: 2));

        // Saturday in person (its fifth slot has seats left); Sunday three in person, then three online (the fourth has seats).
        Assert.Contains($"09:20\u201309:50 WIB, {inPerson}</label>", html, StringComparison.Ordinal);
        Assert.Contains($"10:00\u201310:30 WIB, {online} ({seats})</label>", html, StringComparison.Ordinal);
        Assert.Contains($"10:40\u201311:10 WIB, {online}</label>", html, StringComparison.Ordinal);
        Assert.Contains($"10:40\u201311:10 WIB ({seats})</label>", html, StringComparison.Ordinal);
        Assert.Equal(2, CountOf(html, seats));
    }

    [Theory]
    [InlineData("id", "Jadwal Anda", "Ganti jadwal", "Batalkan jadwal ini", "Sabtu, 16 Januari 2027", "09:20\u201309:50 WIB", "Daring, dengan Bu Nur Aini", "Link pertemuan daring")]
    [InlineData("en", "Your meeting", "Change the time", "Cancel this meeting", "Saturday 16 January 2027", "09:20\u201309:50 WIB", "Online, with Bu Nur Aini", "Online meeting link")]
    public void Booking_ExistingMeeting_ShowsItWithRescheduleAndCancelForms(
        string language, string heading, string reschedule, string cancel, string date, string time, string modeAndCounselor, string joinText)
    {
        var joinUrl = "https://teams.microsoft.com/l/meetup-join/abc";

        var html = Renderer.Booking(OneCounselor(language, Meeting(MeetingMode.Online, joinUrl)));

        Assert.Contains($"<h3>{heading}</h3>", html, StringComparison.Ordinal);
        Assert.Contains($"<b>{date}</b><br><b>{time}</b><br>{modeAndCounselor}", html, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{joinUrl}\">{joinText}</a>", html, StringComparison.Ordinal);
        Assert.Contains($"<h3>{reschedule}</h3>", html, StringComparison.Ordinal);
        var forms = Elements(html, "form");
        Assert.Equal(2, forms.Count);
        Assert.Equal(PageUrl + "/cancel", forms[0]["action"]);
        Assert.Equal("post", forms[0]["method"]);
        Assert.Equal(PageUrl, forms[1]["action"]);
        Assert.Contains(Elements(html, "input"), i => i["type"] == "hidden" && i["name"] == "counselor" && i["value"] == "bk-1");
        Assert.Contains($"<button class=\"alt\">{cancel}</button>", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf(heading, StringComparison.Ordinal) < html.IndexOf("type=\"radio\"", StringComparison.Ordinal), "the meeting comes before the slots");
    }

    [Fact]
    public void Booking_WithoutMeeting_HasNoCancelForm()
    {
        var html = Renderer.Booking(OneCounselor("id"));

        Assert.DoesNotContain("/cancel", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Ganti jadwal", html, StringComparison.Ordinal);
        Assert.Single(Elements(html, "form"));
    }

    [Fact]
    public void Booking_OnlineMeetingWithoutJoinLinkYet_SaysItWillFollow()
    {
        var html = Renderer.Booking(OneCounselor("id", Meeting(MeetingMode.Online)));

        Assert.DoesNotContain("<a href=\"https://", html, StringComparison.Ordinal);
        Assert.Contains("Link pertemuan daring akan tampil", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("en")]
    public void Booking_SlotTaken_ShowsTheMessageAndTheRemainingSlots(string language)
    {
        var expected = language == "id"
            ? "Maaf, jadwal itu baru saja dipesan orang lain. Silakan pilih jadwal lain."
            : "Sorry, someone else has just booked that time. Please choose another time.";

        var html = Renderer.Booking(OneCounselor(language, notice: PageNotice.SlotTaken));

        Assert.Contains($"<p class=\"box warn\" role=\"alert\">{expected}</p>", html, StringComparison.Ordinal);
        Assert.Equal(3 * 6, Elements(html, "input").Count(i => i["type"] == "radio"));
        Assert.True(html.IndexOf(expected, StringComparison.Ordinal) < html.IndexOf("<form", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(PageNotice.Past, "id", "sudah lewat")]
    [InlineData(PageNotice.InsideNotice, "id", "terlalu dekat")]
    [InlineData(PageNotice.NotOffered, "id", "tidak tersedia")]
    [InlineData(PageNotice.NoSlotChosen, "id", "pilih salah satu jadwal terlebih dahulu")]
    [InlineData(PageNotice.InvalidMode, "id", "pilihan cara bertemu itu tidak dikenali")]
    [InlineData(PageNotice.Cancelled, "id", "Jadwal Anda sudah dibatalkan.")]
    [InlineData(PageNotice.Past, "en", "already passed")]
    [InlineData(PageNotice.InsideNotice, "en", "too soon")]
    [InlineData(PageNotice.NotOffered, "en", "not available")]
    [InlineData(PageNotice.NoSlotChosen, "en", "choose a time first")]
    [InlineData(PageNotice.InvalidMode, "en", "way of meeting was not recognised")]
    [InlineData(PageNotice.Cancelled, "en", "Your meeting has been cancelled.")]
    public void Booking_EachNotice_HasItsOwnMessage(PageNotice notice, string language, string text)
    {
        var html = Renderer.Booking(OneCounselor(language, notice: notice));
        var none = Renderer.Booking(OneCounselor(language));

        Assert.Contains(text, html, StringComparison.Ordinal);
        Assert.DoesNotContain(text, none, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"box warn\"", none, StringComparison.Ordinal);
        Assert.Contains(notice == PageNotice.Cancelled ? "role=\"status\"" : "role=\"alert\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SlotRejection.Taken, PageNotice.SlotTaken)]
    [InlineData(SlotRejection.Past, PageNotice.Past)]
    [InlineData(SlotRejection.InsideNotice, PageNotice.InsideNotice)]
    [InlineData(SlotRejection.NotOffered, PageNotice.NotOffered)]
    [InlineData(SlotRejection.BeyondHorizon, PageNotice.NotOffered)]
    [InlineData(SlotRejection.WrongCounselor, PageNotice.NotOffered)]
    [InlineData(SlotRejection.Malformed, PageNotice.NotOffered)]
    [InlineData(SlotRejection.None, PageNotice.None)]
    public void Notice_FromSlotRejection(SlotRejection rejection, PageNotice expected) =>
        Assert.Equal(expected, PageNotices.FromRejection(rejection));

    [Fact]
    public void Booking_SeveralCounselors_OneSectionEachWithItsChildren()
    {
        var html = Renderer.Booking(TwoCounselors("id"));

        Assert.Equal(2, Elements(html, "section").Count);
        Assert.Contains("<h2 id=\"c1\">Guru BK: Dra. Hj. Nur Aini Kusumawardhani, M.Pd.</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<h2 id=\"c2\">Guru BK: Ahmad Fauzan Hidayatullah, S.Pd., M.Psi.</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<p>Untuk Anisa Nurul Hidayah Putri</p>", html, StringComparison.Ordinal);
        Assert.Contains("<b>Muhammad Rizky Alfarizi Pratama dan Anisa Nurul Hidayah Putri</b>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/api/about-bk?lang=id\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<p>Untuk", Renderer.Booking(OneCounselor("id")), StringComparison.Ordinal);
    }

    [Fact]
    public void Booking_NoOpenSlots_SaysSoWithoutAForm()
    {
        var model = OneCounselor("id") with { Counselors = [OneCounselor("id").Counselors[0] with { Slots = [] }] };

        var html = Renderer.Booking(model);

        Assert.Empty(Elements(html, "form"));
        Assert.Contains("belum ada jadwal kosong", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id", "Jadwal Anda sudah tercatat", "Tambahkan ke kalender", "Link pertemuan daring")]
    [InlineData("en", "Your meeting is booked", "Add to calendar", "Online meeting link")]
    public void Confirmation_ShowsMeetingCalendarLinksJoinLinkAndWayBack(string language, string heading, string addToCalendar, string joinText)
    {
        var model = Confirmation(language, MeetingMode.Online, "https://teams.microsoft.com/l/meetup-join/abc");

        var html = Renderer.Confirmation(model);
        var inPerson = Renderer.Confirmation(Confirmation(language));

        Assert.Contains($"<h1>{heading}</h1>", html, StringComparison.Ordinal);
        var links = Elements(html, "a").Select(a => a["href"]).ToList();
        Assert.Contains(model.IcsUrl, links);
        Assert.Contains(model.WebcalUrl, links);
        Assert.Contains(model.ManageUrl, links);
        Assert.Contains("https://teams.microsoft.com/l/meetup-join/abc", links);
        Assert.Contains($">{addToCalendar}</a>", html, StringComparison.Ordinal);
        Assert.Contains($">{joinText}</a>", html, StringComparison.Ordinal);
        Assert.Contains(language == "id" ? "Sabtu, 16 Januari 2027" : "Saturday 16 January 2027", html, StringComparison.Ordinal);
        Assert.Contains("09:20\u201309:50 WIB", html, StringComparison.Ordinal);
        Assert.DoesNotContain(joinText, inPerson, StringComparison.Ordinal);
        Assert.Contains(language == "id" ? "Tatap muka, dengan guru BK Bu Nur Aini" : "In person, with the BK counsellor Bu Nur Aini", inPerson, StringComparison.Ordinal);
    }

    [Fact]
    public void Confirmation_Rescheduled_SaysItMoved_AndNoWebcalLineWhenNotGiven()
    {
        var html = Renderer.Confirmation(Confirmation("id") with { Rescheduled = true, WebcalUrl = "" });

        Assert.Contains("<h1>Jadwal Anda sudah diganti</h1>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("webcal:", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Langganan", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id", "balas SMS dari sekolah atau hubungi ruang BK")]
    [InlineData("en", "reply to the school's SMS or contact the BK office")]
    public void NotFound_TellsHowToReachTheSchool_AndLeaksNothing(string language, string howToReach)
    {
        var html = Renderer.NotFound(new NotFoundPageModel { Language = language });

        Assert.Contains(howToReach, html, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, html, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/b/", html, StringComparison.Ordinal);
        Assert.DoesNotContain("bk-1", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Aisyiyah", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<form", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<p class=\"s\">", html, StringComparison.Ordinal);
        Assert.Contains("MA Aisyiyah 1 Palembang", Renderer.NotFound(new NotFoundPageModel { Language = language, SchoolName = "MA Aisyiyah 1 Palembang" }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id", 30, "30 detik")]
    [InlineData("id", 300, "sekitar 5 menit")]
    [InlineData("en", 45, "45 seconds")]
    [InlineData("en", 120, "about 2 minutes")]
    public void TooManyRequests_GivesARetryHint(string language, int seconds, string hint)
    {
        var html = Renderer.TooManyRequests(new TooManyRequestsPageModel { Language = language, RetryAfter = TimeSpan.FromSeconds(seconds), BackUrl = PageUrl });

        Assert.Contains(hint, html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{PageUrl}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href", Renderer.TooManyRequests(new TooManyRequestsPageModel { Language = language }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id", "bukan hanya untuk siswa yang sedang bermasalah", "/api/about-bk?lang=en")]
    [InlineData("en", "not only for students in trouble", "/api/about-bk?lang=id")]
    public void AboutBk_ExplainsWithoutStigma_AndLinksTheOtherLanguage(string language, string withoutStigma, string otherLanguage)
    {
        var html = Renderer.AboutBk(language);

        Assert.Contains(withoutStigma, html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{otherLanguage}\"", html, StringComparison.Ordinal);
        Assert.Equal(4, Elements(html, "li").Count);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
