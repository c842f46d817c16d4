using System.Diagnostics;
using System.Text;
using BkOutreach.Core.Outreach;
using Xunit.Abstractions;

namespace BkOutreach.Tests.Outreach;

public sealed class RosterCsvTests(ITestOutputHelper output)
{
    private const string Header = "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id";

    [Fact]
    public void Parse_MessyButValidRows_AreNormalised()
    {
        var result = Parse(
            Header,
            "S001,Muhammad Rizky Pratama,XI IPA 1,Siti Aminah,0812-3456-7890,id,bk-1",
            "S002,  Anisa   Rahmawati ,XI IPA 1,Budi Santoso,+62 813 1111 2222,EN,bk-2",
            "S003,Dewi Lestari,X IPS 2,Ahmad Fauzi,85712345678,,bk-1");

        Assert.Empty(result.Rejected);
        Assert.Equal(["+6281234567890", "+6281311112222", "+6285712345678"], result.Rows.Select(r => r.GuardianPhone));
        Assert.Equal(["id", "en", "id"], result.Rows.Select(r => r.Language));
        Assert.Equal("Anisa Rahmawati", result.Rows[1].StudentName);
        Assert.Equal([2, 3, 4], result.Rows.Select(r => r.Row));
        Assert.Equal(new RosterRow(2, "S001", "Muhammad Rizky Pratama", "XI IPA 1", "Siti Aminah", "+6281234567890", "id", "bk-1"), result.Rows[0]);
    }

    [Fact]
    public void EveryKindOfRejection_HasItsCode_AndTheRosterPageSaysItInBothLanguages()
    {
        var parsed = Parse(
            Header + ",channel",
            "S001,,XI IPA 1,Wali Satu,,xx,bk-1,pos",
            "S002,Siswa Dua,X IPS 2,Wali Dua,021-5551234,id,bk-1,",
            "S003,Siswa Tiga,X IPS 2,Wali Tiga,0812,id,bk-1,",
            "S004," + new string('a', RosterCsv.MaxNameLength + 1) + ",X IPS 2,Wali Empat,+15005550006,id,bk-1,",
            "S005,Siswa Lima,X IPS 2,Wali Lima,081234567890,id,bk-1,",
            "S005,Siswa Lima,X IPS 2,Wali Lima,081234567890,id,bk-1,",
            "S006,Siswa Enam,X IPS 2,Wali Lain,081234567890,id,bk-1,");
        var grouped = RosterCsv.GroupByGuardian(parsed.Rows);
        var codes = parsed.Rejected.Concat(grouped.Rejected).SelectMany(r => r.Problems).Select(p => p.Code).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(["channel", "empty", "language", "phone_invalid", "phone_landline", "phone_missing", "phone_not_mobile", "phone_other_name", "student_again", "too_long"], codes.Order(StringComparer.Ordinal));
        Assert.All(parsed.Rejected.Concat(grouped.Rejected), r => Assert.Equal(r.Reason, string.Join("; ", r.Problems.Select(p => p.English))));
        foreach (var lang in new[] { "id", "en" })
        {
            var texts = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(BkOutreach.LocalRunner.RepoPaths.Root, "templates", "pages", "staff", "text", $"roster.{lang}.json")))!;
            foreach (var code in codes.Concat(["phone_max_children", "unknown_counselor", "phone_other_name_stored", "unclosed_quote", "phone_other_language", "phone_other_channel"]))
            {
                Assert.True(texts.ContainsKey("reject_" + code), $"roster.{lang}.json has no reject_{code}");
            }
        }
    }

    [Fact]
    public void Parse_BadRows_AreReportedWithRowNumberAndReason_OthersKept()
    {
        var result = Parse(
            Header,
            "S001,Rizky,XI IPA 1,Siti,0812-3456-7890,id,bk-1",
            "S002,Anisa,XI IPA 1,Budi,021-5551234,id,bk-1",
            "S003,Dewi,XI IPA 1,Ahmad,12345,id,bk-1",
            ",Tanpa Nomor Induk,XI IPA 1,Ahmad,081299998888,id,bk-1",
            "S005,Eko,XI IPA 1,Sri,081299997777,fr,bk-1",
            "S006,Fajar,XI IPA 1,Joko,081299996666,id,");

        Assert.Equal(["S001"], result.Rows.Select(r => r.StudentId));
        Assert.Equal([3, 4, 5, 6, 7], result.Rejected.Select(r => r.Row));
        Assert.Equal("guardian_phone: landline cannot receive SMS", result.Rejected[0].Reason);
        Assert.Equal("guardian_phone: not a valid number", result.Rejected[1].Reason);
        Assert.Equal("student_id is empty", result.Rejected[2].Reason);
        Assert.Equal("language must be id or en, got 'fr'", result.Rejected[3].Reason);
        Assert.Equal("counselor_id is empty", result.Rejected[4].Reason);
    }

    [Fact]
    public void Parse_Utf8BomSemicolonsQuotesBlankLinesAndOtherColumnOrder_AreRead()
    {
        var text = string.Join("\r\n",
            "Guardian_Phone;Student_ID;Class;Student_Name;Guardian_Name;Counselor_ID;Language;Catatan",
            "0812 3456 7890;S001;XI IPA 1;\"Nur'aini; \"\"Ani\"\"\";\"Hj. Siti Aminah, S.Pd.\";bk-1;id;pindahan",
            "",
            "   ",
            ";;;;;;;",
            "0813-1111-2222;S002;XII IPS 3;Ketut Ayu Wulandari;I Made Sudarma;bk-2;en;") + "\r\n";
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray();

        var result = RosterCsv.Parse(new MemoryStream(bytes));

        Assert.Empty(result.Rejected);
        Assert.Equal(2, result.Rows.Count);
        Assert.Equal("Nur'aini; \"Ani\"", result.Rows[0].StudentName);
        Assert.Equal("Hj. Siti Aminah, S.Pd.", result.Rows[0].GuardianName);
        Assert.Equal("S002", result.Rows[1].StudentId);
        Assert.Equal(6, result.Rows[1].Row);
        Assert.Equal("en", result.Rows[1].Language);
    }

    [Fact]
    public void Parse_WithoutBomAndWithoutLanguageColumn_DefaultsToIndonesian()
    {
        var result = Parse(
            "student_id,student_name,class,guardian_name,guardian_phone,counselor_id",
            "S001,Rizky,XI IPA 1,Siti,081234567890,bk-1");

        Assert.Equal("id", Assert.Single(result.Rows).Language);
    }

    [Fact]
    public void Parse_MissingRequiredColumn_FailsTheFileNamingTheColumn()
    {
        var ex = Assert.Throws<RosterFormatException>(() => Parse(
            "student_id,student_name,class,guardian_name,language,counselor_id",
            "S001,Rizky,XI IPA 1,Siti,id,bk-1"));

        Assert.Contains("guardian_phone", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Expected: " + Header, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptyFile_FailsClearly() =>
        Assert.Throws<RosterFormatException>(() => RosterCsv.Parse(new MemoryStream([])));

    [Fact]
    public void Parse_SameStudentTwice_LaterRowWins_EarlierReported()
    {
        var result = Parse(
            Header,
            "S001,Rizky,X IPA 1,Siti,081234567890,id,bk-1",
            "S002,Anisa,X IPA 1,Budi,081311112222,id,bk-1",
            "S001,Rizky,XI IPA 1,Siti,081234567890,id,bk-2");

        Assert.Equal(["S001", "S002"], result.Rows.Select(r => r.StudentId));
        Assert.Equal("XI IPA 1", result.Rows[0].Class);
        Assert.Equal("bk-2", result.Rows[0].CounselorId);
        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(2, rejection.Row);
        Assert.Contains("appears again in row 4", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupByGuardian_SiblingsShareOneGuardianPerPhone()
    {
        var result = Parse(
            Header,
            "S001,Rizky,XI IPA 1,Siti Aminah,0812-3456-7890,id,bk-1",
            "S002,Anisa,XI IPA 1,Budi,081311112222,en,bk-1",
            "S003,Rina,X IPS 2,,+62 812 3456 7890,,bk-2",
            "S004,Dani,X IPS 2,siti  aminah,081234567890,id,bk-2");

        var grouping = RosterCsv.GroupByGuardian(result.Rows);
        var guardians = grouping.Guardians;

        Assert.Equal(2, guardians.Count);
        var siti = guardians[0];
        Assert.Equal("+6281234567890", siti.Phone);
        Assert.Equal("Siti Aminah", siti.Name);
        Assert.Equal("id", siti.Language);
        Assert.Equal(["S001", "S003", "S004"], siti.Students.Select(s => s.Id));
        Assert.Equal(["bk-1", "bk-2", "bk-2"], siti.Students.Select(s => s.CounselorId));
        Assert.Equal(["S002"], guardians[1].Students.Select(s => s.Id));
        Assert.Empty(grouping.Rejected);
    }

    [Fact]
    public void GroupByGuardian_SamePhoneUnderAnotherName_RejectsTheLaterRowWithTheFirstRowNamed()
    {
        var result = Parse(
            Header,
            "S001,Rizky,XI IPA 1,Siti Aminah,0812-3456-7890,id,bk-1",
            "S002,Anisa,XI IPA 1,Budi Santoso,+6281234567890,id,bk-1");

        var grouping = RosterCsv.GroupByGuardian(result.Rows);

        Assert.Equal(["S001"], Assert.Single(grouping.Guardians).Students.Select(s => s.Id));
        var rejected = Assert.Single(grouping.Rejected);
        Assert.Equal(3, rejected.Row);
        Assert.Contains("guardian 'Siti Aminah' (row 2)", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupByGuardian_MoreChildrenThanTheLimitOnOneNumber_RejectsTheRowsBeyondIt()
    {
        var lines = new List<string> { Header };
        lines.AddRange(Enumerable.Range(0, RosterCsv.MaxStudentsPerGuardian + 2).Select(i => $"S{i:D3},Anak {i},X IPA 1,Pondok,081234567890,id,bk-1"));

        var grouping = RosterCsv.GroupByGuardian(Parse([.. lines]).Rows);

        Assert.Equal(RosterCsv.MaxStudentsPerGuardian, Assert.Single(grouping.Guardians).Students.Count);
        Assert.Equal([RosterCsv.MaxStudentsPerGuardian + 2, RosterCsv.MaxStudentsPerGuardian + 3], grouping.Rejected.Select(r => r.Row));
    }

    [Theory]
    [InlineData(0, 65, "student_id is longer than 64 characters (65)")]
    [InlineData(1, 201, "student_name is longer than 200 characters (201)")]
    [InlineData(2, 51, "class is longer than 50 characters (51)")]
    [InlineData(3, 201, "guardian_name is longer than 200 characters (201)")]
    [InlineData(6, 65, "counselor_id is longer than 64 characters (65)")]
    public void Parse_FieldLongerThanItsLimit_RejectsTheRowNamingFieldAndLength(int column, int length, string reason)
    {
        string[] fields = ["S1", "Nurul", "X IPA 1", "Siti", "081234567890", "id", "bk-1"];
        fields[column] = new string('a', length);

        var result = Parse(Header, "S0,Ok,X IPA 1,Budi,081311112222,id,bk-1", string.Join(',', fields));

        Assert.Equal(["S0"], result.Rows.Select(r => r.StudentId));
        Assert.Equal(3, Assert.Single(result.Rejected).Row);
        Assert.Contains(reason, result.Rejected[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MentionedStudentIds_IncludeRejectedRows()
    {
        var result = Parse(Header, "S1,Nurul,X IPA 1,Siti,081234567890,id,bk-1", "S2,Rizki,X IPA 1,Abdul,12345,id,bk-1");

        Assert.Equal(["S1"], result.Rows.Select(r => r.StudentId));
        Assert.Equal(["S1", "S2"], result.MentionedStudentIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_TenThousandRows_GroupsSiblingsAndRejectsLandlines()
    {
        var builder = new StringBuilder(Header).Append('\n');
        for (var i = 0; i < 10_000; i++)
        {
            var phone = i % 50 == 0 ? "021-5551234" : $"0812-{i / 3 % 10000:D4}-{i / 3 / 10000 + 1000:D4}";
            builder.Append($"S{i:D5},\"Siswa Nomor {i}, Putra\",XI IPA {i % 8},Wali {i / 3},{phone},{(i % 5 == 0 ? "en" : "id")},bk-{i % 4}\n");
        }

        var bytes = Encoding.UTF8.GetBytes(builder.ToString());
        RosterCsv.Parse(new MemoryStream(Encoding.UTF8.GetBytes(Header + "\nS1,A,B,C,081234567890,id,bk-1\n")));
        var stopwatch = Stopwatch.StartNew();

        var result = RosterCsv.Parse(new MemoryStream(bytes));
        var guardians = RosterCsv.GroupByGuardian(result.Rows).Guardians;

        stopwatch.Stop();
        output.WriteLine($"10,000 rows ({bytes.Length / 1024} KiB): parsed and grouped in {stopwatch.ElapsedMilliseconds} ms; {result.Rows.Count} valid, {result.Rejected.Count} rejected, {guardians.Count} guardians");
        Assert.Equal(9_800, result.Rows.Count);
        Assert.Equal(200, result.Rejected.Count);
        Assert.True(guardians.Count < result.Rows.Count);
    }

    [Fact]
    public void Parse_Windows1252File_AsExcelSavesIt_IsReadAsWindows1252()
    {
        // "René Müller", "Nur’aini" (0x92, a curly apostrophe) and "Ibu Señora" as Excel's "CSV (Comma delimited)" writes them.
        byte[] bytes = [.. Encoding.ASCII.GetBytes(Header + "\r\nW1,Ren"), 0xE9, .. Encoding.ASCII.GetBytes(" M"), 0xFC, .. Encoding.ASCII.GetBytes("ller,X 1,Ibu Se"), 0xF1,
            .. Encoding.ASCII.GetBytes("ora,081255557777,id,bk-1\r\nW2,Nur"), 0x92, .. Encoding.ASCII.GetBytes("aini,X 1,Bapak,081255557778,id,bk-1\r\n")];

        var result = RosterCsv.Parse(new MemoryStream(bytes));

        Assert.Empty(result.Rejected);
        Assert.Equal(["René Müller", "Nur\u2019aini"], result.Rows.Select(r => r.StudentName));
        Assert.Equal("Ibu Señora", result.Rows[0].GuardianName);
    }

    [Theory]
    [InlineData("windows-1252")]
    [InlineData("ISO-8859-1")]
    [InlineData("\"cp1252\"")]
    public void ToUtf8_DeclaredWindows1252OrLatin1_DecodesAsWindows1252(string charset)
    {
        byte[] bytes = [.. Encoding.ASCII.GetBytes("Ren"), 0xE9, .. Encoding.ASCII.GetBytes(" Nur"), 0x92, .. Encoding.ASCII.GetBytes("aini")];

        var utf8 = RosterEncoding.ToUtf8(bytes, RosterEncoding.CharsetOf($"text/csv; charset={charset}"));

        Assert.Equal("René Nur\u2019aini", Encoding.UTF8.GetString(utf8));
    }

    [Fact]
    public void ToUtf8_ValidUtf8_IsUtf8WithOrWithoutBom_AndADeclaredCharsetIsHonoured()
    {
        var text = "René Müller";
        var utf8 = Encoding.UTF8.GetBytes(text);

        Assert.Same(utf8, RosterEncoding.ToUtf8(utf8, null));
        Assert.Equal(text, Encoding.UTF8.GetString(RosterEncoding.ToUtf8([.. Encoding.UTF8.GetPreamble(), .. utf8], null)));
        Assert.Equal(text, Encoding.UTF8.GetString(RosterEncoding.ToUtf8([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)], "windows-1252")));
        Assert.Equal("RenÃ© MÃ¼ller", Encoding.UTF8.GetString(RosterEncoding.ToUtf8(utf8, "windows-1252")));
    }

    [Fact]
    public void ToUtf8_DeclaredUtf8ThatIsNot_OrAnUnknownCharset_FailsTheFileClearly()
    {
        byte[] notUtf8 = [.. Encoding.ASCII.GetBytes(Header + "\nW1,Ren"), 0xE9, .. Encoding.ASCII.GetBytes(",X 1,Ibu,081255557777,id,bk-1\n")];

        var declared = Assert.Throws<RosterFormatException>(() => RosterEncoding.ToUtf8(notUtf8, "utf-8"));
        var unknown = Assert.Throws<RosterFormatException>(() => RosterEncoding.ToUtf8(notUtf8, "klingon-7"));

        Assert.Contains("line 2 is not valid UTF-8", declared.Message, StringComparison.Ordinal);
        Assert.Contains("charset=windows-1252", declared.Message, StringComparison.Ordinal);
        Assert.Contains("charset=klingon-7", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedQuote_RejectsTheRowWhereItOpened_AndReadsTheRowsAfterIt()
    {
        var result = Parse(
            Header,
            "M007,Ayu,X 1,Ibu Ayu,081244440007,id,bk-1",
            "M008,\"Ana,X 1,Bapak,081244440008,id,bk-1",
            "M009,Ani,X 1,Ibu,081244440009,id,bk-1",
            "",
            "M010,\"Budi,\nPutra\",X 1,Ibu Budi,081244440010,id,bk-1",
            "M011,Citra,X 1,Ibu Citra,12345,id,bk-1");

        Assert.Equal(["M007", "M009", "M010"], result.Rows.Select(r => r.StudentId));
        Assert.Equal([2, 4, 6], result.Rows.Select(r => r.Row));
        Assert.Equal("Budi,\nPutra", result.Rows[2].StudentName);
        Assert.Equal([3, 8], result.Rejected.Select(r => r.Row));
        Assert.Equal("unclosed_quote", Assert.Single(result.Rejected[0].Problems).Code);
        Assert.Contains("never closed", result.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("M008", result.MentionedStudentIds);
        Assert.Contains("M011", result.MentionedStudentIds);
    }

    [Fact]
    public void Parse_StrayQuoteBesideACellWithALineBreak_IsReadAsToday()
    {
        var result = Parse(
            Header,
            "S1,\"Budi\nPutra\",X 1,Ib\"u Sri,081244440001,id,bk-1",
            "S2,Ani,X 1,Ibu Ani,081244440002,id,bk-1");

        Assert.Empty(result.Rejected);
        Assert.Equal(["Budi\nPutra", "Ani"], result.Rows.Select(r => r.StudentName));
        Assert.Equal("Ib\"u Sri", result.Rows[0].GuardianName);
        Assert.Equal([2, 4], result.Rows.Select(r => r.Row));
    }

    [Fact]
    public void Parse_UnclosedQuoteInTheHeader_OrOnTooManyRows_FailsTheFile()
    {
        var inHeader = Assert.Throws<RosterFormatException>(() => Parse("student_id,\"student_name,class,guardian_name,guardian_phone,language,counselor_id", "S1,A,X 1,B,081234567890,id,bk-1"));
        var lines = new List<string> { Header };
        lines.AddRange(Enumerable.Range(0, RosterCsv.MaxUnclosedQuotes + 1).Select(i => $"S{i},Na\"ma,\"X 1,Wali,0812345670{i:D2},id,bk-1"));
        var everyRow = Assert.Throws<RosterFormatException>(() => Parse([.. lines]));

        Assert.Contains("header (line 1) opens a quote", inHeader.Message, StringComparison.Ordinal);
        Assert.Contains($"More than {RosterCsv.MaxUnclosedQuotes} rows", everyRow.Message, StringComparison.Ordinal);
        Assert.Contains("first in row 2", everyRow.Message, StringComparison.Ordinal);
        lines.RemoveAt(lines.Count - 1);
        Assert.Equal(RosterCsv.MaxUnclosedQuotes, Parse([.. lines]).Rejected.Count);
    }

    [Theory]
    [InlineData("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id,class", "class (columns 3 and 8)")]
    [InlineData("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id,Guardian Phone", "guardian_phone (columns 5 and 8)")]
    [InlineData("student_id,student_name,class,guardian_name,guardian_phone,channel,counselor_id,CHANNEL", "channel (columns 6 and 8)")]
    public void Parse_AColumnNamedTwice_FailsTheFileNamingIt(string header, string named)
    {
        var ex = Assert.Throws<RosterFormatException>(() => Parse(header, "S1,Nurul,X 1,Siti,081234567890,id,bk-1,X 2"));

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.Contains("twice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExtraColumnsOrEmptyHeaderCellsNamedTwice_AreStillIgnored()
    {
        var result = Parse(Header + ",catatan,catatan,,", "S1,Nurul,X 1,Siti,081234567890,id,bk-1,a,b,,");

        Assert.Equal("X 1", Assert.Single(result.Rows).Class);
    }

    [Fact]
    public void GroupByGuardian_SiblingRowsGivingAnotherLanguageOrChannel_AreRejectedNamingTheFirstRow()
    {
        var result = Parse(
            Header + ",channel",
            "S1,Nurul,X 1,Siti,081234567890,,bk-1,",
            "S2,Rizki,X 2,Siti,081234567890,en,bk-1,sms",
            "S3,Bayu,X 3,Siti,081234567890,id,bk-1,",
            "S4,Dewi,X 4,Siti,081234567890,,bk-1,whatsapp",
            "S5,Eko,X 5,Siti,081234567890,EN,bk-1,SMS");

        var grouping = RosterCsv.GroupByGuardian(result.Rows);

        var siti = Assert.Single(grouping.Guardians);
        Assert.Equal(["S1", "S2", "S5"], siti.Students.Select(s => s.Id));
        Assert.Equal("en", siti.Language);
        Assert.Equal(BkOutreach.Core.Schools.MessageChannel.Sms, siti.Channel);
        Assert.Equal([4, 5], grouping.Rejected.Select(r => r.Row));
        Assert.Equal("phone_other_language", Assert.Single(grouping.Rejected[0].Problems).Code);
        Assert.Contains("language is id here but en in row 3", grouping.Rejected[0].Reason, StringComparison.Ordinal);
        Assert.Equal("phone_other_channel", Assert.Single(grouping.Rejected[1].Problems).Code);
        Assert.Contains("channel is whatsapp here but sms in row 3", grouping.Rejected[1].Reason, StringComparison.Ordinal);
    }

    private static RosterParseResult Parse(params string[] lines) =>
        RosterCsv.Parse(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));
}
