using System.Net;
using Azure.Data.Tables;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Storage;

namespace BkOutreach.Tests.Staff;

/// <summary>Parents' messages through the runner: webhook in, the counsellor's pages, the answer out (outbox), quiet hours, opt-out, tenancy, erasure.</summary>
public sealed class MessagesTests
{
    private const string Question = "Bisa hari Minggu sore, Bu?";

    [Fact]
    public async Task AnswerInQuietHours_Waits_AndGoesExactlyOnceWhenTheWindowOpens()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayNight);
        await kit.ReplyAsync(MessagesKit.Parent1, Question);
        var guardian = await kit.GuardianIdAsync(MessagesKit.Parent1);
        using var counselor = await kit.SignedInAsync(kit.Counselor1);
        var path = kit.ThreadPath("bk-1", guardian);
        var page = await counselor.GetStringAsync(path);

        var posted = await MessagesKit.PostAnswerAsync(counselor, path, "send", "Bisa, Ibu. Minggu pukul 16.00 di ruang BK.", MessagesKit.AnswerIdOf(page));

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.EndsWith("?done=queued", posted.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await kit.RunTimerAsync()).StatusCode);
        Assert.Empty(await kit.AnswersSentAsync());
        Assert.Contains("menunggu jam kirim: Selasa, 12 Januari 2027 08:00 WIB", await counselor.GetStringAsync(path), StringComparison.Ordinal);

        kit.Clock.Advance(TimeSpan.FromHours(11.5)); // Tuesday 08:30 WIB
        Assert.Equal(HttpStatusCode.Accepted, (await kit.RunTimerAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await kit.RunTimerAsync()).StatusCode);

        var sent = Assert.Single(await kit.AnswersSentAsync());
        Assert.Equal(MessagesKit.Parent1, sent.GetProperty("to").GetString());
        Assert.Equal("Bisa, Ibu. Minggu pukul 16.00 di ruang BK.", sent.GetProperty("body").GetString());
        using var nextMorning = await kit.SignedInAsync(kit.Counselor1); // the evening's sign-in has expired overnight
        Assert.Contains(">terkirim<", await nextMorning.GetStringAsync(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswerRepostedWithTheSameAnswerId_SendsOneSms()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayMorning);
        await kit.ReplyAsync(MessagesKit.Parent1, Question);
        using var counselor = await kit.SignedInAsync(kit.Counselor1);
        var path = kit.ThreadPath("bk-1", await kit.GuardianIdAsync(MessagesKit.Parent1));
        var answerId = MessagesKit.AnswerIdOf(await counselor.GetStringAsync(path));

        var first = await MessagesKit.PostAnswerAsync(counselor, path, "send", "Bisa, Ibu.", answerId);
        var again = await MessagesKit.PostAnswerAsync(counselor, path, "send", "Bisa, Ibu.", answerId);

        Assert.EndsWith("?done=sent", first.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.EndsWith("?done=repeat", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Single(await kit.AnswersSentAsync());
    }

    [Fact]
    public async Task OptedOutParent_AnswerIsRefused_NothingSent_AndTheFactsCarryNoText()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayMorning);
        var received = await kit.ReplyAsync(MessagesKit.Parent1, Question);
        await kit.ReplyAsync(MessagesKit.Parent1, "BERHENTI");
        await kit.ReplyAsync(MessagesKit.Parent2, "Anak saya sakit, Pak");
        using var counselor1 = await kit.SignedInAsync(kit.Counselor1);
        using var counselor2 = await kit.SignedInAsync(kit.Counselor2);
        var path1 = kit.ThreadPath("bk-1", await kit.GuardianIdAsync(MessagesKit.Parent1));
        var path2 = kit.ThreadPath("bk-2", await kit.GuardianIdAsync(MessagesKit.Parent2));

        var refused = await MessagesKit.PostAnswerAsync(counselor1, path1, "send", "Baik, Ibu.", MessagesKit.AnswerIdOf(await counselor1.GetStringAsync(path1)));
        var answered = await MessagesKit.PostAnswerAsync(counselor2, path2, "send", "Semoga lekas sembuh.", MessagesKit.AnswerIdOf(await counselor2.GetStringAsync(path2)));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("sudah berhenti menerima pesan", html, StringComparison.Ordinal);
        Assert.Contains(">Baik, Ibu.</textarea>", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, answered.StatusCode);
        Assert.Equal([MessagesKit.Parent2], (await kit.AnswersSentAsync()).Select(m => m.GetProperty("to").GetString()));

        var facts = await kit.Runner.Services.GetRequiredService<ParticipationLog>().ListAsync(kit.SchoolId, CancellationToken.None);
        var inbound = facts.Where(f => f.Event.Kind == ParticipationKind.MessageReceived).ToList();
        var outbound = Assert.Single(facts, f => f.Event.Kind == ParticipationKind.MessageSent);
        Assert.Equal(2, inbound.Count);
        Assert.Contains(inbound, f => f.Event.FactKey == FactKeys.MessageReceived(received) && f.Event.Channel == ParticipationChannel.Sms && f.Event.CounselorId == "bk-1");
        Assert.Equal(("bk-2", ParticipationChannel.Sms, (string?)null), (outbound.Event.CounselorId, outbound.Event.Channel, outbound.Event.Value));
        Assert.All(inbound, f => Assert.Null(f.Event.Value));
        var csv = await kit.Runner.Admin.GetStringAsync($"api/admin/schools/{kit.SchoolId}/participation-events.csv");
        Assert.Contains("message_received", csv, StringComparison.Ordinal);
        Assert.Contains("message_sent", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("Minggu", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("sembuh", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("sakit", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherCounselorOrAnotherSchool_CannotOpenOrAnswerTheThread()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayMorning);
        await kit.ReplyAsync(MessagesKit.Parent1, Question);
        var other = new Integration.OutreachJourney(kit.Runner);
        await other.CreateSchoolAsync();
        var stranger = $"bk1@{other.SchoolId}.sch.id";
        await MessagesKit.GrantAsync(kit.Runner, other.SchoolId, stranger, "bk-1");
        var guardian = await kit.GuardianIdAsync(MessagesKit.Parent1);
        using var owner = await kit.SignedInAsync(kit.Counselor1);
        using var colleague = await kit.SignedInAsync(kit.Counselor2);
        using var outsider = await kit.SignedInAsync(stranger);
        var path = kit.ThreadPath("bk-1", guardian);
        var answerId = MessagesKit.AnswerIdOf(await owner.GetStringAsync(path));

        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync(kit.ThreadPath("bk-2", guardian))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync(kit.InboxPath("bk-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(kit.ThreadPath("bk-1", guardian, other.SchoolId))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await MessagesKit.PostAnswerAsync(colleague, path, "send", "Halo", answerId)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await MessagesKit.PostAnswerAsync(colleague, kit.ThreadPath("bk-2", guardian), "send", "Halo", answerId)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await MessagesKit.PostAnswerAsync(outsider, path, "send", "Halo", answerId)).StatusCode);
        Assert.DoesNotContain(Question, await (await colleague.GetAsync(kit.InboxPath("bk-2"))).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await kit.AnswersSentAsync());
    }

    [Fact]
    public async Task ARedeliveredEvent_IsFiledOnce_AndANumberOfTwoSchools_LandsInBoth_TheUnreadCountClearingOnOpen()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayMorning);
        var other = new Integration.OutreachJourney(kit.Runner);
        await other.CreateSchoolAsync();
        await other.ImportAsync("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\nQ1,Adik Satu,VII A,Ibu Wali Satu,081299990001,id,bk-2\n");
        var otherCounselor = $"bk2@{other.SchoolId}.sch.id";
        await MessagesKit.GrantAsync(kit.Runner, other.SchoolId, otherCounselor, "bk-2");
        var eventId = Guid.NewGuid().ToString();
        var messageId = Guid.NewGuid().ToString();

        await kit.ReplyAsync(MessagesKit.Parent1, Question, eventId, messageId);
        await kit.ReplyAsync(MessagesKit.Parent1, Question, eventId, messageId);
        await kit.ReplyAsync(MessagesKit.Parent1, Question, Guid.NewGuid().ToString(), messageId);

        using var here = await kit.SignedInAsync(kit.Counselor1);
        using var there = await kit.SignedInAsync(otherCounselor);
        var inbox = await here.GetStringAsync(kit.InboxPath("bk-1"));
        Assert.Contains("Ibu Wali Satu", inbox, StringComparison.Ordinal);
        Assert.Contains("Siswa Satu (X IPA 1)", inbox, StringComparison.Ordinal);
        Assert.Contains("1 belum dibaca", inbox, StringComparison.Ordinal);
        var thread = await here.GetStringAsync(kit.ThreadPath("bk-1", await kit.GuardianIdAsync(MessagesKit.Parent1)));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(thread, System.Text.RegularExpressions.Regex.Escape(Question)));
        Assert.DoesNotContain("belum dibaca", await here.GetStringAsync(kit.InboxPath("bk-1")), StringComparison.Ordinal);
        var elsewhere = await there.GetStringAsync(kit.ThreadPath("bk-2", await kit.GuardianIdAsync(MessagesKit.Parent1, other.SchoolId), other.SchoolId));
        Assert.Contains(Question, elsewhere, StringComparison.Ordinal);
        Assert.Contains("Adik Satu (VII A)", elsewhere, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErasingTheGuardian_ErasesTheirThreads()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayNight);
        await kit.ReplyAsync(MessagesKit.Parent1, Question);
        var guardian = await kit.GuardianIdAsync(MessagesKit.Parent1);
        using var counselor = await kit.SignedInAsync(kit.Counselor1);
        var path = kit.ThreadPath("bk-1", guardian);
        Assert.Equal(HttpStatusCode.SeeOther, (await MessagesKit.PostAnswerAsync(counselor, path, "send", "Bisa.", MessagesKit.AnswerIdOf(await counselor.GetStringAsync(path)))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await kit.Runner.Admin.DeleteAsync($"api/admin/schools/{kit.SchoolId}/guardians/{guardian}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await counselor.GetAsync(path)).StatusCode);
        var table = kit.Runner.Services.GetRequiredService<StorageAccount>().Table(StorageNames.ParentMessagesTable);
        var left = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(cancellationToken: CancellationToken.None))
        {
            left.Add(row);
        }

        Assert.Empty(left);
        kit.Clock.Advance(TimeSpan.FromHours(12));
        Assert.Equal(HttpStatusCode.Accepted, (await kit.RunTimerAsync()).StatusCode);
        Assert.Empty(await kit.AnswersSentAsync());
    }

    [Fact]
    public async Task Preview_ShowsTheFoldedTextAndItsSegmentCount_AndAnEmptyOrTooLongAnswerIsRefusedOnItsField()
    {
        await using var kit = await MessagesKit.StartAsync(MessagesKit.MondayMorning);
        await kit.ReplyAsync(MessagesKit.Parent1, Question);
        using var counselor = await kit.SignedInAsync(kit.Counselor1);
        var path = kit.ThreadPath("bk-1", await kit.GuardianIdAsync(MessagesKit.Parent1));
        var answerId = MessagesKit.AnswerIdOf(await counselor.GetStringAsync(path));

        var preview = await MessagesKit.PostAnswerAsync(counselor, path, "preview", "Bisa, Bu \u2014 Minggu \u201Cpukul 16.00\u201D", answerId);
        var empty = await MessagesKit.PostAnswerAsync(counselor, path, "send", "   ", answerId);
        var tooLong = await MessagesKit.PostAnswerAsync(counselor, path, "send", new string('a', 700), answerId);

        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var html = await preview.Content.ReadAsStringAsync();
        Assert.Contains(">Bisa, Bu - Minggu &quot;pukul 16.00&quot;</textarea>", html, StringComparison.Ordinal);
        Assert.Contains("<strong>1 SMS</strong> (31 karakter)", html, StringComparison.Ordinal);
        Assert.Equal(answerId, MessagesKit.AnswerIdOf(html));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("href=\"#text\">Tulis jawaban untuk orang tua", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("paling banyak 4 SMS", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await kit.AnswersSentAsync());
    }
}
