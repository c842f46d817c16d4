using Fluid;

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
}

/// <summary>A rendered SMS and what it costs.</summary>
public sealed record RenderedSms(string Template, string Language, string Text, int Segments, bool IsGsm7);

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

    private static readonly FluidParser Parser = new();

    private static readonly HashSet<string> CallingNamePrefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        "Muhammad", "Muhamad", "Mohammad", "Mohamad", "Mohammed", "Moh.", "Moh", "Muh.", "Muh", "M.", "M",
    };

    private readonly Dictionary<(string Template, string Language), IFluidTemplate> _templates;
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

            if (Parser.TryParse(File.ReadAllText(path), out var template, out var error))
            {
                _templates[(parts[0], parts[1])] = template;
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
    public RenderedSms Render(string template, string? language, SmsTemplateModel model)
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

        var text = RenderText(fluid, model, StudentsText(model.StudentNames, lang, callingNamesOnly: false));
        if (SmsSegments.Count(text) > MaxSegments && model.StudentNames.Count > 0)
        {
            // Long names push the text over budget: calling names cost less than a third segment.
            text = RenderText(fluid, model, StudentsText(model.StudentNames, lang, callingNamesOnly: true));
        }

        return new RenderedSms(template, lang, text, SmsSegments.Count(text), SmsSegments.IsGsm7(text));
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

    private static string CallingName(string fullName)
    {
        var words = fullName.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.FirstOrDefault(w => !CallingNamePrefixes.Contains(w)) ?? words[0];
    }
}
