using BkOutreach.Core.Participation;
using NodaTime;

namespace BkOutreach.Tests.Participation;

public sealed class SurveyParserTests
{
    [Theory]
    [InlineData("1", SurveyBarrier.Time)]
    [InlineData(" 1 ", SurveyBarrier.Time)]
    [InlineData("1!!", SurveyBarrier.Time)]
    [InlineData("Jawaban saya: 1.", SurveyBarrier.Time)]
    [InlineData("jawaban no.2", SurveyBarrier.RoleUnclear)]
    [InlineData("no3", SurveyBarrier.LittleCommunication)]
    [InlineData(" satu ", SurveyBarrier.Time)]
    [InlineData("EMPAT", SurveyBarrier.HardToAgreeTime)]
    [InlineData("five", SurveyBarrier.Other)]
    [InlineData("1️⃣", SurveyBarrier.Time)]
    [InlineData("👍 2 🙏", SurveyBarrier.RoleUnclear)]
    [InlineData("Saya sibuk kerja pak", SurveyBarrier.Time)]
    [InlineData("Waktu, karena saya kerja sampai sore", SurveyBarrier.Time)]
    [InlineData("no time, I work full time", SurveyBarrier.Time)]
    [InlineData("Tidak tahu peran BK itu apa", SurveyBarrier.RoleUnclear)]
    [InlineData("sy kurang paham fungsi guru BK", SurveyBarrier.RoleUnclear)]
    [InlineData("not sure what BK does", SurveyBarrier.RoleUnclear)]
    [InlineData("I don't know the role of the counsellor", SurveyBarrier.RoleUnclear)]
    [InlineData("Komunikasi jarang sekali", SurveyBarrier.LittleCommunication)]
    [InlineData("too little communication", SurveyBarrier.LittleCommunication)]
    [InlineData("Susah cari waktu yang cocok", SurveyBarrier.HardToAgreeTime)]
    [InlineData("jadwalnya sering bentrok", SurveyBarrier.HardToAgreeTime)]
    [InlineData("hard to agree a time", SurveyBarrier.HardToAgreeTime)]
    [InlineData("The schedule never fits", SurveyBarrier.HardToAgreeTime)]
    [InlineData("lainnya", SurveyBarrier.Other)]
    [InlineData("Other", SurveyBarrier.Other)]
    public void ParseBarrier_RealisticReply_ReadsTheCode(string reply, SurveyBarrier expected) =>
        Assert.Equal(expected, SurveyParser.ParseBarrier(reply));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("ok")]
    [InlineData("Terima kasih bu")]
    [InlineData("7")]
    [InlineData("0")]
    [InlineData("2027")]
    [InlineData("081234567890")]
    [InlineData("🙏🙏")]
    [InlineData("?")]
    public void ParseBarrier_Unparseable_IsNull(string? reply) =>
        Assert.Null(SurveyParser.ParseBarrier(reply));

    [Fact]
    public void ParseBarriers_SeveralNamed_KeepsEachInOrder()
    {
        Assert.Equal([SurveyBarrier.Time, SurveyBarrier.HardToAgreeTime], SurveyParser.ParseBarriers("1 dan 4"));
        Assert.Equal([SurveyBarrier.RoleUnclear, SurveyBarrier.LittleCommunication], SurveyParser.ParseBarriers("2,3"));
        Assert.Equal([SurveyBarrier.Time, SurveyBarrier.LittleCommunication], SurveyParser.ParseBarriers("sibuk kerja dan komunikasi kurang"));
        Assert.Equal(SurveyBarrier.Time, SurveyParser.ParseBarrier("1 dan 4"));
    }

    [Fact]
    public void ParseBarriers_DigitsWinOverWords()
    {
        // "4 (jadwal)" and "1 - waktu" say the same thing twice; a digit beside a contradicting word is taken as the answer.
        Assert.Equal([SurveyBarrier.HardToAgreeTime], SurveyParser.ParseBarriers("4 (jadwal)"));
        Assert.Equal([SurveyBarrier.Time], SurveyParser.ParseBarriers("1 - waktu"));
    }

    [Theory]
    [InlineData("2 3", PreferredChannel.WhatsApp, PreferredTime.Sunday)]
    [InlineData("23", PreferredChannel.WhatsApp, PreferredTime.Sunday)]
    [InlineData("2,3", PreferredChannel.WhatsApp, PreferredTime.Sunday)]
    [InlineData("Jawaban: 1 dan 2.", PreferredChannel.Sms, PreferredTime.Saturday)]
    [InlineData("WA, Sabtu", PreferredChannel.WhatsApp, PreferredTime.Saturday)]
    [InlineData("whatsapp saja, hari minggu", PreferredChannel.WhatsApp, PreferredTime.Sunday)]
    [InlineData("WA 3", PreferredChannel.WhatsApp, PreferredTime.Sunday)]
    [InlineData("telepon malam hari kerja", PreferredChannel.PhoneCall, PreferredTime.WeekdayEvening)]
    [InlineData("tatap muka sabtu pagi", PreferredChannel.InPerson, PreferredTime.Saturday)]
    [InlineData("Phone call, weekday evening 🙏", PreferredChannel.PhoneCall, PreferredTime.WeekdayEvening)]
    [InlineData("in person on Sunday", PreferredChannel.InPerson, PreferredTime.Sunday)]
    [InlineData("empat dua", PreferredChannel.InPerson, PreferredTime.Saturday)]
    [InlineData("sms, siang", PreferredChannel.Sms, PreferredTime.WeekdayDaytime)]
    public void ParseChannelAndTime_RealisticReply_ReadsBoth(string reply, PreferredChannel channel, PreferredTime time)
    {
        var parsed = SurveyParser.ParseChannelAndTime(reply);

        Assert.NotNull(parsed);
        Assert.Equal([channel], parsed.Channels);
        Assert.Equal([time], parsed.Times);
    }

    [Fact]
    public void ParseChannelAndTime_PartialOrNone()
    {
        var onlyChannel = SurveyParser.ParseChannelAndTime("lewat WA aja");
        var weekend = SurveyParser.ParseChannelAndTime("akhir pekan");

        Assert.Equal([PreferredChannel.WhatsApp], onlyChannel!.Channels);
        Assert.Empty(onlyChannel.Times);
        Assert.Empty(weekend!.Channels);
        Assert.Equal([PreferredTime.Saturday, PreferredTime.Sunday], weekend.Times);
        Assert.Null(SurveyParser.ParseChannelAndTime("ok terima kasih"));
        Assert.Null(SurveyParser.ParseChannelAndTime("9 9"));
    }

    [Fact]
    public void SurveyAnswer_Value_RoundTrips_AndRejectsForeignCodes()
    {
        var answer = new SurveyAnswer(SurveyQuestion.Barrier, [1, 4]);

        Assert.Equal("barrier=1,4", answer.ToValue());
        Assert.Equal([1, 4], SurveyAnswer.TryParse("barrier=1,4")!.Codes);
        Assert.Null(SurveyAnswer.TryParse("barrier=9"));
        Assert.Null(SurveyAnswer.TryParse("channel=5"));
        Assert.Null(SurveyAnswer.TryParse("colour=1"));
    }

    [Fact]
    public void Tabulate_LatestAnswerPerGuardianAndTerm_SharesWithNAndStudyBaseline()
    {
        const string Term = "2026/2027 Genap";
        var t0 = new DateTimeOffset(2027, 1, 20, 5, 0, 0, TimeSpan.Zero);
        var entries = new List<ParticipationEntry>
        {
            Answer("g1", "barrier=3", t0, Term),
            Answer("g1", "barrier=1", t0.AddHours(1), Term), // g1 corrected: counts as 1 only
            Answer("g2", "barrier=1,4", t0, Term),
            Answer("g3", "barrier=2", t0, Term),
            Answer("g4", "barrier=1", t0, Term),
            Answer("g5", "barrier=5", t0, "2026/2027 Ganjil"), // another term
            Answer("g2", "channel=2", t0, Term),
        };

        var tallies = SurveyTabulation.Tabulate(entries);
        var barrier = tallies.Single(t => t.Term == Term && t.Question == SurveyQuestion.Barrier);

        Assert.Equal(4, barrier.Respondents);
        Assert.Equal([3, 1, 0, 1, 0], barrier.Shares.Select(s => s.Count));
        Assert.Equal(0.75, barrier.Shares[0].Share, 3);
        Assert.Equal(0.25, barrier.Shares[3].Share, 3);
        Assert.Equal([0.70, 0.55, 0.40, 0.30], barrier.Shares.Take(4).Select(s => s.Baseline!.Value));
        Assert.Null(barrier.Shares[4].Baseline);
        Assert.Equal(1, tallies.Single(t => t.Term == "2026/2027 Ganjil" && t.Question == SurveyQuestion.Barrier).Respondents);
        Assert.Equal(1, tallies.Single(t => t.Term == Term && t.Question == SurveyQuestion.Channel).Shares.Single(s => s.Code == 2).Count);
    }

    private static ParticipationEntry Answer(string guardian, string value, DateTimeOffset at, string term) => new(
        new ParticipationEvent
        {
            FactKey = FactKeys.SurveyAnswer(Guid.NewGuid().ToString("N"), value.Split('=')[0]),
            Kind = ParticipationKind.SurveyAnswer,
            SchoolId = "s",
            GuardianId = guardian,
            Channel = ParticipationChannel.Sms,
            OccurredAt = at,
            Term = term,
            Value = value,
        },
        LocalDateTime.FromDateTime(at.UtcDateTime.AddHours(7)),
        "Asia/Jakarta");
}
