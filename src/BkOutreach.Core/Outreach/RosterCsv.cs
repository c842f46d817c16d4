using BkOutreach.Core.Schools;
using CsvHelper;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// One valid roster line, normalised: phone in E.164, language <c>id</c> or <c>en</c>, names trimmed;
/// <see cref="Channel"/> null when the optional <c>channel</c> column is empty or absent.
/// </summary>
public sealed record RosterRow(
    int Row,
    string StudentId,
    string StudentName,
    string Class,
    string GuardianName,
    string GuardianPhone,
    string Language,
    string CounselorId,
    MessageChannel? Channel = null)
{
    /// <summary>
    /// The row's <c>language</c> is empty (or the column absent): <see cref="Language"/> is then the default
    /// <c>id</c>, and does not disagree with a sibling's row that gives one.
    /// </summary>
    public bool LanguageBlank { get; init; }
}

/// <summary>
/// A roster line that was not imported; <see cref="Row"/> counts the header as row 1. <see cref="Reason"/> is
/// the English sentence of the JSON routes; <see cref="Problems"/> says the same as codes with their values, so
/// the staff pages can say it in the page's language (<c>reject_{code}</c> texts of the roster page).
/// </summary>
public sealed record RosterRejection(int Row, string Reason)
{
    /// <summary>Not in the JSON answer (<c>{ "row", "reason" }</c>, CONTRACTS.md): for the pages only.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<RosterProblem> Problems { get; init; } = [];

    /// <summary>A rejection with one problem: its English sentence is the reason.</summary>
    public static RosterRejection Of(int row, RosterProblem problem) => new(row, problem.English) { Problems = [problem] };
}

/// <summary>One reason a roster line was rejected: a code, the values it names, and its English sentence.</summary>
public sealed record RosterProblem(string Code, IReadOnlyDictionary<string, string> Values, string English)
{
    public static RosterProblem Of(string code, string english, params (string Name, object Value)[] values) =>
        new(code, values.ToDictionary(v => v.Name, v => Convert.ToString(v.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparer.Ordinal), english);

    /// <summary>The code of a phone number's error (<see cref="PhoneNumberNormalizer"/>).</summary>
    public static string PhoneCode(string? error) => error switch
    {
        PhoneNumberNormalizer.Missing => "phone_missing",
        PhoneNumberNormalizer.Landline => "phone_landline",
        PhoneNumberNormalizer.NotMobile => "phone_not_mobile",
        _ => "phone_invalid",
    };
}

/// <summary>
/// The valid rows, the rejected ones, and every <c>student_id</c> the file names at all (rejected rows
/// included): a full sync keeps a student whose row was rejected where they were, rather than removing them.
/// </summary>
public sealed record RosterParseResult(IReadOnlyList<RosterRow> Rows, IReadOnlyList<RosterRejection> Rejected, IReadOnlySet<string> MentionedStudentIds);

/// <summary>The guardians of a file and the rows left out while grouping them.</summary>
public sealed record RosterGrouping(IReadOnlyList<RosterGuardian> Guardians, IReadOnlyList<RosterRejection> Rejected);

/// <summary>A guardian as the roster describes them: one per phone number, with all their children.</summary>
public sealed record RosterGuardian(string Phone, string Name, string Language, IReadOnlyList<Student> Students)
{
    /// <summary>The file rows this guardian came from (row numbers as in <see cref="RosterRejection.Row"/>).</summary>
    public IReadOnlyList<int> Rows { get; init; } = [];

    /// <summary>The file's <c>channel</c> for this guardian: the first row of theirs that gives one; null when none does.</summary>
    public MessageChannel? Channel { get; init; }
}

/// <summary>The file as a whole cannot be read as a roster (no header, a required column missing).</summary>
public sealed class RosterFormatException : Exception
{
    public RosterFormatException()
    {
    }

    public RosterFormatException(string message)
        : base(message)
    {
    }

    public RosterFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Reads the roster CSV of CONTRACTS.md:
/// <c>student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id</c>, and optionally
/// <c>channel</c> (<c>whatsapp</c> | <c>sms</c>, empty for the school's default; see <see cref="GuardianChannels"/>
/// for how it meets a parent's own choice).
/// <list type="bullet">
/// <item>Header names are matched case-insensitively (spaces and dashes count as underscores), in any
/// order; extra columns are ignored, but one of these columns named twice fails the file (which one holds the
/// data would be a guess); <c>language</c> may be absent (then every row is <c>id</c>) and so may
/// <c>channel</c>, every other column is required and its absence fails the whole file with <see cref="RosterFormatException"/>.</item>
/// <item>Encodings as <see cref="RosterEncoding"/> says: UTF-8 with or without BOM, UTF-16 with BOM, and a
/// file that is not valid UTF-8 is read as Windows-1252 (Excel's "CSV (Comma delimited)"). The separator is
/// ';' when the header line has more semicolons than commas outside quotes (spreadsheets in Indonesian
/// locales save that way), else ','.
/// Quoted fields follow RFC 4180; blank lines and lines of empty fields are skipped. A quote that is never
/// closed rejects the row where it opened, and the file is read on from the next line (rather than that
/// row taking in the rest of the file); more than <see cref="MaxUnclosedQuotes"/> such rows fail the file.</item>
/// <item>Row numbers are line numbers in the file, 1-based, the header being row 1, so they match what a
/// spreadsheet shows (a quoted field spanning lines makes later numbers follow the file's lines).</item>
/// <item>Sizes: <c>student_id</c> and <c>counselor_id</c> at most <see cref="MaxIdLength"/> characters,
/// <c>student_name</c> and <c>guardian_name</c> at most <see cref="MaxNameLength"/>, <c>class</c> at most
/// <see cref="MaxClassLength"/>; a longer field rejects its row (what is stored must fit and be sendable).</item>
/// <item>A bad row is reported with its reason and the others are still returned. The same
/// <c>student_id</c> twice: the later row wins (it is the newer line of a hand-edited file) and the
/// earlier one is reported as superseded, so the admin sees the duplicate.</item>
/// </list>
/// </summary>
public static class RosterCsv
{
    public const string StudentId = "student_id";
    public const string StudentName = "student_name";
    public const string Class = "class";
    public const string GuardianName = "guardian_name";
    public const string GuardianPhone = "guardian_phone";
    public const string Language = "language";
    public const string CounselorId = "counselor_id";
    public const string Channel = "channel";

    /// <summary>
    /// The largest roster file: 4 MiB, about 40,000 rows of usual length (a 10,000-student school is about
    /// 1 MB). The same number is host.json's <c>maxRequestBodySize</c>, which the local runner applies too.
    /// </summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    public const int MaxIdLength = 64;
    public const int MaxNameLength = 200;
    public const int MaxClassLength = 50;

    /// <summary>Children of one guardian (one phone number) in a file; further rows are rejected.</summary>
    public const int MaxStudentsPerGuardian = 50;

    /// <summary>
    /// Rows with a quote that is never closed, beyond which the file is refused: each one makes the reader
    /// read the rest of the file again, and a file with many is not a roster saved as CSV.
    /// </summary>
    public const int MaxUnclosedQuotes = 20;

    private const string ExpectedHeader = $"{StudentId},{StudentName},{Class},{GuardianName},{GuardianPhone},{Language},{CounselorId}";

    private static readonly string[] RequiredColumns = [StudentId, StudentName, Class, GuardianName, GuardianPhone, CounselorId];

    private static readonly string[] KnownColumns = [.. RequiredColumns, Language, Channel];

    public static RosterParseResult Parse(Stream stream)
    {
        byte[] raw;
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            raw = buffer.ToArray();
        }

        var input = RosterEncoding.ToUtf8(raw, charset: null);
        var options = CsvReaderOptions.Default with
        {
            Separator = DetectSeparator(input),
            HasHeader = true,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            IncludeValuesInExceptions = false,
        };

        string[] header;
        using (var csv = CsvReader.Create(input, options))
        {
            header = [.. csv.Headers];
        }

        if (header.Length == 0 || header.All(string.IsNullOrWhiteSpace))
        {
            throw new RosterFormatException($"The roster is empty; its first line must be the header {ExpectedHeader}.");
        }

        if (header.Any(h => h.AsSpan().IndexOfAny('\r', '\n') >= 0))
        {
            throw new RosterFormatException($"The roster's header (line 1) opens a quote (\") that is never closed, so the whole file reads as its header. Expected: {ExpectedHeader}.");
        }

        var columns = ColumnIndexes(header);
        var rows = new List<RosterRow>();
        var rejected = new List<RosterRejection>();
        var rowOfStudent = new Dictionary<string, int>(StringComparer.Ordinal);
        var mentioned = new HashSet<string>(StringComparer.Ordinal);
        var fields = new string[header.Length];
        var studentColumn = columns[StudentId];

        // After a quote that is never closed, the reader starts again on the next line, without a header.
        var start = 0;
        var linesBefore = 0;
        var unclosedRows = 0;
        while (true)
        {
            int? restartAt = null;
            using (var csv = CsvReader.Create(input.AsMemory(start), options with { HasHeader = start == 0 }))
            {
                while (csv.Read())
                {
                    var line = linesBefore + checked((int)csv.LineNumber);
                    var blank = true;
                    for (var i = 0; i < fields.Length; i++)
                    {
                        fields[i] = i < csv.FieldCount ? csv.GetString(i) ?? "" : "";
                        blank &= string.IsNullOrWhiteSpace(fields[i]);
                    }

                    var unclosedAt = csv.RawRecord.IndexOfAny((byte)'\r', (byte)'\n') >= 0 ? FieldWithUnclosedQuote(csv) : -1;
                    if (unclosedAt >= 0)
                    {
                        // The fields before the one that took in the following lines are the row's own.
                        if (studentColumn < unclosedAt && CollapseSpaces(fields[studentColumn]) is { Length: > 0 } id)
                        {
                            mentioned.Add(id);
                        }

                        rejected.Add(RosterRejection.Of(line, RosterProblem.Of("unclosed_quote", "a quote (\") opened in this row is never closed, so the row cannot be read; the rows after it are read from the next line on")));
                        restartAt = line + 1;
                        break;
                    }

                    if (blank)
                    {
                        continue;
                    }

                    if (CollapseSpaces(fields[studentColumn]) is { Length: > 0 } mentionedId)
                    {
                        mentioned.Add(mentionedId);
                    }

                    var (row, problems) = ReadRow(line, fields, columns);
                    if (row is null)
                    {
                        rejected.Add(new RosterRejection(line, string.Join("; ", problems.Select(p => p.English))) { Problems = problems });
                        continue;
                    }

                    if (rowOfStudent.TryGetValue(row.StudentId, out var earlier))
                    {
                        rejected.Add(RosterRejection.Of(rows[earlier].Row, RosterProblem.Of("student_again", $"student_id '{row.StudentId}' appears again in row {line}; the later row is used", ("student", row.StudentId), ("row", line))));
                        rows[earlier] = row;
                    }
                    else
                    {
                        rowOfStudent[row.StudentId] = rows.Count;
                        rows.Add(row);
                    }
                }
            }

            if (restartAt is not { } next)
            {
                break;
            }

            if (++unclosedRows > MaxUnclosedQuotes)
            {
                throw new RosterFormatException($"More than {MaxUnclosedQuotes} rows of the roster open a quote (\") that is never closed (the first in row {rejected.First(r => r.Problems.Any(p => p.Code == "unclosed_quote")).Row}); this is not a CSV file as a spreadsheet saves it. Save it again as CSV and check the quotes in its names.");
            }

            if ((start = StartOfLine(input, next)) >= input.Length)
            {
                break;
            }

            linesBefore = next - 1;
        }

        return new RosterParseResult(rows, [.. rejected.OrderBy(r => r.Row)], mentioned);
    }

    /// <summary>
    /// The first field of a record spanning lines that took in a line break without being one quoted field
    /// (<c>"…"</c> with only doubled quotes inside), or -1. That is a quote the file never closes as it means
    /// to: nothing closes it (the field runs to the end of the file), or a quote that opens a field on a
    /// later line "closes" it (every row up to the next quoted field, such as a name with a comma, which
    /// spreadsheets quote, is taken in). A cell with a line break in it is one quoted field and is not this.
    /// </summary>
    private static int FieldWithUnclosedQuote(CsvReader csv)
    {
        for (var i = 0; i < csv.FieldCount; i++)
        {
            var raw = csv.GetRawSpan(i).Trim(" \t"u8);
            if (raw.IndexOfAny((byte)'\r', (byte)'\n') >= 0 && !IsOneQuotedField(raw))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsOneQuotedField(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 2 || raw[0] != (byte)'"' || raw[^1] != (byte)'"')
        {
            return false;
        }

        var inner = raw[1..^1];
        for (var i = inner.IndexOf((byte)'"'); i >= 0; i = inner.IndexOf((byte)'"'))
        {
            if (i + 1 >= inner.Length || inner[i + 1] != (byte)'"')
            {
                return false;
            }

            inner = inner[(i + 2)..];
        }

        return true;
    }

    /// <summary>The 1-based line of the byte at <paramref name="offset"/>; CR LF, CR and LF each end a line, as the reader counts them.</summary>
    internal static int LineAt(ReadOnlySpan<byte> utf8, int offset)
    {
        var line = 1;
        for (var i = 0; i < offset && i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n' || (utf8[i] == (byte)'\r' && (i + 1 >= utf8.Length || utf8[i + 1] != (byte)'\n')))
            {
                line++;
            }
        }

        return line;
    }

    /// <summary>The offset of the first byte of 1-based line <paramref name="line"/>, or the length when the input has fewer lines.</summary>
    private static int StartOfLine(ReadOnlySpan<byte> utf8, int line)
    {
        var current = 1;
        for (var i = 0; i < utf8.Length && current < line; i++)
        {
            if (utf8[i] == (byte)'\n' || (utf8[i] == (byte)'\r' && (i + 1 >= utf8.Length || utf8[i + 1] != (byte)'\n')))
            {
                current++;
                if (current == line)
                {
                    return i + 1;
                }
            }
        }

        return line <= 1 ? 0 : utf8.Length;
    }

    /// <summary>
    /// One guardian per phone number with all their children (siblings), in the order the phone first
    /// appears. One number is one guardian, with one name, one language and one channel: the name is the first
    /// non-empty one of their rows, the language the first one given (else <c>id</c>), the channel the first
    /// one given (else none). A later row that says otherwise is rejected rather than merged, naming the row
    /// it disagrees with: another name (ignoring case and spaces), so one family's child never appears on
    /// another family's page, or another language or channel, so the guardian's messages never silently
    /// follow whichever row came first. An empty <c>language</c> or <c>channel</c> disagrees with nothing.
    /// So are rows beyond <see cref="MaxStudentsPerGuardian"/> children of one number.
    /// </summary>
    public static RosterGrouping GroupByGuardian(IEnumerable<RosterRow> rows)
    {
        var guardians = new List<RosterGuardian>();
        var rejected = new List<RosterRejection>();
        foreach (var group in rows.GroupBy(r => r.GuardianPhone, StringComparer.Ordinal))
        {
            var named = group.FirstOrDefault(r => r.GuardianName.Length > 0);
            RosterRow? spoken = null;
            RosterRow? reached = null;
            var kept = new List<RosterRow>();
            foreach (var row in group)
            {
                if (named is not null && row.GuardianName.Length > 0 && !string.Equals(row.GuardianName, named.GuardianName, StringComparison.OrdinalIgnoreCase))
                {
                    rejected.Add(RosterRejection.Of(row.Row, RosterProblem.Of("phone_other_name", $"guardian_phone is already the number of guardian '{named.GuardianName}' (row {named.Row}); one number is one guardian, so a different name here is not merged: correct the number or the name", ("name", named.GuardianName), ("row", named.Row))));
                }
                else if (spoken is not null && !row.LanguageBlank && row.Language != spoken.Language)
                {
                    rejected.Add(RosterRejection.Of(row.Row, RosterProblem.Of("phone_other_language", $"language is {row.Language} here but {spoken.Language} in row {spoken.Row} for the same guardian_phone; one guardian gets their messages in one language, so this row is not merged: give the rows of this number the same language", ("value", row.Language), ("other", spoken.Language), ("row", spoken.Row))));
                }
                else if (reached is not null && row.Channel is { } channel && channel != reached.Channel)
                {
                    rejected.Add(RosterRejection.Of(row.Row, RosterProblem.Of("phone_other_channel", $"channel is {GuardianChannels.ToWire(channel)} here but {GuardianChannels.ToWire(reached.Channel!.Value)} in row {reached.Row} for the same guardian_phone; one guardian is reached on one channel, so this row is not merged: give the rows of this number the same channel (or leave it empty)", ("value", GuardianChannels.ToWire(channel)), ("other", GuardianChannels.ToWire(reached.Channel!.Value)), ("row", reached.Row))));
                }
                else if (kept.Count >= MaxStudentsPerGuardian)
                {
                    rejected.Add(RosterRejection.Of(row.Row, RosterProblem.Of("phone_max_children", $"guardian_phone already has {MaxStudentsPerGuardian} children in this file (the most one guardian may have)", ("max", MaxStudentsPerGuardian))));
                }
                else
                {
                    kept.Add(row);
                    spoken ??= row.LanguageBlank ? null : row;
                    reached ??= row.Channel is null ? null : row;
                }
            }

            guardians.Add(new RosterGuardian(
                group.Key,
                named?.GuardianName ?? "",
                spoken?.Language ?? kept[0].Language,
                [.. kept.Select(r => new Student(r.StudentId, r.StudentName, r.Class, r.CounselorId))])
            {
                Rows = [.. kept.Select(r => r.Row)],
                Channel = reached?.Channel,
            });
        }

        return new RosterGrouping(guardians, rejected);
    }

    private static (RosterRow? Row, List<RosterProblem> Problems) ReadRow(int line, string[] fields, Dictionary<string, int> columns)
    {
        string Field(string name) =>
            columns.TryGetValue(name, out var index) && index < fields.Length ? CollapseSpaces(fields[index]) : "";

        var problems = new List<RosterProblem>();
        var studentId = Field(StudentId);
        var studentName = Field(StudentName);
        var @class = Field(Class);
        var counselorId = Field(CounselorId);
        foreach (var (name, value) in new[] { (StudentId, studentId), (StudentName, studentName), (Class, @class), (CounselorId, counselorId) })
        {
            if (value.Length == 0)
            {
                problems.Add(RosterProblem.Of("empty", $"{name} is empty", ("column", name)));
            }
        }

        var phone = PhoneNumberNormalizer.Normalize(Field(GuardianPhone));
        if (!phone.IsValid)
        {
            problems.Add(RosterProblem.Of(RosterProblem.PhoneCode(phone.Error), $"guardian_phone: {phone.Error}"));
        }

        var language = NormalizeLanguage(Field(Language));
        if (language is null)
        {
            problems.Add(RosterProblem.Of("language", $"language must be id or en, got '{Field(Language)}'", ("value", Field(Language))));
        }

        if (!GuardianChannels.TryParse(Field(Channel), out var channel))
        {
            problems.Add(RosterProblem.Of("channel", $"channel must be whatsapp or sms (or empty for the school's default), got '{Field(Channel)}'", ("value", Field(Channel))));
        }

        foreach (var (name, value, limit) in new[]
        {
            (StudentId, studentId, MaxIdLength), (StudentName, studentName, MaxNameLength), (Class, @class, MaxClassLength),
            (GuardianName, Field(GuardianName), MaxNameLength), (CounselorId, counselorId, MaxIdLength),
        })
        {
            if (value.Length > limit)
            {
                problems.Add(RosterProblem.Of("too_long", $"{name} is longer than {limit} characters ({value.Length})", ("column", name), ("limit", limit), ("length", value.Length)));
            }
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        return (new RosterRow(line, studentId, studentName, @class, Field(GuardianName), phone.E164!, language!, counselorId, channel) { LanguageBlank = Field(Language).Length == 0 }, problems);
    }

    private static Dictionary<string, int> ColumnIndexes(string[] header)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        var twice = new List<string>();
        for (var i = 0; i < header.Length; i++)
        {
            var name = NormalizeHeader(header[i]);
            if (!columns.TryAdd(name, i) && KnownColumns.Contains(name))
            {
                twice.Add($"{name} (columns {columns[name] + 1} and {i + 1})");
            }
        }

        if (twice.Count > 0)
        {
            throw new RosterFormatException(
                $"The roster header names column{(twice.Count > 1 ? "s" : "")} {string.Join(", ", twice)} twice; it is not clear which one holds the data. " +
                "Remove or rename one of each, then upload the file again.");
        }

        var missing = RequiredColumns.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new RosterFormatException(
                $"The roster header lacks column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}. " +
                $"Expected: {ExpectedHeader} (any order; {Language} and {Channel} optional). Found: {string.Join(",", header)}.");
        }

        return columns;
    }

    private static string NormalizeHeader(string header) =>
        header.Trim().Trim('\uFEFF').ToLowerInvariant().Replace(' ', '_').Replace('-', '_');

    private static string? NormalizeLanguage(string value) => value.ToLowerInvariant() switch
    {
        "" or "id" or "ind" or "in" or "indonesia" or "bahasa" or "bahasa indonesia" => "id",
        "en" or "eng" or "english" or "inggris" => "en",
        _ => null,
    };

    private static string CollapseSpaces(string value)
    {
        value = value.Trim();
        if (!value.Contains("  ", StringComparison.Ordinal) && !value.Contains('\t', StringComparison.Ordinal))
        {
            return value;
        }

        return string.Join(' ', value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>';' when the header line holds more semicolons than commas outside quotes, else ','.</summary>
    private static char DetectSeparator(byte[] input)
    {
        var commas = 0;
        var semicolons = 0;
        var quoted = false;
        foreach (var b in input)
        {
            if (b == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (!quoted && b is (byte)'\n' or (byte)'\r')
            {
                break;
            }
            else if (!quoted && b == (byte)',')
            {
                commas++;
            }
            else if (!quoted && b == (byte)';')
            {
                semicolons++;
            }
        }

        return semicolons > commas ? ';' : ',';
    }
}
