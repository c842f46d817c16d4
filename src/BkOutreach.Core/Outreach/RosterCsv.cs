using BkOutreach.Core.Schools;
using CsvHelper;

namespace BkOutreach.Core.Outreach;

/// <summary>One valid roster line, normalised: phone in E.164, language <c>id</c> or <c>en</c>, names trimmed.</summary>
public sealed record RosterRow(
    int Row,
    string StudentId,
    string StudentName,
    string Class,
    string GuardianName,
    string GuardianPhone,
    string Language,
    string CounselorId);

/// <summary>A roster line that was not imported; <see cref="Row"/> counts the header as row 1.</summary>
public sealed record RosterRejection(int Row, string Reason);

public sealed record RosterParseResult(IReadOnlyList<RosterRow> Rows, IReadOnlyList<RosterRejection> Rejected);

/// <summary>A guardian as the roster describes them: one per phone number, with all their children.</summary>
public sealed record RosterGuardian(string Phone, string Name, string Language, IReadOnlyList<Student> Students);

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
/// <c>student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id</c>.
/// <list type="bullet">
/// <item>Header names are matched case-insensitively (spaces and dashes count as underscores), in any
/// order; extra columns are ignored; <c>language</c> may be absent (then every row is <c>id</c>), every
/// other column is required and its absence fails the whole file with <see cref="RosterFormatException"/>.</item>
/// <item>UTF-8 with or without BOM (UTF-16 with BOM too); the separator is ';' when the header line has
/// more semicolons than commas outside quotes (spreadsheets in Indonesian locales save that way), else ','.
/// Quoted fields follow RFC 4180; blank lines and lines of empty fields are skipped.</item>
/// <item>Row numbers are line numbers in the file, 1-based, the header being row 1, so they match what a
/// spreadsheet shows (a quoted field spanning lines makes later numbers follow the file's lines).</item>
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

    private const string ExpectedHeader = $"{StudentId},{StudentName},{Class},{GuardianName},{GuardianPhone},{Language},{CounselorId}";

    private static readonly string[] RequiredColumns = [StudentId, StudentName, Class, GuardianName, GuardianPhone, CounselorId];

    public static RosterParseResult Parse(Stream stream)
    {
        byte[] input;
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            input = buffer.ToArray();
        }

        var options = CsvReaderOptions.Default with
        {
            Separator = DetectSeparator(input),
            HasHeader = true,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            IncludeValuesInExceptions = false,
        };

        using var csv = CsvReader.Create(input, options);
        string[] header = [.. csv.Headers];
        if (header.Length == 0 || header.All(string.IsNullOrWhiteSpace))
        {
            throw new RosterFormatException($"The roster is empty; its first line must be the header {ExpectedHeader}.");
        }

        var columns = ColumnIndexes(header);
        var rows = new List<RosterRow>();
        var rejected = new List<RosterRejection>();
        var rowOfStudent = new Dictionary<string, int>(StringComparer.Ordinal);
        var fields = new string[header.Length];
        while (csv.Read())
        {
            var line = checked((int)csv.LineNumber);
            var blank = true;
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = i < csv.FieldCount ? csv.GetString(i) ?? "" : "";
                blank &= string.IsNullOrWhiteSpace(fields[i]);
            }

            if (blank)
            {
                continue;
            }

            var (row, reason) = ReadRow(line, fields, columns);
            if (row is null)
            {
                rejected.Add(new RosterRejection(line, reason!));
                continue;
            }

            if (rowOfStudent.TryGetValue(row.StudentId, out var earlier))
            {
                rejected.Add(new RosterRejection(rows[earlier].Row, $"student_id '{row.StudentId}' appears again in row {line}; the later row is used"));
                rows[earlier] = row;
            }
            else
            {
                rowOfStudent[row.StudentId] = rows.Count;
                rows.Add(row);
            }
        }

        return new RosterParseResult(rows, [.. rejected.OrderBy(r => r.Row)]);
    }

    /// <summary>
    /// One guardian per phone number with all their children (siblings), in the order the phone first
    /// appears. Name and language come from the guardian's first row that has them.
    /// </summary>
    public static IReadOnlyList<RosterGuardian> GroupByGuardian(IEnumerable<RosterRow> rows) =>
        [.. rows.GroupBy(r => r.GuardianPhone, StringComparer.Ordinal).Select(g => new RosterGuardian(
            g.Key,
            g.Select(r => r.GuardianName).FirstOrDefault(n => n.Length > 0) ?? "",
            g.First().Language,
            [.. g.Select(r => new Student(r.StudentId, r.StudentName, r.Class, r.CounselorId))]))];

    private static (RosterRow? Row, string? Reason) ReadRow(int line, string[] fields, Dictionary<string, int> columns)
    {
        string Field(string name) =>
            columns.TryGetValue(name, out var index) && index < fields.Length ? CollapseSpaces(fields[index]) : "";

        var problems = new List<string>();
        var studentId = Field(StudentId);
        var studentName = Field(StudentName);
        var @class = Field(Class);
        var counselorId = Field(CounselorId);
        foreach (var (name, value) in new[] { (StudentId, studentId), (StudentName, studentName), (Class, @class), (CounselorId, counselorId) })
        {
            if (value.Length == 0)
            {
                problems.Add($"{name} is empty");
            }
        }

        var phone = PhoneNumberNormalizer.Normalize(Field(GuardianPhone));
        if (!phone.IsValid)
        {
            problems.Add($"guardian_phone: {phone.Error}");
        }

        var language = NormalizeLanguage(Field(Language));
        if (language is null)
        {
            problems.Add($"language must be id or en, got '{Field(Language)}'");
        }

        if (problems.Count > 0)
        {
            return (null, string.Join("; ", problems));
        }

        return (new RosterRow(line, studentId, studentName, @class, Field(GuardianName), phone.E164!, language!, counselorId), null);
    }

    private static Dictionary<string, int> ColumnIndexes(string[] header)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            columns.TryAdd(NormalizeHeader(header[i]), i);
        }

        var missing = RequiredColumns.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new RosterFormatException(
                $"The roster header lacks column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}. " +
                $"Expected: {ExpectedHeader} (any order; {Language} optional). Found: {string.Join(",", header)}.");
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
