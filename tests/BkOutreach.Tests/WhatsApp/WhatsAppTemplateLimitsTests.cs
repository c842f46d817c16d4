using BkOutreach.Core.Links;
using BkOutreach.Core.Sms;
using BkOutreach.Core.WhatsApp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BkOutreach.Tests.WhatsApp;

public sealed class WhatsAppTemplateLimitsTests
{
    private static readonly SmsTemplates Sms = new(SmsTemplates.DefaultFolder);

    private static WhatsAppTemplates Templates(string apiVersion = WhatsAppOptions.DefaultApiVersion)
    {
        var options = new WhatsAppOptions { ChannelRegistrationId = Guid.NewGuid().ToString(), ApiVersion = apiVersion };
        foreach (var template in WhatsAppTemplates.Known.Keys)
        {
            options.Templates[template] = new Dictionary<string, string> { ["id"] = "bk_" + template + "_id", ["en"] = "bk_" + template + "_en" };
        }

        return new WhatsAppTemplates(Sms, Options.Create(options));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("en")]
    public void EveryTemplate_WithLongRealNamesAndARealLink_RendersWithinWhatsAppLimits(string language)
    {
        var link = LinkTokens.BookingUrl("https://bk.ma-aisyiyah1plg.sch.id", new string('x', LinkTokens.TokenLength));
        var model = new SmsTemplateModel
        {
            GuardianName = "Hj. Siti Nurhaliza Rahmawati binti Abdurrahman",
            // Siblings with long real names, one pasted from a spreadsheet with a line break and tabs in it.
            StudentNames = ["Muhammad Rizky Ananda Pratama Saputra Al-Fatih Nugroho Wibisono", "Nur Aisyah\n\tPutri     Ramadhani Kusumawardhani", "Ahmad Fauzan Hidayatullah Syahputra"],
            SchoolName = "Madrasah Aliyah Aisyiyah 1 Palembang (Program Keagamaan dan IPA Unggulan)",
            CounselorName = "Ibu Dra. Rahmawati Kusumaningrum, S.Pd., M.Pd., Kons.",
            Link = link,
            MeetingTime = "Rabu, 29 September 2027 10.30 WIB",
            Mode = "tatap muka di ruang BK",
        };

        foreach (var template in WhatsAppTemplates.Known.Keys)
        {
            var rendered = Templates().Render(template, language, model);

            var content = rendered.Template ?? throw new InvalidOperationException($"{template}: no template");
            Assert.Equal($"bk_{template}_{language}", content.Name);
            Assert.InRange(rendered.Preview.Length, 1, WhatsAppTemplates.MaxBodyLength);
            Assert.All(content.BodyValues, v =>
            {
                Assert.InRange(v.Length, 0, WhatsAppTemplates.MaxParameterLength);
                Assert.DoesNotContain('\n', v);
                Assert.DoesNotContain('\t', v);
                Assert.DoesNotContain("    ", v, StringComparison.Ordinal);
            });
            Assert.Equal(content.BodyValues.Sum(v => v.Length) > 0, content.BodyValues.Count > 0);
            if (rendered.Preview.Contains("https://", StringComparison.Ordinal))
            {
                Assert.Contains(link, content.BodyValues);
                Assert.Equal(new string('x', LinkTokens.TokenLength), content.Buttons!.UrlSuffix);
            }
        }

        // One child: the whole name goes, cleaned to one line (WhatsApp has room that an SMS has not).
        var outreach = Templates().Render(SmsTemplates.Outreach, language, model with { StudentNames = ["Nur Aisyah\n\tPutri     Ramadhani Kusumawardhani Al-Fatih Nugroho Wibisono"] }).Template!;
        Assert.Equal("Nur Aisyah Putri Ramadhani Kusumawardhani Al-Fatih Nugroho Wibisono", outreach.BodyValues[0]);
    }

    [Fact]
    public void AMessageKindWithoutItsTemplate_HasNoWhatsAppForm()
    {
        var options = new WhatsAppOptions { ChannelRegistrationId = Guid.NewGuid().ToString() };
        options.Templates["outreach"] = new Dictionary<string, string> { ["id"] = "bk_outreach_id" };
        var templates = new WhatsAppTemplates(Sms, Options.Create(options));

        Assert.NotNull(templates.Render(SmsTemplates.Outreach, "id", new SmsTemplateModel { StudentNames = ["Ani"] }).Template);
        Assert.Null(templates.Render(SmsTemplates.Outreach, "en", new SmsTemplateModel { StudentNames = ["Ani"] }).Template);
        Assert.Null(templates.Render(SmsTemplates.Reminder, "id", new SmsTemplateModel { StudentNames = ["Ani"] }).Template);
    }

    [Theory]
    [InlineData("WhatsApp:ChannelRegistrationId", "not-a-guid", "WhatsApp__ChannelRegistrationId")]
    [InlineData("WhatsApp:FallbackAfterMinutes", "0", "WhatsApp__FallbackAfterMinutes")]
    [InlineData("WhatsApp:ApiVersion", "latest", "WhatsApp__ApiVersion")]
    [InlineData("WhatsApp:Templates:outreach:id", "Bad Name", "WhatsApp__Templates__outreach__id")]
    [InlineData("WhatsApp:Templates:newsletter:id", "bk_news", "WhatsApp__Templates__newsletter")]
    public void BadSettings_FailStartupNamingTheSetting(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["WhatsApp:ChannelRegistrationId"] = Guid.NewGuid().ToString(),
            ["WhatsApp:Templates:outreach:id"] = "bk_outreach_id",
        };
        settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new WhatsAppOptions();
        ConfigurationBinder.Bind(configuration.GetSection(WhatsAppOptions.Section), options);

        var result = new WhatsAppOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(named, StringComparison.Ordinal));
    }

    [Fact]
    public void EnabledWithoutAnOutreachTemplate_FailsStartup_AndDefaultsAreValid()
    {
        var probe = new WhatsAppOptionsValidator();

        Assert.True(probe.Validate(null, new WhatsAppOptions { ChannelRegistrationId = Guid.NewGuid().ToString() }).Failed);
        var defaults = new WhatsAppOptions();
        Assert.True(probe.Validate(null, defaults).Succeeded);
        Assert.Equal(240, defaults.FallbackAfterMinutes);
        Assert.Equal("2024-11-15", defaults.ApiVersion);
        Assert.True(defaults.SendsButtons);
        Assert.False(new WhatsAppOptions { ApiVersion = "2023-08-24-preview" }.SendsButtons);
    }
}
