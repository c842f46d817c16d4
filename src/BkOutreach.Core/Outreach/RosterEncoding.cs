using System.Text;
using System.Text.Unicode;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Turns the bytes of an uploaded roster into UTF-8, the only encoding <see cref="RosterCsv"/> reads.
/// <list type="bullet">
/// <item>A byte order mark (UTF-8, UTF-16, UTF-32) decides, whatever the request says: it is written by the
/// program that saved the file, a charset by whatever sent it.</item>
/// <item>Otherwise a declared charset is honoured: <c>utf-8</c>, <c>windows-1252</c>, <c>iso-8859-1</c> and the
/// other names .NET knows. ISO-8859-1, Latin-1 and US-ASCII are read as Windows-1252, as browsers do: the
/// files labelled so are Windows files, whose 0x80–0x9F bytes are letters and quotes, not control codes. A
/// file declared UTF-8 that is not valid UTF-8 is refused (reading it would put U+FFFD into names that go into
/// texts and calendars); so is a charset nobody knows.</item>
/// <item>With no charset, valid UTF-8 is UTF-8, and anything else is Windows-1252: what Excel's
/// "CSV (Comma delimited)" writes on an Indonesian or English Windows ("ANSI").</item>
/// </list>
/// </summary>
public static class RosterEncoding
{
    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)
        ?? throw new InvalidOperationException("Code page 1252 is not available.");

    /// <summary>The <c>charset</c> parameter of a Content-Type header; null when there is none.</summary>
    public static string? CharsetOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType) || !System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return null;
        }

        return media.CharSet?.Trim().Trim('"').Trim() is { Length: > 0 } charset ? charset : null;
    }

    /// <summary>
    /// The roster as UTF-8 without a byte order mark: <paramref name="input"/> itself when it already is, a
    /// decoded copy otherwise.
    /// </summary>
    /// <exception cref="RosterFormatException">The file is declared UTF-8 and is not, or the charset is unknown.</exception>
    public static byte[] ToUtf8(byte[] input, string? charset)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (FromByteOrderMark(input) is { } marked)
        {
            return marked.Encoding.CodePage == Encoding.UTF8.CodePage
                ? CheckedUtf8(input.AsSpan(marked.Length).ToArray(), "it starts with the UTF-8 byte order mark")
                : Encoding.UTF8.GetBytes(marked.Encoding.GetString(input, marked.Length, input.Length - marked.Length));
        }

        var declared = FromCharset(charset);
        if (declared is null)
        {
            return Utf8.IsValid(input) ? input : Encoding.UTF8.GetBytes(Windows1252.GetString(input));
        }

        if (declared.CodePage == Encoding.UTF8.CodePage)
        {
            return CheckedUtf8(input, $"it was sent as charset={charset}");
        }

        return Encoding.UTF8.GetBytes(declared.GetString(input));
    }

    private static byte[] CheckedUtf8(byte[] utf8, string why)
    {
        if (Utf8.IsValid(utf8))
        {
            return utf8;
        }

        var line = RosterCsv.LineAt(utf8, FirstInvalidUtf8(utf8));
        throw new RosterFormatException(
            $"The roster is read as UTF-8 because {why}, but line {line} is not valid UTF-8. " +
            "Save the file as \"CSV UTF-8\", or send it with the charset it was saved in (charset=windows-1252 for Excel's \"CSV (Comma delimited)\").");
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        Span<char> sink = stackalloc char[1024];
        var offset = 0;
        while (offset < utf8.Length)
        {
            var status = Utf8.ToUtf16(utf8[offset..], sink, out var read, out _, replaceInvalidSequences: false);
            if (status == System.Buffers.OperationStatus.InvalidData || status == System.Buffers.OperationStatus.NeedMoreData)
            {
                return offset + read;
            }

            offset += read;
        }

        return utf8.Length;
    }

    private static (Encoding Encoding, int Length)? FromByteOrderMark(ReadOnlySpan<byte> input) => input switch
    {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding.UTF8, 3),
        [0xFF, 0xFE, 0x00, 0x00, ..] => (Encoding.UTF32, 4),
        [0x00, 0x00, 0xFE, 0xFF, ..] => (new UTF32Encoding(bigEndian: true, byteOrderMark: false), 4),
        [0xFF, 0xFE, ..] => (Encoding.Unicode, 2),
        [0xFE, 0xFF, ..] => (Encoding.BigEndianUnicode, 2),
        _ => null,
    };

    private static Encoding? FromCharset(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
        {
            return null;
        }

        switch (charset.Trim().ToLowerInvariant())
        {
            case "utf-8" or "utf8" or "unicode-1-1-utf-8":
                return Encoding.UTF8;
            case "windows-1252" or "cp1252" or "x-cp1252" or "iso-8859-1" or "iso8859-1" or "iso_8859-1" or "latin1" or "l1" or "us-ascii" or "ascii":
                return Windows1252;
        }

        try
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(charset.Trim()) ?? Encoding.GetEncoding(charset.Trim());
        }
        catch (ArgumentException)
        {
            throw new RosterFormatException($"The roster was sent as charset={charset}, which is not a known character set. Save the file as \"CSV UTF-8\" and send it as charset=utf-8 (or without a charset).");
        }
    }
}
