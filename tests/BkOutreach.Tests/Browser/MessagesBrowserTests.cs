using BkOutreach.Tests.Staff;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BkOutreach.Tests.Browser;

/// <summary>A parent replies by SMS; the counsellor reads it in the browser, previews the answer's SMS count, sends it once.</summary>
[Collection(BrowserCollection.Name)]
public sealed class MessagesBrowserTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task ParentRepliesBySms_CounselorAnswersInTheBrowser_AndExactlyOneSmsReachesTheParent()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayMorning);
        await kit.ReplyAsync(MessagesKit.Parent1, "Bisa hari Minggu sore, Bu?");
        await using var phone = await StaffBrowser.SignedInAsync(browser, kit.Runner, kit.Counselor1, javaScript: false);
        var page = await phone.NewPageAsync();

        await page.GotoAsync(kit.Runner.App.BaseUrl + "/" + kit.InboxPath("bk-1"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Pesan orang tua");
        var thread = page.Locator("li.card").Filter(new() { HasText = "Ibu Wali Satu" });
        await Expect(thread).ToContainTextAsync("Siswa Satu (X IPA 1)");
        await Expect(thread).ToContainTextAsync("1 belum dibaca");
        await thread.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(page.Locator("main")).ToContainTextAsync("Bisa hari Minggu sore, Bu?");
        await page.GetByLabel("Jawaban untuk orang tua").FillAsync("Bisa, Ibu \u2014 Minggu pukul 16.00 di ruang BK.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pratinjau" }).ClickAsync();
        await Expect(page.Locator("#text-count")).ToContainTextAsync("1 SMS");
        await Expect(page.GetByLabel("Jawaban untuk orang tua")).ToHaveValueAsync("Bisa, Ibu - Minggu pukul 16.00 di ruang BK.");
        Assert.Empty(await kit.AnswersSentAsync());
        var form = page.Locator("form[method=post]");
        var answerId = await form.Locator("input[name=answer_id]").InputValueAsync();
        var formToken = await form.Locator("input[name=form_token]").InputValueAsync();
        var action = kit.Runner.App.BaseUrl + await form.GetAttributeAsync("action");

        await page.GetByRole(AriaRole.Button, new() { Name = "Kirim" }).ClickAsync();
        await Expect(page.Locator(".notice")).ToContainTextAsync("Jawaban terkirim.");
        await Expect(page.Locator("main")).ToContainTextAsync("terkirim");

        // The same form posted again (a second click, a resubmitted page) is the same answer: no second SMS.
        var fields = page.APIRequest.CreateFormData();
        fields.Set("form_token", formToken);
        fields.Set("answer_id", answerId);
        fields.Set("action", "send");
        fields.Set("text", "Bisa, Ibu - Minggu pukul 16.00 di ruang BK.");
        var repost = await page.APIRequest.PostAsync(action, new() { Form = fields, MaxRedirects = 0 });
        Assert.Equal(303, repost.Status);
        Assert.EndsWith("?done=repeat", repost.Headers["location"], StringComparison.Ordinal);

        var sent = Assert.Single(await kit.AnswersSentAsync());
        Assert.Equal(MessagesKit.Parent1, sent.GetProperty("to").GetString());
        Assert.Equal("Bisa, Ibu - Minggu pukul 16.00 di ruang BK.", sent.GetProperty("body").GetString());
    }

    [Fact]
    public async Task InboxAndThread_PassTheStaffPageChecks()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayNight);
        await kit.ReplyAsync(MessagesKit.Parent1, "Bisa hari Minggu sore, Bu?");
        var guardian = await kit.GuardianIdAsync(MessagesKit.Parent1);
        using (var counselor = await kit.SignedInAsync(kit.Counselor1))
        {
            var path = kit.ThreadPath("bk-1", guardian);
            await MessagesKit.PostAnswerAsync(counselor, path, "send", "Bisa, Ibu. Minggu pukul 16.00.", MessagesKit.AnswerIdOf(await counselor.GetStringAsync(path)));
        }

        var inbox = await StaffBrowser.CheckPageAsync(browser, kit.Runner, kit.Counselor1, "/" + kit.InboxPath("bk-1"), output);
        var thread = await StaffBrowser.CheckPageAsync(browser, kit.Runner, kit.Counselor1, "/" + kit.ThreadPath("bk-1", guardian), output);

        Assert.Contains("Ibu Wali Satu", inbox, StringComparison.Ordinal);
        Assert.Contains("menunggu jam kirim", thread, StringComparison.Ordinal);
        Assert.Contains("name=\"form_token\"", thread, StringComparison.Ordinal);
    }
}
