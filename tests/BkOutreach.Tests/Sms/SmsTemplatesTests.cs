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
        SmsTemplates.Cancellation, SmsTemplates.OptOutConfirmation, SmsTemplates.Feedback,
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
    public void Render_NonGsmCharacters_CountAsUcs2()
    {
        using var folder = new TempFolder();
        folder.Write("ucs.id.liquid", "Halo {{ students }}, jadwal: {{ link }}");

        var sms = new SmsTemplates(folder.Path).Render("ucs", "id", LongModel("id") with { StudentNames = ["Ṣāliḥ"] });

        Assert.False(sms.IsGsm7);
        Assert.Equal(2, sms.Segments);
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
