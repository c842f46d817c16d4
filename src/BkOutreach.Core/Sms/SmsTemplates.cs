using Fluid;
using NodaTime;

namespace BkOutreach.Core.Sms;

/// <summary>What a template may say. Empty texts render as empty; a template uses only what its message needs.</summary>
public sealed record SmsTemplateModel
{
    public string GuardianName { get; init; } = "";

    /// <summary>The guardian's children this message is about (siblings: several).</summary>
    public IReadOnlyList<string> StudentNames { get; init; } = [];

    public string SchoolName { get; init; } = "";

    public string CounselorName { get; init; } = "";

    /// <summary>The personal link, <c>{Links__BaseUrl}/api/b/{token}</c>.</summary>
    public string Link { get; init; } = "";

    /// <summary>The meeting's time as the guardian reads it, in the school's zone, e.g. "Sabtu, 16 Jan 2027 09.00 WIB".</summary>
    public string MeetingTime { get; init; } = "";

    /// <summary>How the meeting happens, in the guardian's language, e.g. "tatap muka di ruang BK" or "online".</summary>
    public string Mode { get; init; } = "";

    /// <summary>The counsellor's online-meeting link (<c>meetingUrl</c>) for an online meeting; empty otherwise.</summary>
    public string MeetingLink { get; init; } = "";
}

/// <summary>A rendered SMS and what it costs.</summary>
public sealed record RenderedSms(string Template, string Language, string Text, int Segments, bool IsGsm7)
{
    public bool WithinBudget => Segments <= SmsTemplates.MaxSegments;
}

/// <summary>
/// A template rendered for a channel with placeholders instead of segments (WhatsApp): the whole text, and
/// the value of each variable in the order the variables first appear in the template's file.
/// </summary>
public sealed record RenderedValues(string Template, string Language, string Text, IReadOnlyList<string> Values);

/// <summary>
/// The SMS texts in <c>templates/sms</c>: Liquid files named <c>{template}.{language}.liquid</c>, all parsed
/// when loaded (a broken file fails start-up, not a send). A language without its own file falls back to
/// Bahasa Indonesia. Variables are set explicitly and undefined ones throw, so a typo in a template
/// cannot send an SMS with a hole in it.
/// </summary>
public sealed class SmsTemplates
{
    public const string DefaultLanguage = "id";

    /// <summary>The budget of every message: 2 segments (306 GSM-7 characters).</summary>
    public const int MaxSegments = 2;
    public const string Outreach = "outreach";
    public const string FollowUp = "follow_up";
    public const string BookingConfirmation = "booking_confirmation";
    public const string Reminder = "reminder";
    public const string Cancellation = "cancellation";
    public const string OptOutConfirmation = "opt_out_confirmation";
    public const string Feedback = "feedback";

    /// <summary>The answer to a reply <c>SMS</c>: the school's messages now come by SMS.</summary>
    public const string ChannelSms = "channel_sms";

    /// <summary>The answer to a reply <c>WA</c>: the school's messages now come by WhatsApp.</summary>
    public const string ChannelWhatsApp = "channel_whatsapp";

    private static readonly FluidParser Parser = new();

    private static readonly HashSet<string> CallingNamePrefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        "Muhammad", "Muhamad", "Mohammad", "Mohamad", "Mohammed", "Moh.", "Moh", "Muh.", "Muh", "M.", "M",
    };

    private readonly Dictionary<(string Template, string Language), IFluidTemplate> _templates;
    private readonly Dictionary<(string Template, string Language), IReadOnlyList<string>> _variables = [];
    private readonly TemplateOptions _options = new() { StrictVariables = true };

    public SmsTemplates(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"SMS templates folder '{folder}' does not exist (the function app copies templates/** into its output).");
        }

        _templates = [];
        var problems = new List<string>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.liquid").Order(StringComparer.Ordinal))
        {
            var parts = Path.GetFileNameWithoutExtension(path).Split('.');
            if (parts.Length != 2)
            {
                problems.Add($"{Path.GetFileName(path)}: name must be {{template}}.{{language}}.liquid");
                continue;
            }

            var source = File.ReadAllText(path);
            if (Parser.TryParse(source, out var template, out var error))
            {
                _templates[(parts[0], parts[1])] = template;
                _variables[(parts[0], parts[1])] = [.. System.Text.RegularExpressions.Regex.Matches(source, @"\{\{\s*([a-z_]+)\s*\}\}").Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];
            }
            else
            {
                problems.Add($"{Path.GetFileName(path)}: {error}");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("SMS templates cannot be loaded: " + string.Join("; ", problems));
        }
    }

    /// <summary><c>templates/sms</c> beside the app's assemblies, where the function app's build puts them.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "templates", "sms");

    /// <summary>Every (template, language) pair that has a file.</summary>
    public IReadOnlyCollection<(string Template, string Language)> Available => _templates.Keys;

    /// <summary>
    /// Renders <paramref name="template"/> in <paramref name="language"/> (or Bahasa Indonesia when that
    /// language has no file). Throws <see cref="KeyNotFoundException"/> for a template that does not exist.
    /// </summary>
    public RenderedSms Render(string template, string? language, SmsTemplateModel model) => Render(template, language, model, mayDropMeetingLink: true);

    private RenderedSms Render(string template, string? language, SmsTemplateModel model, bool mayDropMeetingLink)
    {
        var lang = string.IsNullOrWhiteSpace(language) ? DefaultLanguage : language.Trim().ToLowerInvariant();
        if (!_templates.TryGetValue((template, lang), out var fluid))
        {
            lang = DefaultLanguage;
            if (!_templates.TryGetValue((template, lang), out fluid))
            {
                throw new KeyNotFoundException($"No SMS template '{template}' (looked for {template}.{lang}.liquid).");
            }
        }

        RenderedSms? rendered = null;
        foreach (var attempt in Attempts(model, lang).Where(a => mayDropMeetingLink || a.Model.MeetingLink == model.MeetingLink))
        {
            var text = Gsm7Folding.Fold(RenderText(fluid, attempt.Model, attempt.Students));
            rendered = new RenderedSms(template, lang, text, SmsSegments.Count(text), SmsSegments.IsGsm7(text));
            if (rendered.WithinBudget)
            {
                break;
            }
        }

        return rendered!;
    }

    /// <summary>
    /// Renders for a channel that takes the variables' values separately (a WhatsApp template registered
    /// with this file's text, each variable a placeholder in order of first appearance): every value passed
    /// through <paramref name="cleanValue"/>, typography kept, and the same shortening steps as an SMS until
    /// the whole text is at most <paramref name="maxLength"/> characters.
    /// </summary>
    public RenderedValues RenderValues(string template, string? language, SmsTemplateModel model, int maxLength, Func<string, string> cleanValue)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cleanValue);
        var lang = string.IsNullOrWhiteSpace(language) ? DefaultLanguage : language.Trim().ToLowerInvariant();
        if (!_templates.ContainsKey((template, lang)))
        {
            lang = DefaultLanguage;
        }

        if (!_templates.TryGetValue((template, lang), out var fluid))
        {
            throw new KeyNotFoundException($"No SMS template '{template}' (looked for {template}.{lang}.liquid).");
        }

        var clean = model with
        {
            GuardianName = cleanValue(model.GuardianName),
            StudentNames = [.. model.StudentNames.Select(cleanValue)],
            SchoolName = cleanValue(model.SchoolName),
            CounselorName = cleanValue(model.CounselorName),
            Link = cleanValue(model.Link),
            MeetingTime = cleanValue(model.MeetingTime),
            Mode = cleanValue(model.Mode),
            MeetingLink = cleanValue(model.MeetingLink),
        };
        RenderedValues? rendered = null;
        foreach (var (attempt, students) in Attempts(clean, lang))
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["students"] = students,
                ["guardian_name"] = attempt.GuardianName,
                ["school_name"] = attempt.SchoolName,
                ["counselor_name"] = attempt.CounselorName,
                ["link"] = attempt.Link,
                ["meeting_time"] = attempt.MeetingTime,
                ["mode"] = attempt.Mode,
                ["meeting_link"] = attempt.MeetingLink,
            };
            rendered = new RenderedValues(template, lang, RenderText(fluid, attempt, students), [.. _variables[(template, lang)].Select(v => values[v])]);
            if (rendered.Text.Length <= maxLength)
            {
                break;
            }
        }

        return rendered!;
    }

    /// <summary>
    /// What is tried, in order, until the text fits <see cref="MaxSegments"/>: the values as they are
    /// (typography folded to GSM-7); without characters GSM-7 cannot carry (an emoji in a name would make
    /// the whole SMS UCS-2); the children's calling names; and last without the optional greeting names
    /// (the guardian's and the children's), which leaves "wali siswa" / "your child"; and at the very last
    /// without the online-meeting link.
    /// </summary>
    private static IEnumerable<(SmsTemplateModel Model, string Students)> Attempts(SmsTemplateModel model, string language)
    {
        yield return (model, StudentsText(model.StudentNames, language, callingNamesOnly: false));
        var stripped = model with
        {
            GuardianName = Gsm7Folding.Strip(model.GuardianName),
            StudentNames = [.. model.StudentNames.Select(Gsm7Folding.Strip)],
            SchoolName = Gsm7Folding.Strip(model.SchoolName),
            CounselorName = Gsm7Folding.Strip(model.CounselorName),
        };
        var full = StudentsText(stripped.StudentNames, language, callingNamesOnly: false);
        var noNames = model.StudentNames.Count > 0 ? AnyStudent(language) : "";
        yield return (stripped, full.Length > 0 ? full : noNames);
        if (full.Length > 0)
        {
            yield return (stripped, StudentsText(stripped.StudentNames, language, callingNamesOnly: true));
        }

        yield return (stripped with { GuardianName = "", StudentNames = [] }, noNames);
        if (model.MeetingLink.Length > 0)
        {
            // The counsellor's settings are checked to fit with their link; a school renamed later must not
            // push a reminder over budget: the booking page behind the reminder's link shows it too.
            yield return (stripped with { GuardianName = "", StudentNames = [], MeetingLink = "" }, noNames);
        }
    }

    /// <summary>
    /// The templates (every language) that would exceed <see cref="MaxSegments"/> for this school even
    /// with every optional part dropped: the longest realistic meeting time and mode, a link of the real
    /// length under <paramref name="baseUrl"/>. Empty when every message of the school fits.
    /// </summary>
    /// <param name="meetingUrl">The counsellor's online-meeting link, when they have one: it goes into the reminder of online meetings.</param>
    public IReadOnlyList<RenderedSms> OverBudget(string schoolName, string counselorName, string zoneId, string baseUrl, string? meetingUrl = null)
    {
        // A Wednesday in September at 10:30 is the longest time either language writes.
        var longestTime = new LocalDateTime(2027, 9, 29, 10, 30).InZoneLeniently(DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId) ?? DateTimeZone.Utc);
        var over = new List<RenderedSms>();
        foreach (var (template, language) in _templates.Keys.Order())
        {
            // The link must fit as it is: a reminder that had to leave it out counts as over budget.
            var rendered = Render(template, language, new SmsTemplateModel
            {
                StudentNames = [new string('A', Schools.DocumentLimits.MaxNameLength)],
                SchoolName = schoolName,
                CounselorName = counselorName,
                Link = Links.LinkTokens.BookingUrl(baseUrl, new string('A', Links.LinkTokens.TokenLength)),
                MeetingTime = Booking.MeetingText.Format(longestTime, language),
                Mode = new[] { "online", "in_person" }.Select(m => Booking.MeetingText.Mode(m, language)).MaxBy(m => m.Length)!,
                MeetingLink = meetingUrl ?? "",
            }, mayDropMeetingLink: false);
            if (!rendered.WithinBudget)
            {
                over.Add(rendered);
            }
        }

        return over;
    }

    private string RenderText(IFluidTemplate fluid, SmsTemplateModel model, string students)
    {
        var context = new TemplateContext(_options);
        context.SetValue("students", students);
        context.SetValue("guardian_name", model.GuardianName);
        context.SetValue("school_name", model.SchoolName);
        context.SetValue("counselor_name", model.CounselorName);
        context.SetValue("link", model.Link);
        context.SetValue("meeting_time", model.MeetingTime);
        context.SetValue("mode", model.Mode);
        context.SetValue("meeting_link", model.MeetingLink);
        return fluid.Render(context).Trim();
    }

    /// <summary>
    /// One child: the full name. Siblings, or a name too long for the budget: calling names (a leading
    /// "Muhammad"/"M." skipped, as families do), joined with "dan"/"and", so a family of three still fits.
    /// </summary>
    internal static string StudentsText(IReadOnlyList<string> names, string language, bool callingNamesOnly)
    {
        var cleaned = names.Select(n => string.Join(' ', n.Split(' ', StringSplitOptions.RemoveEmptyEntries))).Where(n => n.Length > 0).ToList();
        if (cleaned.Count == 0)
        {
            return "";
        }

        if (cleaned.Count == 1)
        {
            return callingNamesOnly ? CallingName(cleaned[0]) : cleaned[0];
        }

        var calling = cleaned.Select(CallingName).ToList();
        var and = language == "en" ? " and " : " dan ";
        return string.Join(", ", calling[..^1]) + and + calling[^1];
    }

    /// <summary>What stands for the children when their names do not fit: "wali siswa", "about your child".</summary>
    internal static string AnyStudent(string language) => language == "en" ? "your child" : "siswa";

    private static string CallingName(string fullName)
    {
        var words = fullName.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.FirstOrDefault(w => !CallingNamePrefixes.Contains(w)) ?? words[0];
    }
}
