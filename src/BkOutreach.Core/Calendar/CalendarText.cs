using System.Text;

namespace BkOutreach.Core.Calendar;

/// <summary>
/// Guards what Ical.Net does not: it escapes TEXT values (comma, semicolon, backslash, newline) but writes a
/// raw CR or NUL, puts a parameter value such as CN between quotes with any line break left in (a way to
/// inject properties), and folds long lines by UTF-16 chars, cutting emoji in half. So values are cleaned
/// before they go in and the output is refolded at 75 octets on character boundaries (RFC 5545 §3.1).
/// </summary>
internal static class CalendarText
{
    private const int MaxLineOctets = 75;

    /// <summary>Every line break becomes "\n" (which Ical.Net escapes); other control characters go.</summary>
    public static string? Clean(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\r')
            {
                builder.Append('\n');
                if (i + 1 < value.Length && value[i + 1] == '\n')
                {
                    i++;
                }
            }
            else if (c is '\n' or '\u0085' or '\u2028' or '\u2029')
            {
                builder.Append('\n');
            }
            else if (c == '\t' || !char.IsControl(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>A parameter value (e.g. CN): one line, no double quote, which no escaping can carry.</summary>
    public static string? CleanParameter(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(char.IsControl(c) || c is '"' or '\u2028' or '\u2029' ? ' ' : c);
        }

        var cleaned = builder.ToString().Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }

    /// <summary>True when <paramref name="value"/> is non-empty printable text without line breaks.</summary>
    public static bool IsSingleLine(string? value) =>
        !string.IsNullOrWhiteSpace(value) && !value.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085');

    /// <summary>Undoes the serializer's folding and folds again by octets, never inside a character.</summary>
    public static string Refold(string serialized)
    {
        var unfolded = serialized.Replace("\r\n ", "", StringComparison.Ordinal).Replace("\r\n\t", "", StringComparison.Ordinal);
        var output = new StringBuilder(unfolded.Length + (unfolded.Length / 40));
        foreach (var line in unfolded.Split("\r\n"))
        {
            if (line.Length == 0)
            {
                continue;
            }

            // Folding is undone before parsing, so any character boundary will do; runes are never cut.
            var octets = 0;
            foreach (var rune in line.EnumerateRunes())
            {
                var size = rune.Utf8SequenceLength;
                if (octets + size > MaxLineOctets)
                {
                    output.Append("\r\n ");
                    octets = 1;
                }

                output.Append(rune.ToString());
                octets += size;
            }

            output.Append("\r\n");
        }

        return output.ToString();
    }
}
