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

    /// <summary>Adds "path: at most N characters" when <paramref name="value"/> is longer than <paramref name="max"/>.</summary>
    public static void Length(List<string> problems, string path, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            problems.Add($"{path}: {value.Length} characters; at most {max}.");
        }
    }

    /// <summary>Adds "path: N items; at most M" when the list is longer than <paramref name="max"/>.</summary>
    public static void Count<T>(List<string> problems, string path, IReadOnlyCollection<T>? list, int max)
    {
        if (list is not null && list.Count > max)
        {
            problems.Add($"{path}: {list.Count} items; at most {max}.");
        }
    }

    /// <summary>Adds a problem when the document as stored would not fit one table property.</summary>
    public static void StoredSize(List<string> problems, int storedChars)
    {
        if (storedChars > MaxStoredDocumentChars)
        {
            problems.Add($"body: the stored document would be {storedChars} characters; at most {MaxStoredDocumentChars} (shorten names and reasons or use fewer list items).");
        }
    }

    /// <summary>Adds a problem when <paramref name="date"/> lies outside <see cref="EarliestDate"/>..<see cref="LatestDate"/>.</summary>
    public static bool InRange(List<string> problems, string path, LocalDate date, LocalDate? today)
    {
        if (date < EarliestDate)
        {
            problems.Add($"{path}: {Iso(date)} is before {Iso(EarliestDate)}.");
            return false;
        }

        if (date > LatestEver)
        {
            problems.Add($"{path}: {Iso(date)} is after {Iso(LatestEver)}.");
            return false;
        }

        if (today is { } t && date > LatestDate(t))
        {
            problems.Add($"{path}: {Iso(date)} is more than {MaxYearsAhead} years ahead (latest {Iso(LatestDate(t))}).");
            return false;
        }

        return true;
    }

    /// <summary>A value echoed in a problem, cut so a huge field does not make a huge answer.</summary>
    public static string? Echo(string? value) => value is { Length: > 64 } ? value[..64] + "…" : value;

    private static string Iso(LocalDate date) => NodaTime.Text.LocalDatePattern.Iso.Format(date);
}
