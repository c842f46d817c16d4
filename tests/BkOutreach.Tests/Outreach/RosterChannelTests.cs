using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;

namespace BkOutreach.Tests.Outreach;

/// <summary>The roster's optional <c>channel</c> column: parsing, rejection, and how it meets the parent's own choice.</summary>
public sealed class RosterChannelTests
{
    private const string Header = "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id,channel";

    private static RosterParseResult Parse(params string[] lines) =>
        RosterCsv.Parse(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));

    [Fact]
    public void Parse_ChannelColumn_AnyCase_EmptyMeansTheDefault()
    {
        var result = Parse(
            Header,
            "S1,Rizky,X IPA 1,Siti,081234567801,id,bk-1,whatsapp",
            "S2,Anisa,X IPA 1,Budi,081234567802,id,bk-1,SMS",
            "S3,Dewi,X IPA 1,Ahmad,081234567803,id,bk-1, WA ",
            "S4,Eko,X IPA 1,Sri,081234567804,id,bk-1,");

        Assert.Empty(result.Rejected);
        Assert.Equal([MessageChannel.WhatsApp, MessageChannel.Sms, MessageChannel.WhatsApp, null], result.Rows.Select(r => r.Channel));
    }

    [Fact]
    public void Parse_WithoutChannelColumn_EveryRowHasTheDefault()
    {
        var result = Parse("student_id,student_name,class,guardian_name,guardian_phone,counselor_id", "S1,Rizky,X IPA 1,Siti,081234567801,bk-1");

        Assert.Null(Assert.Single(result.Rows).Channel);
    }

    [Fact]
    public void Parse_BadChannel_RejectsTheRowWithAReasonNamingTheColumn_OthersKept()
    {
        var result = Parse(
            Header,
            "S1,Rizky,X IPA 1,Siti,081234567801,id,bk-1,telegram",
            "S2,Anisa,X IPA 1,Budi,081234567802,id,bk-1,sms");

        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(2, rejected.Row);
        Assert.Contains("channel must be whatsapp or sms", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains("'telegram'", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(["S2"], result.Rows.Select(r => r.StudentId));
    }

    [Fact]
    public void GroupByGuardian_TakesTheFirstChannelTheGuardiansRowsGive()
    {
        var result = Parse(
            Header,
            "S1,Rizky,X IPA 1,Siti,081234567801,id,bk-1,",
            "S2,Nur,VII A,Siti,081234567801,id,bk-2,sms",
            "S3,Ali,VIII B,Siti,081234567801,id,bk-2,whatsapp");

        var guardian = Assert.Single(RosterCsv.GroupByGuardian(result.Rows).Guardians);

        Assert.Equal(MessageChannel.Sms, guardian.Channel);
    }

    public static TheoryData<MessageChannel?, MessageChannel?, bool, MessageChannel?, MessageChannel?, bool> Precedence() => new()
    {
        // stored: channel, roster value, chosen by the parent; the file's value => the channel, still the parent's choice
        { null, null, false, MessageChannel.WhatsApp, MessageChannel.WhatsApp, false },
        { MessageChannel.Sms, MessageChannel.WhatsApp, true, MessageChannel.WhatsApp, MessageChannel.Sms, true },
        { MessageChannel.Sms, MessageChannel.WhatsApp, true, null, MessageChannel.Sms, true },
        { MessageChannel.Sms, null, true, MessageChannel.WhatsApp, MessageChannel.WhatsApp, false },
        { MessageChannel.WhatsApp, MessageChannel.WhatsApp, false, null, null, false },
        { MessageChannel.Sms, MessageChannel.Sms, false, MessageChannel.Sms, MessageChannel.Sms, false },
    };

    [Theory]
    [MemberData(nameof(Precedence))]
    public void FromRoster_TheLatestExplicitChoiceWins_AndAnEmptyColumnKeepsTheParentsChoice(
        MessageChannel? storedChannel, MessageChannel? storedRoster, bool byParent, MessageChannel? file, MessageChannel? expected, bool stillByParent)
    {
        var chosenAt = new DateTimeOffset(2027, 1, 12, 3, 0, 0, TimeSpan.Zero);
        var imported = new Guardian("g1", "sch", "+6281234567801", "Siti", "id", []);
        var stored = imported with { Channel = storedChannel, RosterChannel = storedRoster, ChannelChosenAt = byParent ? chosenAt : null };

        var after = GuardianChannels.FromRoster(imported, stored, file);

        Assert.Equal(expected, after.Channel);
        Assert.Equal(file, after.RosterChannel);
        Assert.Equal(stillByParent ? chosenAt : null, after.ChannelChosenAt);
    }

    [Fact]
    public async Task Import_ChannelColumnMeetsTheParentsReply_AsTheRuleSays()
    {
        await using var runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = new DateTimeOffset(2027, 1, 11, 2, 0, 0, TimeSpan.Zero) });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        string File(string first, string second) =>
            $"{Header}\nC1,Rizky,X IPA 1,Siti,081234567811,id,bk-1,{first}\nC2,Anisa,X IPA 1,Budi,081234567812,id,bk-1,{second}\n";
        var directory = runner.Services.GetRequiredService<SchoolDirectory>();
        async Task<(Guardian Siti, Guardian Budi)> ReadAsync() =>
            ((await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281234567811", CancellationToken.None))!,
             (await directory.FindGuardianByPhoneAsync(journey.SchoolId, "+6281234567812", CancellationToken.None))!);

        var first = await journey.ImportAsync(File("whatsapp", "whatsapp"));
        var (siti, budi) = await ReadAsync();
        Assert.Equal(2, first.GetProperty("imported").GetInt32());
        Assert.Equal(MessageChannel.WhatsApp, siti.Channel);

        // The parent of Siti replies SMS; importing the same file again changes nothing, her choice stands.
        var reply = await runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(new[]
        {
            new { id = Guid.NewGuid().ToString(), eventType = "Microsoft.Communication.SMSReceived", data = new { messageId = "m1", from = "+6281234567811", to = "+18005550100", message = "SMS" } },
        }));
        Assert.Equal(1, (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("processed").GetInt32());
        var same = await journey.ImportAsync(File("whatsapp", "whatsapp"));
        (siti, _) = await ReadAsync();
        Assert.Equal(0, same.GetProperty("updated").GetInt32());
        Assert.Equal(MessageChannel.Sms, siti.Channel);

        // Emptying the column: Siti keeps her own choice, Budi (roster only) goes back to the default.
        var emptied = await journey.ImportAsync(File("", ""));
        (siti, budi) = await ReadAsync();
        Assert.Equal(2, emptied.GetProperty("updated").GetInt32());
        Assert.Equal(MessageChannel.Sms, siti.Channel);
        Assert.Null(budi.Channel);

        // A new value in the column is the school's newer choice and wins.
        await journey.ImportAsync(File("whatsapp", "sms"));
        (siti, budi) = await ReadAsync();
        Assert.Equal(MessageChannel.WhatsApp, siti.Channel);
        Assert.Null(siti.ChannelChosenAt);
        Assert.Equal(MessageChannel.Sms, budi.Channel);

        var bad = await journey.ImportAsync(File("pos", "sms"));
        var rejected = Assert.Single(bad.GetProperty("rejected").EnumerateArray());
        Assert.Equal(2, rejected.GetProperty("row").GetInt32());
        Assert.Contains("channel", rejected.GetProperty("reason").GetString()!, StringComparison.Ordinal);
        Assert.Equal(MessageChannel.WhatsApp, (await ReadAsync()).Siti.Channel);
    }
}
