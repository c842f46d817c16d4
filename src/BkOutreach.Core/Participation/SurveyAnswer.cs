using System.Globalization;

namespace BkOutreach.Core.Participation;

/// <summary>
/// The study's survey (Imelda &amp; Saputra 2025), asked by SMS in two messages: the main barrier
/// (<c>survey_barrier</c> template) and the preferred channel and time (<c>survey_channel</c> template,
/// one reply answering two questions).
/// </summary>
public enum SurveyQuestion
{
    Barrier,
    Channel,
    Time,
}

/// <summary>Main barrier to meeting the BK teacher; the codes parents reply with.</summary>
public enum SurveyBarrier
{
    /// <summary>Limited time (full-time work): the study's 70%.</summary>
    Time = 1,

    /// <summary>Not sure what the BK teacher does: the study's 55%.</summary>
    RoleUnclear = 2,

    /// <summary>Too little communication (meeting only at report-card day): the study's 40%.</summary>
    LittleCommunication = 3,

    /// <summary>Hard to agree a meeting time: the study's 30%.</summary>
    HardToAgreeTime = 4,

    Other = 5,
}

/// <summary>Preferred channel for the school to reach the parent.</summary>
public enum PreferredChannel
{
    Sms = 1,
    WhatsApp = 2,
    PhoneCall = 3,
    InPerson = 4,
}

/// <summary>Preferred time for a meeting (the same split as <see cref="SlotKind"/>).</summary>
public enum PreferredTime
{
    WeekdayEvening = 1,
    Saturday = 2,
    Sunday = 3,
    WeekdayDaytime = 4,
}

/// <summary>
/// One question's answer: the codes a parent chose (usually one; a parent may name several). Stored as the
/// <c>survey_answer</c> fact's value <c>{question}={codes}</c>, e.g. <c>barrier=1</c>, <c>barrier=1,4</c>,
/// <c>channel=2</c>, <c>time=2,3</c>.
/// </summary>
public sealed record SurveyAnswer(SurveyQuestion Question, IReadOnlyList<int> Codes)
{
    public static readonly IReadOnlyDictionary<SurveyQuestion, IReadOnlyDictionary<int, string>> Labels = new Dictionary<SurveyQuestion, IReadOnlyDictionary<int, string>>
    {
        [SurveyQuestion.Barrier] = new Dictionary<int, string>
        {
            [1] = "Limited time (work)",
            [2] = "Not sure what BK does",
            [3] = "Too little communication",
            [4] = "Hard to agree a time",
            [5] = "Other",
        },
        [SurveyQuestion.Channel] = new Dictionary<int, string>
        {
            [1] = "SMS",
            [2] = "WhatsApp",
            [3] = "Phone call",
            [4] = "In person",
        },
        [SurveyQuestion.Time] = new Dictionary<int, string>
        {
            [1] = "Weekday evening",
            [2] = "Saturday",
            [3] = "Sunday",
            [4] = "Weekday daytime",
        },
    };

    /// <summary>The share of parents naming each barrier in the study's Table 1 (several per parent, so they add up to more than 100%).</summary>
    public static readonly IReadOnlyDictionary<int, double> StudyBaseline = new Dictionary<int, double>
    {
        [(int)SurveyBarrier.Time] = 0.70,
        [(int)SurveyBarrier.RoleUnclear] = 0.55,
        [(int)SurveyBarrier.LittleCommunication] = 0.40,
        [(int)SurveyBarrier.HardToAgreeTime] = 0.30,
    };

    public static string ToWire(SurveyQuestion question) => question switch
    {
        SurveyQuestion.Barrier => "barrier",
        SurveyQuestion.Channel => "channel",
        SurveyQuestion.Time => "time",
        _ => throw new ArgumentOutOfRangeException(nameof(question), question, null),
    };

    public string ToValue() => $"{ToWire(Question)}={string.Join(',', Codes.Select(c => c.ToString(CultureInfo.InvariantCulture)))}";

    public static SurveyAnswer? TryParse(string? value)
    {
        var eq = (value ?? "").IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return null;
        }

        SurveyQuestion? question = value![..eq] switch
        {
            "barrier" => SurveyQuestion.Barrier,
            "channel" => SurveyQuestion.Channel,
            "time" => SurveyQuestion.Time,
            _ => null,
        };
        if (question is null)
        {
            return null;
        }

        var codes = new List<int>();
        foreach (var part in value[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var code) || !Labels[question.Value].ContainsKey(code))
            {
                return null;
            }

            codes.Add(code);
        }

        return codes.Count == 0 ? null : new SurveyAnswer(question.Value, codes);
    }
}
