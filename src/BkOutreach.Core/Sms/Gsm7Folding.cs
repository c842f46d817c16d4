using System.Globalization;
using System.Text;

namespace BkOutreach.Core.Sms;

/// <summary>
/// Writes text in the GSM-7 alphabet where it has a plain equivalent, so one typographic apostrophe
/// (<c>Nur’aini</c>) does not turn a whole SMS into UCS-2 (70 instead of 160 characters a segment).
/// Typographic quotes, dashes, the ellipsis and unusual spaces become their ASCII forms; letters with
/// diacritics outside GSM-7 lose the diacritic (<c>ā</c> → <c>a</c>). What has no equivalent (emoji, other
/// scripts) is kept by <see cref="Fold"/> and removed only by <see cref="Strip"/>.
/// </summary>
public static class Gsm7Folding
{
    private static readonly Dictionary<char, string> Replacements = new()
    {
        ['\u2018'] = "'", ['\u2019'] = "'", ['\u201A'] = "'", ['\u201B'] = "'", ['\u2032'] = "'", ['\u02BC'] = "'", ['\u0060'] = "'", ['\u00B4'] = "'",
        ['\u201C'] = "\"", ['\u201D'] = "\"", ['\u201E'] = "\"", ['\u201F'] = "\"", ['\u2033'] = "\"", ['\u00AB'] = "\"", ['\u00BB'] = "\"",
        ['\u2010'] = "-", ['\u2011'] = "-", ['\u2012'] = "-", ['\u2013'] = "-", ['\u2014'] = "-", ['\u2015'] = "-", ['\u2212'] = "-",
        ['\u2026'] = "...", ['\u00A0'] = " ", ['\u2007'] = " ", ['\u2009'] = " ", ['\u202F'] = " ", ['\u200B'] = "", ['\uFEFF'] = "",
        ['\u2022'] = "-", ['\t'] = " ",
    };

    /// <summary>The text with every character that has a GSM-7 equivalent written as it.</summary>
    public static string Fold(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (SmsSegments.IsGsm7(text))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (Replacements.TryGetValue(c, out var replacement))
            {
                result.Append(replacement);
            }
            else if (char.IsSurrogate(c) || SmsSegments.IsGsm7(c.ToString()))
            {
                result.Append(c);
            }
            else
            {
                result.Append(WithoutDiacritics(c));
            }
        }

        return result.ToString();
    }

    /// <summary>The folded text without what GSM-7 cannot carry at all (emoji, other scripts), spaces tidied.</summary>
    public static string Strip(string text)
    {
        var folded = Fold(text);
        var kept = new StringBuilder(folded.Length);
        foreach (var c in folded)
        {
            if (SmsSegments.IsGsm7(c.ToString()))
            {
                kept.Append(c);
            }
        }

        return string.Join(' ', kept.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>A letter with a diacritic as its base letter when that is GSM-7 (ā → a); anything else as it was.</summary>
    private static string WithoutDiacritics(char c)
    {
        var decomposed = c.ToString().Normalize(NormalizationForm.FormD);
        var bases = string.Concat(decomposed.Where(d => CharUnicodeInfo.GetUnicodeCategory(d) != UnicodeCategory.NonSpacingMark));
        return bases.Length > 0 && SmsSegments.IsGsm7(bases) ? bases : c.ToString();
    }
}
