using System.Text;

namespace BkOutreach.Core.Participation;

/// <summary>The channel and time codes of one reply to the <c>survey_channel</c> question.</summary>
public sealed record ChannelAndTime(IReadOnlyList<PreferredChannel> Channels, IReadOnlyList<PreferredTime> Times);

/// <summary>
/// Reads parents' SMS replies to the survey. Rules, in order:
/// <list type="number">
/// <item>The text is lower-cased, everything but letters and digits becomes a space (punctuation, emoji,
/// keycaps), and digits are split from letters ("no1" → "no 1").</item>
/// <item>Answer digits are single-digit words in range ("1", "1!!", "Jawaban saya: 1."), and the number words
/// satu/dua/tiga/empat/lima and one…five. Longer numbers (a date, a phone number) are not answers, except a
/// two-digit word in the channel-and-time reply ("23" = channel 2, time 3).</item>
/// <item>Keywords in Bahasa Indonesia and English answer too; a longer phrase wins over the words inside it
/// ("susah cari waktu" is 4, hard to agree a time, not 1, limited time).</item>
/// <item>Nothing recognisable gives no answer (null or empty), never a guess.</item>
/// </list>
/// </summary>
public static class SurveyParser
{
    private static readonly Dictionary<string, int> NumberWords = new(StringComparer.Ordinal)
    {
        ["satu"] = 1, ["dua"] = 2, ["tiga"] = 3, ["empat"] = 4, ["lima"] = 5,
        ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5,
    };

    // Longest phrases first, so "cari waktu" is consumed before "waktu" is looked at.
    private static readonly (string Phrase, int Code)[] BarrierPhrases = Ordered(
    [
        ("susah cari waktu", 4), ("sulit cari waktu", 4), ("cari waktu", 4), ("atur waktu", 4), ("mengatur waktu", 4),
        ("waktu yang cocok", 4), ("waktu yg cocok", 4), ("waktu yang pas", 4), ("waktu yg pas", 4), ("menyesuaikan waktu", 4),
        ("jadwal", 4), ("jadwalnya", 4), ("jdwl", 4), ("schedule", 4), ("scheduling", 4), ("agree a time", 4),
        ("agree on a time", 4), ("hard to agree a time", 4), ("hard to find a time", 4), ("find a time", 4), ("hard to agree", 4), ("cocok", 4),
        ("tidak tahu", 2), ("tdk tahu", 2), ("tidak tau", 2), ("tdk tau", 2), ("gak tahu", 2), ("gak tau", 2),
        ("ga tau", 2), ("ga tahu", 2), ("nggak tahu", 2), ("ngga tahu", 2), ("belum tahu", 2), ("kurang paham", 2),
        ("tidak paham", 2), ("tdk paham", 2), ("kurang tahu", 2), ("peran bk", 2), ("peran", 2), ("fungsi bk", 2),
        ("fungsi", 2), ("tugas bk", 2), ("role", 2), ("what bk does", 2), ("not sure", 2), ("dont know", 2),
        ("do not know", 2), ("understand", 2),
        ("komunikasi", 3), ("communication", 3), ("communicate", 3), ("jarang", 3), ("rarely", 3), ("informasi", 3),
        ("kabar", 3), ("only at report", 3), ("rapor", 3), ("raport", 3),
        ("tidak ada waktu", 1), ("gak ada waktu", 1), ("no time", 1), ("waktu", 1), ("wkt", 1), ("time", 1),
        ("kerja", 1), ("bekerja", 1), ("kerjaan", 1), ("pekerjaan", 1), ("sibuk", 1), ("busy", 1), ("work", 1),
        ("working", 1), ("job", 1),
        ("lain", 5), ("lainnya", 5), ("lain lain", 5), ("other", 5), ("others", 5), ("something else", 5),
    ]);

    private static readonly (string Phrase, int Code)[] ChannelPhrases = Ordered(
    [
        ("sms", 1), ("pesan singkat", 1), ("text message", 1), ("text", 1),
        ("wa", 2), ("whatsapp", 2), ("whats app", 2), ("watsap", 2), ("wasap", 2), ("whatsap", 2),
        ("telepon", 3), ("telpon", 3), ("telp", 3), ("tlp", 3), ("telfon", 3), ("ditelepon", 3), ("call", 3),
        ("phone call", 3), ("phone", 3), ("telephone", 3),
        ("tatap muka", 4), ("ketemu langsung", 4), ("bertemu langsung", 4), ("datang", 4), ("langsung", 4),
        ("in person", 4), ("face to face", 4), ("ke sekolah", 4),
    ]);

    // 11 and 14 are bare times of day ("malam", "pagi"): they mean a weekday evening or daytime only when the
    // reply names no day ("Sabtu pagi" is Saturday).
    private const int BareEvening = 11;
    private const int BareDaytime = 14;
    private const int Weekend = 23;

    private static readonly (string Phrase, int Code)[] TimePhrases = Ordered(
    [
        ("malam hari kerja", 1), ("malam hari biasa", 1), ("weekday evening", 1), ("weekday evenings", 1), ("after work", 1),
        ("pulang kerja", 1), ("malam", BareEvening), ("sore", BareEvening), ("evening", BareEvening), ("evenings", BareEvening),
        ("night", BareEvening),
        ("sabtu", 2), ("saturday", 2), ("sat", 2),
        ("minggu", 3), ("ahad", 3), ("sunday", 3), ("sun", 3),
        ("akhir pekan", Weekend), ("weekend", Weekend), ("weekends", Weekend),
        ("siang hari kerja", 4), ("weekday daytime", 4), ("jam kerja", 4), ("during the day", 4), ("siang", BareDaytime),
        ("pagi", BareDaytime), ("daytime", BareDaytime), ("morning", BareDaytime),
    ]);

    /// <summary>The main barrier: the first one the reply names, or null when it names none.</summary>
    public static SurveyBarrier? ParseBarrier(string? reply) => ParseBarriers(reply) is [var first, ..] ? first : null;

    /// <summary>Every barrier the reply names, in the order named (the study counted several per parent); empty when none.</summary>
    public static IReadOnlyList<SurveyBarrier> ParseBarriers(string? reply)
    {
        var words = Words(reply);
        var digits = AnswerDigits(words, 5, splitPairs: false);
        if (digits.Count > 0)
        {
            return [.. digits.Distinct().Select(d => (SurveyBarrier)d)];
        }

        return [.. Keywords(words, BarrierPhrases).Distinct().Select(c => (SurveyBarrier)c)];
    }

    /// <summary>
    /// The channel and time one reply names. Words answer their own question ("WA, Sabtu"); answer digits
    /// fill the questions words left open, channel first ("2 3", "23", "WA 3" = WhatsApp, Sunday). Null when
    /// the reply answers neither.
    /// </summary>
    public static ChannelAndTime? ParseChannelAndTime(string? reply)
    {
        var words = Words(reply);
        var channels = Keywords(words, ChannelPhrases).Distinct().ToList();
        var timeWords = Keywords(words, TimePhrases);
        var namesDay = timeWords.Exists(c => c is 2 or 3 or Weekend);
        var times = timeWords
            .SelectMany(c => c switch
            {
                Weekend => new[] { 2, 3 },
                BareEvening => namesDay ? [] : [1],
                BareDaytime => namesDay ? [] : [4],
                _ => [c],
            })
            .Distinct()
            .ToList();
        var digits = new Queue<int>(AnswerDigits(words, 4, splitPairs: true));
        if (channels.Count == 0 && digits.Count > 0)
        {
            channels.Add(digits.Dequeue());
        }

        if (times.Count == 0 && digits.Count > 0)
        {
            times.Add(digits.Dequeue());
        }

        return channels.Count == 0 && times.Count == 0
            ? null
            : new ChannelAndTime([.. channels.Select(c => (PreferredChannel)c)], [.. times.Select(t => (PreferredTime)t)]);
    }

    /// <summary>The reply as the answers to record for <paramref name="asked"/> (empty when it answers nothing).</summary>
    public static IReadOnlyList<SurveyAnswer> Answers(SurveyAsked asked, string? reply)
    {
        if (asked == SurveyAsked.Barrier)
        {
            var barriers = ParseBarriers(reply);
            return barriers.Count == 0 ? [] : [new SurveyAnswer(SurveyQuestion.Barrier, [.. barriers.Select(b => (int)b)])];
        }

        var parsed = ParseChannelAndTime(reply);
        var answers = new List<SurveyAnswer>();
        if (parsed is { Channels.Count: > 0 })
        {
            answers.Add(new SurveyAnswer(SurveyQuestion.Channel, [.. parsed.Channels.Select(c => (int)c)]));
        }

        if (parsed is { Times.Count: > 0 })
        {
            answers.Add(new SurveyAnswer(SurveyQuestion.Time, [.. parsed.Times.Select(t => (int)t)]));
        }

        return answers;
    }

    private static (string Phrase, int Code)[] Ordered((string Phrase, int Code)[] phrases) =>
        [.. phrases.OrderByDescending(p => p.Phrase.Count(c => c == ' ')).ThenByDescending(p => p.Phrase.Length)];

    private static List<string> Words(string? reply)
    {
        if (string.IsNullOrWhiteSpace(reply))
        {
            return [];
        }

        var text = new StringBuilder(reply.Length + 8);
        char previous = ' ';
        foreach (var raw in reply.Normalize(NormalizationForm.FormKC))
        {
            if (raw is '\'' or '\u2019')
            {
                continue;
            }

            var c = char.IsLetterOrDigit(raw) && raw < '\u2460' ? char.ToLowerInvariant(raw) : ' ';
            if (c != ' ' && previous != ' ' && char.IsDigit(c) != char.IsDigit(previous))
            {
                text.Append(' ');
            }

            text.Append(c);
            previous = c;
        }

        return [.. text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static List<int> AnswerDigits(List<string> words, int max, bool splitPairs)
    {
        var digits = new List<int>();
        foreach (var word in words)
        {
            if (NumberWords.TryGetValue(word, out var spelled))
            {
                if (spelled <= max)
                {
                    digits.Add(spelled);
                }

                continue;
            }

            if (!word.All(char.IsAsciiDigit))
            {
                continue;
            }

            if (word.Length == 1 || (splitPairs && word.Length == 2))
            {
                foreach (var d in word)
                {
                    var value = d - '0';
                    if (value >= 1 && value <= max)
                    {
                        digits.Add(value);
                    }
                }
            }
        }

        return digits;
    }

    private static List<int> Keywords(List<string> words, (string Phrase, int Code)[] phrases)
    {
        if (words.Count == 0)
        {
            return [];
        }

        // Padded with spaces so a phrase matches whole words only; a matched phrase is blanked out.
        var text = " " + string.Join(' ', words) + " ";
        var found = new List<(int Position, int Code)>();
        foreach (var (phrase, code) in phrases)
        {
            var needle = " " + phrase + " ";
            int at;
            while ((at = text.IndexOf(needle, StringComparison.Ordinal)) >= 0)
            {
                found.Add((at, code));
                text = string.Concat(text.AsSpan(0, at + 1), new string('_', phrase.Length), text.AsSpan(at + 1 + phrase.Length));
            }
        }

        return [.. found.OrderBy(f => f.Position).Select(f => f.Code)];
    }
}

/// <summary>Which survey SMS a reply answers.</summary>
public enum SurveyAsked
{
    /// <summary>The <c>survey_barrier</c> message: main barrier, 1–5.</summary>
    Barrier,

    /// <summary>The <c>survey_channel</c> message: preferred channel (1–4) and time (1–4).</summary>
    ChannelAndTime,
}

/// <summary>The SMS template names of the survey (templates/sms/survey_*.{id,en}.liquid).</summary>
public static class SurveyTemplates
{
    public const string Barrier = "survey_barrier";
    public const string ChannelAndTime = "survey_channel";

    public static string For(SurveyAsked asked) => asked == SurveyAsked.Barrier ? Barrier : ChannelAndTime;
}
