using System.Globalization;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Staff;

/// <summary>One option of a select.</summary>
public sealed record StaffOption(string Value, string Label, bool Selected);

/// <summary>
/// The school settings form as typed: every value a string, so a failed post comes back exactly as the person
/// left it. <see cref="Version"/> is the stored school's version the form was made from.
/// </summary>
public sealed record SchoolSettingsFormValues(string Name, string TimeZone, string Latitude, string Longitude, string Language, string WindowFrom, string WindowTo, string Version)
{
    public static SchoolSettingsFormValues From(VersionedSchool stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var s = stored.School;
        return new(
            s.Name,
            s.TimeZone,
            s.Latitude.ToString("0.######", CultureInfo.InvariantCulture),
            s.Longitude.ToString("0.######", CultureInfo.InvariantCulture),
            s.Language,
            s.SendingWindow?.From ?? "",
            s.SendingWindow?.To ?? "",
            stored.Version);
    }
}

/// <summary>
/// Turns the settings forms into the school document of <c>PUT /api/admin/schools/{id}</c> and the
/// validation's problems (each starting with its JSON path) back into messages on the form's fields.
/// </summary>
public static class SchoolSettingsForm
{
    /// <summary>The IANA zones of Indonesia: WIB (Jakarta, Pontianak), WITA (Makassar), WIT (Jayapura).</summary>
    public static readonly IReadOnlyList<string> IndonesianZones = ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"];

    /// <summary>Form field ids of the settings page by the JSON path the validation names.</summary>
    public static readonly IReadOnlyDictionary<string, string> SettingsFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["name"] = "name",
        ["body"] = "name",
        ["timeZone"] = "time_zone",
        ["latitude"] = "latitude",
        ["longitude"] = "longitude",
        ["language"] = "language",
        ["sendingWindow"] = "window_from",
        ["sendingWindow.from"] = "window_from",
        ["sendingWindow.to"] = "window_to",
    };

    /// <summary>The zone select: Indonesia's zones, and the stored value too when it is another zone.</summary>
    public static IReadOnlyList<StaffOption> Zones(string current)
    {
        var zones = IndonesianZones.Contains(current, StringComparer.Ordinal) || string.IsNullOrEmpty(current) ? IndonesianZones : [.. IndonesianZones, current];
        return [.. zones.Select(z => new StaffOption(z, z + ZoneSuffix(z), z == current))];
    }

    public static IReadOnlyList<StaffOption> Languages(string current) =>
        [new("id", "Bahasa Indonesia", current != "en"), new("en", "English", current == "en")];

    /// <summary>
    /// The stored school with the main form's values in it (terms, blackouts and prayer margins kept), and the
    /// fields whose text is not a number where one is needed (those keep their stored value for validation).
    /// </summary>
    public static (SchoolSettings School, Dictionary<string, string> Unreadable) Apply(SchoolSettings stored, SchoolSettingsFormValues values)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(values);
        var unreadable = new Dictionary<string, string>(StringComparer.Ordinal);
        var latitude = Number(values.Latitude, "latitude", stored.Latitude, unreadable);
        var longitude = Number(values.Longitude, "longitude", stored.Longitude, unreadable);
        return (stored with
        {
            Name = values.Name,
            TimeZone = values.TimeZone,
            Latitude = latitude,
            Longitude = longitude,
            Language = values.Language,
            SendingWindow = new TimeWindow(values.WindowFrom, values.WindowTo),
        }, unreadable);
    }

    /// <summary>
    /// Each problem on the field its path names (<paramref name="fields"/>; a path with an index such as
    /// <c>terms[3].name</c> is looked up as <c>terms[].name</c>), the first problem of a field winning;
    /// a path the form has no field for goes on <paramref name="fallback"/> with its path kept.
    /// <paramref name="label"/> gives a field's label, put before the message.
    /// </summary>
    public static IReadOnlyList<FieldError> FieldErrors(IEnumerable<string> problems, IReadOnlyDictionary<string, string> fields, string fallback, Func<string, string> label)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(label);
        var errors = new List<FieldError>();
        foreach (var problem in problems)
        {
            var colon = problem.IndexOf(": ", StringComparison.Ordinal);
            var path = colon > 0 ? problem[..colon] : "";
            var message = colon > 0 ? problem[(colon + 2)..] : problem;
            var generic = System.Text.RegularExpressions.Regex.Replace(path, @"\[\d+\]", "[]");
            if (fields.TryGetValue(path, out var field) || fields.TryGetValue(generic, out field))
            {
                if (errors.All(e => e.Field != field))
                {
                    errors.Add(new FieldError(field, $"{label(field)}: {message}"));
                }
            }
            else
            {
                errors.Add(new FieldError(fallback, problem));
            }
        }

        return errors;
    }

    /// <summary>A value for every field id (empty when it has no error), for templates: <c>err.latitude</c>.</summary>
    public static Dictionary<string, object?> ErrorsByField(IEnumerable<string> fieldIds, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var id in fieldIds)
        {
            map[id] = errors.FirstOrDefault(e => e.Field == id)?.Message ?? "";
        }

        return map;
    }

    /// <summary>A decimal number as people type it here: <c>-2.98</c> or <c>-2,98</c>.</summary>
    public static bool TryNumber(string text, out double value) =>
        double.TryParse((text ?? "").Trim().Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static double Number(string text, string field, double stored, Dictionary<string, string> unreadable)
    {
        if (TryNumber(text, out var value))
        {
            return value;
        }

        unreadable[field] = text;
        return stored;
    }

    private static string ZoneSuffix(string zone) => zone switch
    {
        "Asia/Jakarta" or "Asia/Pontianak" => " (WIB)",
        "Asia/Makassar" => " (WITA)",
        "Asia/Jayapura" => " (WIT)",
        _ => "",
    };
}
