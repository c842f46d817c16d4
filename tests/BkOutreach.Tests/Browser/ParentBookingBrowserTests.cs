using System.Text.RegularExpressions;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BkOutreach.Tests.Browser;

/// <summary>
/// A parent on a 360×640 phone in Debian's Chromium: taps the link of the outreach SMS, books, saves the
/// invite, reschedules and cancels — with and without JavaScript — and loses a race for a seat politely.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ParentBookingBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Monday 11 January 2027, 09:00 WIB: outreach may be sent, the booking window is open.</summary>
    private static readonly DateTimeOffset Monday0900 = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Monday0900 });

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Parent_OpensSmsLink_Books_SavesInvite_Reschedules_AndCancels(bool javaScript)
    {
        var name = javaScript ? "parent-flow-js" : "parent-flow-nojs";
        var link = (await SmsLinksAsync(1))[0];
        await using var phone = await browser.NewPhoneAsync(javaScript);
        var page = await phone.NewPageAsync();

        var opened = await page.GotoAsync(link);
        Assert.Equal(200, opened!.Status);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Jadwal bertemu guru BK");
        await Expect(page.Locator("input[name=slot]").First).ToBeVisibleAsync();
        var first = await SlotAsync(page.Locator("input[name=slot]").First);
        var submit = page.Locator("form:has(input[name=slot])").GetByRole(AriaRole.Button);
        var submitBox = await submit.BoundingBoxAsync();
        Assert.True(submitBox is { X: >= 0 } && submitBox.X + submitBox.Width <= 360, $"the submit button fits a 360 px screen: {submitBox?.X}+{submitBox?.Width}");
        await BrowserFixture.ScreenshotAsync(page, $"{name}-1-booking", output);

        await page.Locator($"input[name=slot][value=\"{first.Value}\"]").CheckAsync();
        await submit.ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Jadwal Anda sudah tercatat");
        await Expect(page).ToHaveURLAsync(Confirmation());
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(first.Date);
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(first.Time);
        await BrowserFixture.ScreenshotAsync(page, $"{name}-2-confirmation", output);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Tambahkan ke kalender" }).ClickAsync());
        var saved = Path.Combine(BrowserFixture.ScreenshotFolder, $"{name}-invite.ics");
        await download.SaveAsAsync(saved);
        var invite = await File.ReadAllTextAsync(saved);
        Assert.Matches(InviteFileName(), download.SuggestedFilename);
        Assert.Contains("BEGIN:VCALENDAR", invite, StringComparison.Ordinal);
        Assert.Contains("METHOD:PUBLISH", invite, StringComparison.Ordinal);
        Assert.Contains("TZID:Asia/Jakarta", invite, StringComparison.Ordinal);
        Assert.Contains($"DTSTART;TZID=Asia/Jakarta:{first.IcsStart}", invite, StringComparison.Ordinal);
        Assert.Contains($"DTEND;TZID=Asia/Jakarta:{first.IcsEnd}", invite, StringComparison.Ordinal);
        Assert.Single(VEvent().Matches(invite));

        await page.GetByRole(AriaRole.Link, new() { Name = "Ganti atau batalkan jadwal" }).ClickAsync();
        await Expect(page.Locator(".box.ok")).ToContainTextAsync(first.Time);
        var other = await SlotAsync(page.Locator($"input[name=slot]:not([value=\"{first.Value}\"])").Nth(1));
        await page.Locator($"input[name=slot][value=\"{other.Value}\"]").CheckAsync();
        await page.Locator("form:has(input[name=slot])").GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Jadwal Anda sudah diganti");
        await Expect(page).ToHaveURLAsync(new Regex("/done\\?.*moved=1"));
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(other.Date);
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(other.Time);
        await BrowserFixture.ScreenshotAsync(page, $"{name}-3-rescheduled", output);

        await page.GetByRole(AriaRole.Link, new() { Name = "Ganti atau batalkan jadwal" }).ClickAsync();
        await Expect(page.Locator(".box.ok")).ToContainTextAsync(other.Time);
        await page.GetByRole(AriaRole.Button, new() { Name = "Batalkan jadwal ini" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Jadwal Anda sudah dibatalkan");
        await Expect(page).ToHaveURLAsync(new Regex("notice=cancelled"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Batalkan jadwal ini" })).ToHaveCountAsync(0);
        await Expect(page.Locator($"input[name=slot][value=\"{first.Value}\"]")).ToHaveCountAsync(1);
        await Expect(page.Locator($"input[name=slot][value=\"{other.Value}\"]")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, $"{name}-4-cancelled", output);
    }

    [Fact]
    public async Task TwoParents_RaceForTheSameSeat_OneGetsTheConfirmation_TheOtherTheAlreadyTakenMessage()
    {
        var links = await SmsLinksAsync(2);
        await using var phoneA = await browser.NewPhoneAsync();
        await using var phoneB = await browser.NewPhoneAsync();
        var pages = new[] { await phoneA.NewPageAsync(), await phoneB.NewPageAsync() };
        await Task.WhenAll(pages.Select((p, i) => p.GotoAsync(links[i])));
        var seat = await SlotAsync(pages[0].Locator("input[name=slot]").First);
        foreach (var p in pages)
        {
            await p.Locator($"input[name=slot][value=\"{seat.Value}\"]").CheckAsync();
        }

        await Task.WhenAll(pages.Select(p => p.Locator("form:has(input[name=slot])").GetByRole(AriaRole.Button).ClickAsync()));
        foreach (var p in pages)
        {
            await Expect(p.Locator("h1:has-text('Jadwal Anda sudah tercatat'), [role=alert]")).ToBeVisibleAsync();
        }

        var winners = pages.Where(p => Confirmation().IsMatch(p.Url)).ToList();
        var loser = Assert.Single(pages.Except(winners));
        Assert.Single(winners);
        await Expect(winners[0].GetByRole(AriaRole.Status)).ToContainTextAsync(seat.Time);
        await Expect(loser.GetByRole(AriaRole.Alert)).ToContainTextAsync("baru saja dipesan");
        await Expect(loser.Locator($"input[name=slot][value=\"{seat.Value}\"]")).ToHaveCountAsync(0);
        await Expect(loser.Locator("input[name=slot]").First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(winners[0], "race-winner", output);
        await BrowserFixture.ScreenshotAsync(loser, "race-already-taken", output);
    }

    [Fact]
    public async Task BookingConfirmationAndTakenPages_HaveNoSeriousOrCriticalAxeViolations()
    {
        var links = await SmsLinksAsync(2);
        await using var phone = await browser.NewPhoneAsync(bypassCsp: true);
        var page = await phone.NewPageAsync();
        var found = new List<string>();
        async Task Check(string what)
        {
            var violations = await Axe.RunAsync(page);
            output.WriteLine($"axe {what}: {violations.Count} violation(s){string.Concat(violations.Select(v => "\n  " + v))}");
            found.AddRange(Axe.Blocking(violations).Select(v => $"{what}: {v}"));
            await BrowserFixture.ScreenshotAsync(page, $"axe-{what}", output);
        }

        var late = await phone.NewPageAsync();
        await late.GotoAsync(links[1]);
        await page.GotoAsync(links[0]);
        await Check("booking");
        var seat = await SlotAsync(page.Locator("input[name=slot]").First);
        await page.Locator($"input[name=slot][value=\"{seat.Value}\"]").CheckAsync();
        await page.Locator("form:has(input[name=slot])").GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Jadwal Anda sudah tercatat");
        await Check("confirmation");
        await page.GetByRole(AriaRole.Link, new() { Name = "Ganti atau batalkan jadwal" }).ClickAsync();
        await Expect(page.Locator(".box.ok")).ToBeVisibleAsync();
        await Check("booking-with-booking");

        page = late;
        await page.Locator($"input[name=slot][value=\"{seat.Value}\"]").CheckAsync();
        await page.Locator("form:has(input[name=slot])").GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("baru saja dipesan");
        await Check("slot-taken");

        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    private async Task<List<string>> SmsLinksAsync(int families)
    {
        var journey = new OutreachJourney(_runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(OutreachJourney.Families(families));
        var campaign = await journey.CreateCampaignAsync();
        await journey.DispatchAsync(campaign);
        return await journey.BookingLinksAsync(campaign, families);
    }

    /// <summary>A slot as the page shows it: radio value, the day's legend (without the mode) and the time.</summary>
    private static async Task<SlotChoice> SlotAsync(ILocator radio)
    {
        var value = (await radio.GetAttributeAsync("value"))!;
        var time = (await radio.Locator("xpath=ancestor::label").InnerTextAsync()).Trim();
        var legend = await radio.Locator("xpath=ancestor::fieldset/legend").InnerTextAsync();
        return new SlotChoice(value, legend.Split(" · ")[0].Trim(), time);
    }

    [GeneratedRegex("/api/b/[^/]+/done\\?booking=")]
    private static partial Regex Confirmation();

    [GeneratedRegex("^bk-.+\\.ics$")]
    private static partial Regex InviteFileName();

    [GeneratedRegex("^BEGIN:VEVENT", RegexOptions.Multiline)]
    private static partial Regex VEvent();
}

/// <param name="Value">Slot id, e.g. <c>bk-1.20270112T1955.30</c> (counsellor, local start, minutes).</param>
/// <param name="Date">Day as written on the page, e.g. <c>Selasa, 12 Januari 2027</c>.</param>
/// <param name="Time">Label text, e.g. <c>19:55–20:25 WIB</c>.</param>
internal sealed partial record SlotChoice(string Value, string Date, string Time)
{
    /// <summary>The start as an iCalendar local time, from the slot id.</summary>
    public string IcsStart => Value.Split('.')[1] + "00";

    /// <summary>The end as an iCalendar local time: the start's date and the label's end time.</summary>
    public string IcsEnd
    {
        get
        {
            var match = LabelTimes().Match(Time);
            Assert.True(match.Success, Time);
            return IcsStart[..9] + match.Groups["end"].Value.Replace(":", "", StringComparison.Ordinal) + "00";
        }
    }

    [GeneratedRegex("(?<start>\\d{2}:\\d{2})\\D(?<end>\\d{2}:\\d{2})")]
    private static partial Regex LabelTimes();
}
