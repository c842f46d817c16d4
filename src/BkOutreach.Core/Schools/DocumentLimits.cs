using NodaTime;

namespace BkOutreach.Core.Schools;

/// <summary>
/// The sizes and date ranges every admin document is held to at the boundary (README "Limits"), so what is
/// stored can always be used later: a document is one table property (64 KiB, i.e. 32 768 UTF-16
/// characters), dates stay in a range that date arithmetic and SMS texts can carry, and lists stay short
/// enough to be read on every request.
/// </summary>
public static class DocumentLimits
{
    /// <summary>Names of schools, counsellors, terms and campaigns.</summary>
    public const int MaxNameLength = 100;

    /// <summary>A blackout's reason, a class name, an email address.</summary>
    public const int MaxShortTextLength = 200;

    public const int MaxTerms = 20;
    public const int MaxBlackouts = 400;
    public const int MaxWindows = 28;
    public const int MaxDaysOff = 100;

    /// <summary>A counsellor's online-meeting link: short enough that the reminder SMS keeps its budget.</summary>
    public const int MaxMeetingUrlLength = 120;
    public const int MaxWaves = 10;
    public const int MaxClasses = 200;

    /// <summary>A term or a blackout lasts at most this many days.</summary>
    public const int MaxRangeDays = 366;

    /// <summary>How far ahead of today a date may lie (terms, blackouts, campaigns).</summary>
    public const int MaxYearsAhead = 5;

    /// <summary>The stored JSON of one document, in characters (a table string property holds 64 KiB of UTF-16).</summary>
    public const int MaxStoredDocumentChars = 32_000;

    /// <summary>No document date is earlier than this (older terms are history, not settings).</summary>
    public static readonly LocalDate EarliestDate = new(2000, 1, 1);

    /// <summary>No document date is later than this, whatever the day (date arithmetic stays far from its end).</summary>
    public static readonly LocalDate LatestEver = new(2100, 12, 31);

    /// <summary>The latest date a document may carry when stored on <paramref name="today"/>.</summary>
    public static LocalDate LatestDate(LocalDate today) => today.PlusYears(MaxYearsAhead);

    /// <summary>
    /// A problem's words in the language asked for: English (<c>en</c>, the JSON API's, which CONTRACTS.md
    /// fixes) unless <paramref name="lang"/> is <c>id</c> (the staff pages). The field path before the colon is
    /// the same in both.
    /// </summary>
    public static string Say(string lang, string english, string indonesian) => lang == "id" ? indonesian : english;

    /// <summary>Adds "path: at most N characters" when <paramref name="value"/> is longer than <paramref name="max"/>.</summary>
    public static void Length(List<string> problems, string path, string? value, int max, string lang = "en")
    {
        if (value is not null && value.Length > max)
        {
            problems.Add(Say(lang, $"{path}: {value.Length} characters; at most {max}.", $"{path}: {value.Length} karakter; paling banyak {max}."));
        }
    }

    /// <summary>Adds "path: N items; at most M" when the list is longer than <paramref name="max"/>.</summary>
    public static void Count<T>(List<string> problems, string path, IReadOnlyCollection<T>? list, int max, string lang = "en")
    {
        if (list is not null && list.Count > max)
        {
            problems.Add(Say(lang, $"{path}: {list.Count} items; at most {max}.", $"{path}: {list.Count} butir; paling banyak {max}."));
        }
    }

    /// <summary>Adds a problem when the document as stored would not fit one table property.</summary>
    public static void StoredSize(List<string> problems, int storedChars, string lang = "en")
    {
        if (storedChars > MaxStoredDocumentChars)
        {
            problems.Add(Say(
                lang,
                $"body: the stored document would be {storedChars} characters; at most {MaxStoredDocumentChars} (shorten names and reasons or use fewer list items).",
                $"body: dokumen yang disimpan akan berisi {storedChars} karakter; paling banyak {MaxStoredDocumentChars} (persingkat nama dan alasan, atau kurangi isi daftar)."));
        }
    }

    /// <summary>Adds a problem when <paramref name="date"/> lies outside <see cref="EarliestDate"/>..<see cref="LatestDate"/>.</summary>
    public static bool InRange(List<string> problems, string path, LocalDate date, LocalDate? today, string lang = "en")
    {
        if (date < EarliestDate)
        {
            problems.Add(Say(lang, $"{path}: {Iso(date)} is before {Iso(EarliestDate)}.", $"{path}: {Iso(date)} sebelum {Iso(EarliestDate)}."));
            return false;
        }

        if (date > LatestEver)
        {
            problems.Add(Say(lang, $"{path}: {Iso(date)} is after {Iso(LatestEver)}.", $"{path}: {Iso(date)} setelah {Iso(LatestEver)}."));
            return false;
        }

        if (today is { } t && date > LatestDate(t))
        {
            problems.Add(Say(
                lang,
                $"{path}: {Iso(date)} is more than {MaxYearsAhead} years ahead (latest {Iso(LatestDate(t))}).",
                $"{path}: {Iso(date)} lebih dari {MaxYearsAhead} tahun ke depan (paling lambat {Iso(LatestDate(t))})."));
            return false;
        }

        return true;
    }

    /// <summary>A value echoed in a problem, cut so a huge field does not make a huge answer.</summary>
    public static string? Echo(string? value) => value is { Length: > 64 } ? value[..64] + "…" : value;

    private static string Iso(LocalDate date) => NodaTime.Text.LocalDatePattern.Iso.Format(date);
}
