using BkOutreach.Core.Sms;

namespace BkOutreach.Tests.Sms;

public sealed class SmsTemplatesTests
{
    private const string LongStudentName = "Muhammad Rizky Alfarizi Pratama Putra";

    // 36-character base + a 28-character token: the 64-character link the budget is checked with.
    private static readonly string Link = "https://bk-outreach.ma1plg.id/api/b/" + "Ab3dEf6hIj9lMn0pQr5tUv_xYz12";

    private static readonly string[] Templates =
    [
        SmsTemplates.Outreach, SmsTemplates.FollowUp, SmsTemplates.BookingConfirmation, SmsTemplates.Reminder,
        SmsTemplates.Cancellation, SmsTemplates.OptOutConfirmation, SmsTemplates.Feedback, SmsTemplates.ChannelSms, SmsTemplates.ChannelWhatsApp,
    ];

    private readonly SmsTemplates _templates = new(RepositoryTemplates());

    public static TheoryData<string, string> EveryTemplateAndLanguage()
    {
        var data = new TheoryData<string, string>();
        foreach (var template in Templates)
        {
            data.Add(template, "id");
            data.Add(template, "en");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryTemplateAndLanguage))]
    public void Render_WithLongRealisticNamesAnd64CharLink_FitsTwoGsm7Segments(string template, string language)
    {
        Assert.Equal(64, Link.Length);
        Assert.Contains((template, language), _templates.Available);

        var sms = _templates.Render(template, language, LongModel(language));

        Assert.True(sms.IsGsm7, $"{template}.{language} leaves GSM-7: {sms.Text}");
        Assert.True(sms.Segments <= 2, $"{template}.{language} is {sms.Segments} segments ({sms.Text.Length} chars): {sms.Text}");
        Assert.Equal(language, sms.Language);
        Assert.DoesNotContain("{{", sms.Text, StringComparison.Ordinal);
        if (sms.Text.Contains("Rizky", StringComparison.Ordinal))
        {
            Assert.Contains(LongStudentName, sms.Text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("id")]
    [InlineData("en")]
    public void Render_OutreachForThreeSiblings_UsesCallingNamesAndFits(string language)
    {
        var model = LongModel(language) with
        {
            StudentNames = ["Muhammad Rizky Alfarizi Pratama", "Anisa Nurul Hidayah Putri", "Nurul Aini Rahmawati Kusuma"],
        };

        var sms = _templates.Render(SmsTemplates.Outreach, language, model);

        Assert.Contains(language == "id" ? "Rizky, Anisa dan Nurul" : "Rizky, Anisa and Nurul", sms.Text, StringComparison.Ordinal);
        Assert.True(sms.Segments <= 2, sms.Text);
    }

    [Fact]
    public void Render_Outreach_ExplainsTheRoleWithoutStigma_OffersOptions_CarriesLinkAndStop()
    {
        var id = _templates.Render(SmsTemplates.Outreach, "id", LongModel("id")).Text;
        var en = _templates.Render(SmsTemplates.Outreach, "en", LongModel("en")).Text;

        foreach (var phrase in new[] { "SETIAP siswa", "belajar", "emosi", "pergaulan", "tak hanya yg bermasalah", "akhir pekan/malam", "tatap muka/online", Link, "BERHENTI" })
        {
            Assert.Contains(phrase, id, StringComparison.Ordinal);
        }

        foreach (var phrase in new[] { "EVERY student", "study", "feelings", "friends", "not just problems", "weekends/evenings", "in person/online", Link, "Reply STOP" })
        {
            Assert.Contains(phrase, en, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("jv")]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ID ")]
    public void Render_UnknownOrMissingLanguage_FallsBackToIndonesian(string? language)
    {
        var sms = _templates.Render(SmsTemplates.Reminder, language, LongModel("id"));

        Assert.Equal("id", sms.Language);
        Assert.StartsWith("Pengingat", sms.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TemplateWithOnlyIndonesian_FallsBackForEnglish()
    {
        using var folder = new TempFolder();
        folder.Write("hello.id.liquid", "Halo {{ students }}");

        var sms = new SmsTemplates(folder.Path).Render("hello", "en", new SmsTemplateModel { StudentNames = ["Nur'aini & Sari"] });

        Assert.Equal("id", sms.Language);
        Assert.Equal("Halo Nur'aini & Sari", sms.Text);
    }

    [Fact]
    public void Render_UnknownVariableInTemplate_Throws()
    {
        using var folder = new TempFolder();
        folder.Write("typo.id.liquid", "Halo {{ studnets }}");

        Assert.ThrowsAny<Exception>(() => new SmsTemplates(folder.Path).Render("typo", "id", new SmsTemplateModel()));
    }

    [Fact]
    public void Render_TooLongTemplate_IsCountedOverBudget()
    {
        using var folder = new TempFolder();
        folder.Write("long.id.liquid", new string('x', 300) + " {{ link }}");

        var sms = new SmsTemplates(folder.Path).Render("long", "id", LongModel("id"));

        Assert.Equal(3, sms.Segments);
    }

    [Fact]
    public void Render_NonGsmCharactersInTheTemplateItself_CountAsUcs2()
    {
        using var folder = new TempFolder();
        folder.Write("ucs.id.liquid", "Halo {{ students }} \u263A, jadwal: {{ link }}");

        var sms = new SmsTemplates(folder.Path).Render("ucs", "id", LongModel("id") with { StudentNames = ["Budi"] });

        Assert.False(sms.IsGsm7);
        Assert.Equal(2, sms.Segments);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("en")]
    public void Render_TypographicApostropheInAName_IsFoldedToGsm7_AndSentThatWay(string language)
    {
        var sms = _templates.Render(SmsTemplates.Outreach, language, LongModel(language) with { StudentNames = ["Nur\u2019aini Putri"], SchoolName = "MA \u201CAisyiyah\u201D 1 \u2013 Palembang\u2026" });

        Assert.True(sms.IsGsm7, sms.Text);
        Assert.True(sms.Segments <= 2, $"{sms.Segments} segments: {sms.Text}");
        Assert.Contains("Nur'aini Putri", sms.Text, StringComparison.Ordinal);
        Assert.Contains("MA \"Aisyiyah\" 1 - Palembang...", sms.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("en")]
    public void Render_EmojiInAName_IsLeftOut_SoTheSmsStaysGsm7WithinTwoSegments(string language)
    {
        var sms = _templates.Render(SmsTemplates.Outreach, language, LongModel(language) with { StudentNames = ["Putri \U0001F338 Ayu"] });

        Assert.True(sms.IsGsm7, sms.Text);
        Assert.True(sms.Segments <= 2, $"{sms.Segments} segments: {sms.Text}");
        Assert.Contains("Putri Ayu", sms.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DiacriticsOutsideGsm7_LoseTheMarkNotTheLetter()
    {
        var sms = _templates.Render(SmsTemplates.Reminder, "id", LongModel("id") with { StudentNames = ["\u1E62\u0101li\u1E25"] });

        Assert.True(sms.IsGsm7, sms.Text);
        Assert.Contains("Salih", sms.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EveryTemplateAndLanguage))]
    public void Render_SixtyCharacterNamesEverywhere_NeverExceedsTwoSegments(string template, string language)
    {
        var sixty = "Raden Ajeng Siti Nurhaliza Kusumawardhani Prameswari Putri A";
        Assert.Equal(60, sixty.Length);
        var model = LongModel(language) with { GuardianName = sixty, StudentNames = [sixty, sixty.Replace("Siti", "Sri", StringComparison.Ordinal)], CounselorName = sixty };

        var sms = _templates.Render(template, language, model);

        Assert.True(sms.IsGsm7, sms.Text);
        Assert.True(sms.Segments <= 2, $"{template}.{language} is {sms.Segments} segments: {sms.Text}");
    }

    [Theory]
    [InlineData("id", "Bpk/Ibu wali siswa:")]
    [InlineData("en", "Parent of your child:")]
    public void Render_NamesThatCannotFit_DropTheGreetingNameRatherThanGoToFourSegments(string language, string greeting)
    {
        // Calling names are the first non-prefix word, so three 40-letter first names cannot fit beside a long school.
        var names = new[] { "A", "B", "C" }.Select(x => x + new string('a', 39) + " Putri").ToList();
        var model = LongModel(language) with { StudentNames = names, SchoolName = "Madrasah Aliyah Muhammadiyah 1 Kota Palembang" };

        var sms = _templates.Render(SmsTemplates.Outreach, language, model);

        Assert.True(sms.Segments <= 2, $"{sms.Segments} segments: {sms.Text}");
        Assert.StartsWith(greeting, sms.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Aaaa", sms.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NameInAScriptGsm7CannotCarry_FallsBackToTheGenericGreeting()
    {
        var sms = _templates.Render(SmsTemplates.Outreach, "id", LongModel("id") with { StudentNames = ["\u738B\u5C0F\u660E"] });

        Assert.True(sms.IsGsm7, sms.Text);
        Assert.StartsWith("Bpk/Ibu wali siswa:", sms.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void OverBudget_RealisticSchoolAndCounsellor_IsEmpty_AHundredCharacterSchoolNameIsNot()
    {
        Assert.Empty(_templates.OverBudget("Madrasah Aliyah Muhammadiyah 1 Kota Palembang", "Dra. Hj. Nur Aini Kusumawardhani, M.Pd.", "Asia/Makassar", "https://bk-outreach-prod.azurewebsites.net"));

        var over = _templates.OverBudget(new string('S', 100), "Bu Ani", "Asia/Jakarta", "https://bk-outreach-prod.azurewebsites.net");

        Assert.Contains(over, r => r.Template == SmsTemplates.Outreach);
        Assert.All(over, r => Assert.True(r.Segments > 2));
    }

    [Fact]
    public void Load_UnknownTemplate_ThrowsKeyNotFound() =>
        Assert.Throws<KeyNotFoundException>(() => _templates.Render("nope", "id", new SmsTemplateModel()));

    [Fact]
    public void Load_BrokenTemplate_FailsAtLoadNamingTheFile()
    {
        using var folder = new TempFolder();
        folder.Write("broken.id.liquid", "Halo {{ students ");

        var ex = Assert.Throws<InvalidOperationException>(() => new SmsTemplates(folder.Path));

        Assert.Contains("broken.id.liquid", ex.Message, StringComparison.Ordinal);
    }

    private static SmsTemplateModel LongModel(string language) => new()
    {
        GuardianName = "Hj. Siti Nurhaliza Kusumawardani",
        StudentNames = [LongStudentName],
        SchoolName = "Madrasah Aliyah Aisyiyah 1 Palembang",
        CounselorName = "Dra. Hj. Nur Aini Kusumawardhani, M.Pd.",
        Link = Link,
        MeetingTime = language == "en" ? "Saturday, 16 January 2027 at 09:00 WIB" : "Sabtu, 16 Januari 2027 pukul 09.00 WIB",
        Mode = language == "en" ? "online (link on the booking page)" : "online (tautan di halaman pemesanan)",
    };

    private static string RepositoryTemplates()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "templates", "sms");
            if (File.Exists(Path.Combine(dir.FullName, "BkOutreach.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("templates/sms not found above " + AppContext.BaseDirectory);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("bk-sms-templates-").FullName;

        public void Write(string name, string text) => File.WriteAllText(System.IO.Path.Combine(Path, name), text);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
