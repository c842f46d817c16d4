using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using NodaTime;

namespace BkOutreach.Tests.WhatsApp;

/// <summary>The parent chooses WhatsApp or SMS on the booking confirmation page, without JavaScript (form post, 303).</summary>
public sealed class InboundChannelChoiceTests : IAsyncLifetime
{
    private TestRunner _runner = null!;
    private HttpClient _browser = null!;

    public async Task InitializeAsync()
    {
        // The page offers the choice only where the deployment has a WhatsApp channel (no ACS here: the outbox takes both).
        _runner = await TestRunner.StartAsync(
            c =>
            {
                c["WhatsApp:ChannelRegistrationId"] = "5b0e2f6a-6d1c-4a43-9d0e-0d5c7f2f9a11";
                c["WhatsApp:Templates:outreach:id"] = "bk_outreach_id";
            },
            new RunnerSettings { Clock = new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero) });
        _browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_runner.App.BaseUrl + "/") };
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _runner.DisposeAsync();
    }

    [Theory]
    [InlineData("id", "Simpan pilihan", "Pilihan Bapak/Ibu sudah disimpan.", "Silakan pilih WhatsApp atau SMS")]
    [InlineData("en", "Save my choice", "Your choice has been saved.", "Please choose WhatsApp or SMS")]
    public async Task ConfirmationPageForm_ChangesTheGuardiansChannel_AndSaysSo(string language, string button, string saved, string missing)
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id,channel\n" +
            $"P1,Siswa Satu,X IPA 1,Wali Satu,081299990061,{language},bk-1,whatsapp\n");
        var directory = _runner.Services.GetRequiredService<SchoolDirectory>();
        var guardian = (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281299990061", CancellationToken.None))!;
        var campaign = await journey.CreateCampaignAsync();
        var definition = (await _runner.Services.GetRequiredService<CampaignStore>().GetAsync(journey.SchoolId, campaign, CancellationToken.None))!.Definition;
        var token = await _runner.Services.GetRequiredService<LinkTokens>().IssueAsync(
            journey.SchoolId, guardian.Id, campaign, CampaignValidation.LinksExpireAt(definition, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]), CancellationToken.None);
        var slot = (await _browser.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray().First().GetProperty("id").GetString()!;
        var booked = await _browser.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slot }));
        var bookingId = (await booked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bookingId").GetString()!;

        var page = await _browser.GetStringAsync($"api/b/{token}/done?booking={Uri.EscapeDataString(bookingId)}");
        var empty = await PostAsync($"api/b/{token}/channel", ("booking", bookingId));
        var emptyPage = await empty.Content.ReadAsStringAsync();
        var post = await PostAsync($"api/b/{token}/channel", ("booking", bookingId), ("channel", "sms"));
        var after = (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281299990061", CancellationToken.None))!;
        var back = await _browser.GetStringAsync(post.Headers.Location!.OriginalString.TrimStart('/'));

        Assert.Contains($"action=\"/api/b/{token}/channel\"", page, StringComparison.Ordinal);
        Assert.Contains("value=\"whatsapp\" required checked", page, StringComparison.Ordinal);
        Assert.Contains(button, page, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, empty.StatusCode);
        Assert.Contains(missing, emptyPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, post.StatusCode);
        Assert.Equal($"/api/b/{token}/done?booking={Uri.EscapeDataString(bookingId)}&channel=saved", post.Headers.Location!.OriginalString);
        Assert.Equal(MessageChannel.Sms, after.Channel);
        Assert.NotNull(after.ChannelChosenAt);
        Assert.Equal(MessageChannel.WhatsApp, after.RosterChannel);
        Assert.Contains(saved, back, StringComparison.Ordinal);
        Assert.Contains("value=\"sms\" checked", back, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"whatsapp\" required checked", back, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChannelForm_WithAnUnknownToken_IsNotFound_AndABadValueChangesNothing()
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\nP1,Siswa Satu,X IPA 1,Wali Satu,081299990062,id,bk-1\n");
        var directory = _runner.Services.GetRequiredService<SchoolDirectory>();
        var guardian = (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281299990062", CancellationToken.None))!;
        var campaign = await journey.CreateCampaignAsync();
        var definition = (await _runner.Services.GetRequiredService<CampaignStore>().GetAsync(journey.SchoolId, campaign, CancellationToken.None))!.Definition;
        var token = await _runner.Services.GetRequiredService<LinkTokens>().IssueAsync(
            journey.SchoolId, guardian.Id, campaign, CampaignValidation.LinksExpireAt(definition, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]), CancellationToken.None);

        var unknown = await PostAsync($"api/b/{new string('A', LinkTokens.TokenLength)}/channel", ("channel", "sms"));
        var bad = await PostAsync($"api/b/{token}/channel", ("channel", "telegram"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, bad.StatusCode);
        Assert.Equal($"/api/b/{token}", bad.Headers.Location!.OriginalString);
        Assert.Null((await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281299990062", CancellationToken.None))!.Channel);
    }

    private Task<HttpResponseMessage> PostAsync(string path, params (string Name, string Value)[] fields) =>
        _browser.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));
}
