using System.Text.Json;
using BkOutreach.Core.Access;
using BkOutreach.Core.Booking.Pages;

namespace BkOutreach.Core.Staff;

/// <summary>One entry of the staff pages' menu: a same-origin path, never with a key or token in it.</summary>
public sealed record StaffNavLink(string Label, string Href, bool Current);

/// <summary>
/// A problem with one form field: <see cref="Field"/> is the id of the input it concerns (the error summary
/// links to it), <see cref="Message"/> says what to do, in the page's language.
/// </summary>
public sealed record FieldError(string Field, string Message);

/// <summary>
/// What every staff page shows around its own content: the language, who is signed in, the school, the
/// menu, the anti-forgery token for its forms, the error summary and a notice after a saved form.
/// </summary>
public sealed record StaffFrame(
    string Lang,
    string Who,
    string SchoolName,
    string FormToken,
    IReadOnlyList<StaffNavLink> Nav,
    IReadOnlyList<FieldError> Errors,
    string Notice)
{
    /// <summary>The message shown on field <paramref name="field"/>, or empty.</summary>
    public string ErrorFor(string field) => Errors.FirstOrDefault(e => e.Field == field)?.Message ?? "";

    public StaffFrame WithErrors(IReadOnlyList<FieldError> errors) => this with { Errors = errors };
}

/// <summary>
/// The staff pages in <c>templates/pages/staff</c>. Each page is one Liquid file (<c>{page}.liquid</c>) for
/// every language; its words come from <c>text/{page}.{lang}.json</c> and <c>text/common.{lang}.json</c>
/// (Bahasa Indonesia <c>id</c> first, English <c>en</c>), read by the template as <c>t.some_key</c>.
/// Every text file is loaded and checked at start-up: a page's Indonesian and English files must have the
/// same keys, so no page can show a key instead of a word in one language. Pages pull in <c>_top</c> and
/// <c>_bottom</c> for the shared head, menu and error summary, and read the frame as <c>c</c>.
/// </summary>
public sealed class StaffPages
{
    public static readonly IReadOnlyList<string> Languages = ["id", "en"];

    private readonly PageTemplates _templates;
    private readonly Dictionary<(string Page, string Lang), Dictionary<string, object?>> _texts = [];

    public StaffPages()
        : this(StaffHome.DefaultFolder)
    {
    }

    public StaffPages(string folder)
    {
        _templates = new PageTemplates(folder);
        _templates.Allow<StaffFrame>();
        _templates.Allow<StaffNavLink>();
        _templates.Allow<FieldError>();
        LoadTexts(Path.Combine(folder, "text"));
    }

    /// <summary>Lets templates read the members of <typeparamref name="T"/> (snake_case names).</summary>
    public void Allow<T>() => _templates.Allow<T>();

    /// <summary>
    /// Renders <paramref name="page"/> with the frame as <c>c</c>, its words as <c>t</c>, the language as
    /// <c>lang</c> and each entry of <paramref name="values"/> as a top-level variable.
    /// </summary>
    public string Render(string page, StaffFrame frame, IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var all = new Dictionary<string, object?>(values)
        {
            ["c"] = frame,
            ["t"] = Texts(page, frame.Lang),
            ["lang"] = frame.Lang,
        };
        return _templates.Render(page, frame.Lang, all);
    }

    /// <summary>One word or sentence of <paramref name="page"/> (or of the common texts) for messages made in code, such as field errors.</summary>
    public string Text(string page, string lang, string key) =>
        Texts(page, lang).TryGetValue(key, out var text) && text is string s
            ? s
            : throw new KeyNotFoundException($"No text '{key}' for staff page '{page}' in '{lang}' (templates/pages/staff/text).");

    /// <summary><c>en</c> when asked for English, Bahasa Indonesia otherwise.</summary>
    public static string Language(string? lang) =>
        lang is not null && lang.Trim().StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "id";

    private Dictionary<string, object?> Texts(string page, string lang)
    {
        lang = Language(lang);
        if (_texts.TryGetValue((page, lang), out var texts))
        {
            return texts;
        }

        return _texts.TryGetValue(("common", lang), out var common)
            ? common
            : throw new KeyNotFoundException($"No staff texts for '{lang}' (templates/pages/staff/text/common.{lang}.json).");
    }

    private void LoadTexts(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Staff page texts folder '{folder}' does not exist.");
        }

        var raw = new Dictionary<(string Page, string Lang), Dictionary<string, string>>();
        var problems = new List<string>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var parts = Path.GetFileNameWithoutExtension(path).Split('.');
            if (parts.Length != 2 || !Languages.Contains(parts[1]))
            {
                problems.Add($"{Path.GetFileName(path)}: name must be {{page}}.id.json or {{page}}.en.json");
                continue;
            }

            try
            {
                raw[(parts[0], parts[1])] = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))
                    ?? throw new JsonException("empty");
            }
            catch (JsonException e)
            {
                problems.Add($"{Path.GetFileName(path)}: not a JSON object of strings ({e.Message})");
            }
        }

        foreach (var page in raw.Keys.Select(k => k.Page).Distinct(StringComparer.Ordinal))
        {
            var id = raw.GetValueOrDefault((page, "id"));
            var en = raw.GetValueOrDefault((page, "en"));
            if (id is null || en is null)
            {
                problems.Add($"{page}: needs both {page}.id.json and {page}.en.json");
                continue;
            }

            var onlyOne = id.Keys.Except(en.Keys).Concat(en.Keys.Except(id.Keys)).Order(StringComparer.Ordinal).ToList();
            if (onlyOne.Count > 0)
            {
                problems.Add($"{page}: keys in only one language: {string.Join(", ", onlyOne)}");
            }
        }

        if (!raw.ContainsKey(("common", "id")))
        {
            problems.Add("common.id.json and common.en.json are required");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Staff page texts cannot be loaded: " + string.Join("; ", problems));
        }

        foreach (var ((page, lang), words) in raw)
        {
            var merged = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, text) in raw[("common", lang)])
            {
                merged[key] = text;
            }

            foreach (var (key, text) in words)
            {
                merged[key] = text;
            }

            _texts[(page, lang)] = merged;
        }
    }
}
