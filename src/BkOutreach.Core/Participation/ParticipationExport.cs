using System.Globalization;
using System.Text;
using BkOutreach.Core.Schools;
using CsvHelper;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Core.Participation;

/// <summary>A column of an export: its header, what it means (the codebook) and how a row fills it.</summary>
public sealed record ExportColumn<T>(string Name, string Meaning, Func<T, string?> Value);

/// <summary>A CSV ready to write: the school's data is already read, so a route can still answer 404 before writing.</summary>
public sealed class CsvExport(string fileName, IReadOnlyList<string> header, IEnumerable<string?[]> rows)
{
    public const string ContentType = "text/csv; charset=utf-8";

    public string FileName { get; } = fileName;

    /// <summary>Writes RFC 4180 CSV (UTF-8, CRLF); every cell through <see cref="SpreadsheetSafe.Cell"/>.</summary>
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(output, CsvWriterOptions.Default, leaveOpen: true);
        await csv.WriteRecordAsync([.. header.Select(SpreadsheetSafe.Cell)], cancellationToken);
        foreach (var row in rows)
        {
            await csv.WriteRecordAsync([.. row.Select(SpreadsheetSafe.Cell)], cancellationToken);
        }

        await csv.FlushAsync(cancellationToken);
    }
}

/// <summary>
/// The research exports of a school: one row per guardian per campaign, and one row per fact, with
/// pseudonymous guardian ids and no names or phone numbers (the log holds none; the roster is never read).
/// The codebook is generated from the same column lists, so it cannot drift from the files.
/// </summary>
public sealed class ParticipationExport(SchoolDirectory directory, ParticipationRecord record, PseudonymKeyProvider keys)
{
    private static readonly LocalDateTimePattern LocalPattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm':'ss");

    public static IReadOnlyList<ExportColumn<(GuardianCampaign Row, string Pseudonym)>> GuardianColumns { get; } =
    [
        new("guardian_pseudonym", "Pseudonymous guardian id: \"p\" + 20 hex digits of HMAC-SHA256(school secret, internal guardian id). Stable across exports of this school; differs between schools.", x => x.Pseudonym),
        new("class", "Class(es) of the guardian's children in this campaign, separated by \"; \".", x => string.Join("; ", x.Row.Classes)),
        new("counselor", "Counsellor id(s) (BK teacher) of those children, separated by \"; \".", x => string.Join("; ", x.Row.Counselors)),
        new("campaign", "Campaign id.", x => x.Row.CampaignId),
        new("term", "School term of the campaign, e.g. \"2026/2027 Genap\"; on every row: when the campaign's facts carry none, the school term in which the guardian's first fact of the campaign falls (empty only outside every term).", x => x.Row.Term),
        new("sent", "1 when at least one SMS of the campaign was handed to the SMS provider, else 0.", x => Flag(x.Row.Sent)),
        new("delivered", "1 when a delivery report confirmed an SMS of the campaign, else 0.", x => Flag(x.Row.Delivered)),
        new("failed", "1 when an SMS of the campaign failed permanently, else 0.", x => Flag(x.Row.Failed)),
        new("opened", "1 when the guardian opened their personal booking link, else 0.", x => Flag(x.Row.Opened)),
        new("booked", "1 when the guardian booked a meeting (even if later cancelled), else 0.", x => Flag(x.Row.Booked)),
        new("cancelled", "1 when the guardian's latest booking action was a cancellation, else 0.", x => Flag(x.Row.Cancelled)),
        new("attended", "1 when the counsellor's latest attendance mark is 'attended', else 0.", x => Flag(x.Row.Attended)),
        new("no_show", "1 when the counsellor's latest attendance mark is 'no show', else 0.", x => Flag(x.Row.NoShow)),
        new("opted_out", "1 when the guardian opted out of SMS in response to this campaign (STOP/BERHENTI after its latest SMS), else 0.", x => Flag(x.Row.OptedOut)),
        new("first_sent_local", "First SMS of the campaign sent, school's local time (yyyy-MM-dd HH:mm:ss); empty if none.", x => Local(x.Row.FirstSent)),
        new("first_opened_local", "First opening of the link, school's local time; empty if none.", x => Local(x.Row.FirstOpened)),
        new("first_booked_local", "When the guardian first booked (not the meeting time), school's local time; empty if none.", x => Local(x.Row.FirstBooked)),
        new("slot_kind", "Kind of the slot last chosen: weekday_evening (Mon-Fri from 16:00), saturday, sunday, weekday_daytime (Mon-Fri before 16:00); empty if none.", x => x.Row.Slot is { } s ? SlotChoice.ToWire(s.Kind) : ""),
        new("slot_mode", "How that meeting happens: in_person or online; empty if none or unknown.", x => x.Row.Slot?.Mode),
        new("feedback_score", "The guardian's latest feedback score after the meeting, 1 (not helpful) to 5 (very helpful); empty if none.", x => x.Row.Feedback?.ToString(CultureInfo.InvariantCulture)),
    ];

    public static IReadOnlyList<ExportColumn<(ParticipationEntry Entry, string Pseudonym)>> EventColumns { get; } =
    [
        new("guardian_pseudonym", "Pseudonymous guardian id, as in participation.csv.", x => x.Pseudonym),
        new("kind", "What happened: " + string.Join(", ", ParticipationWire.AllKinds.Select(k => k.ToWire())) + ".", x => x.Entry.Event.Kind.ToWire()),
        new("campaign", "Campaign id; empty for facts outside a campaign (e.g. a STOP reply).", x => x.Entry.Event.CampaignId),
        new("wave", "Campaign wave, 0 = first message; empty when not an SMS fact.", x => x.Entry.Event.Wave?.ToString(CultureInfo.InvariantCulture)),
        new("term", "School term: the campaign's, or for a fact outside a campaign (e.g. a STOP reply) the school term its local date falls in (empty only outside every term).", x => x.Entry.Event.Term),
        new("class", "Class(es) the fact is about, separated by \"; \".", x => string.Join("; ", x.Entry.Event.Classes)),
        new("counselor", "Counsellor id.", x => x.Entry.Event.CounselorId),
        new("channel", "Where it happened: sms (an SMS, or a reply to one: a booking made by replying is sms), whatsapp (a WhatsApp message, or a reply to one), web (the booking page or its JSON route), calendar, admin (BK teacher or admin). For a message we sent: the channel that carried it.", x => x.Entry.Event.Channel.ToWire()),
        new("local_time", "When, school's local time (yyyy-MM-dd HH:mm:ss).", x => LocalPattern.Format(x.Entry.LocalTime)),
        new("utc_time", "When, UTC (ISO 8601).", x => x.Entry.Event.OccurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        new("value", "feedback: score 1-5; survey_answer: question=codes (see Survey codes); booked/rescheduled: slot_kind:mode; sms_sent of a wave: fallback when it was the SMS fallback of a WhatsApp message; sms_sent/wa_* of a message outside a campaign wave (empty campaign and wave): the message (booking_confirmation, cancellation, reminder, feedback, slot_offer), or fallback:{message} for its SMS fallback; otherwise empty.", x => x.Entry.Event.Value),
    ];

    /// <summary>One row per guardian per campaign; null when the school does not exist.</summary>
    public async Task<CsvExport?> GuardianCampaignsAsync(string schoolId, CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is not { } school)
        {
            return null;
        }

        var pseudonyms = await keys.ForSchoolAsync(schoolId, cancellationToken);
        var entries = (await record.ReadAsync(schoolId, school, cancellationToken)).Entries;
        var firstFact = new Dictionary<(string, string), LocalDate>();
        foreach (var e in entries.Where(e => e.Event.CampaignId is not null))
        {
            firstFact.TryAdd((e.Event.GuardianId, e.Event.CampaignId!), e.LocalTime.Date);
        }

        var rows = ParticipationAnalysis.ByGuardianAndCampaign(entries)
            .Select(r => r.Term.Length > 0 || !firstFact.TryGetValue((r.GuardianId, r.CampaignId), out var day) ? r : r with { Term = TermOn(school, day) });
        return new CsvExport($"{schoolId}-participation.csv", [.. GuardianColumns.Select(c => c.Name)],
            rows.Select(r => Fields(GuardianColumns, (r, pseudonyms.Of(r.GuardianId)))));
    }

    /// <summary>One row per fact, in time order; null when the school does not exist.</summary>
    public async Task<CsvExport?> EventsAsync(string schoolId, CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is not { } school)
        {
            return null;
        }

        var pseudonyms = await keys.ForSchoolAsync(schoolId, cancellationToken);
        var entries = (await record.ReadAsync(schoolId, school, cancellationToken)).Entries;
        return new CsvExport($"{schoolId}-participation-events.csv", [.. EventColumns.Select(c => c.Name)],
            entries.Select(e => e.Event.Term.Length > 0 ? e : e with { Event = e.Event with { Term = TermOn(school, e.LocalTime.Date) } })
                .Select(e => Fields(EventColumns, (e, pseudonyms.Of(e.Event.GuardianId)))));
    }

    /// <summary>The codebook (Markdown) of both files; null when the school does not exist.</summary>
    public async Task<string?> CodebookAsync(string schoolId, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        return school is null ? null : Codebook(schoolId, school.TimeZone);
    }

    public static string Codebook(string schoolId, string timeZone)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Participation export codebook: {schoolId}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Files: `participation.csv` (one row per guardian per campaign) and `participation-events.csv` (one row per recorded fact). UTF-8, comma-separated, RFC 4180, header row. Local times are in the school's zone, {timeZone}.");
        md.AppendLine();
        md.AppendLine("No names, phone numbers or message texts are exported. Guardians appear only as pseudonyms (keyed HMAC-SHA256 with a secret kept by this deployment). A cell that would start with =, +, -, @, tab or carriage return starts with a single quote (') so spreadsheets show it as text; remove that quote when analysing.");
        AppendColumns(md, "participation.csv", GuardianColumns.Select(c => (c.Name, c.Meaning)));
        AppendColumns(md, "participation-events.csv", EventColumns.Select(c => (c.Name, c.Meaning)));
        md.AppendLine();
        md.AppendLine("## Survey codes (value of survey_answer facts)");
        md.AppendLine();
        md.AppendLine("`question=code[,code…]`; a parent may name several codes. The study's baseline (Imelda & Saputra 2025, Table 1) is given for the barriers.");
        foreach (var (question, labels) in SurveyAnswer.Labels)
        {
            md.AppendLine();
            var codes = string.Join("; ", labels.OrderBy(l => l.Key).Select(l =>
                $"{l.Key.ToString(CultureInfo.InvariantCulture)} = {l.Value}" + (question == SurveyQuestion.Barrier && SurveyAnswer.StudyBaseline.TryGetValue(l.Key, out var b)
                    ? $" (study: {(b * 100).ToString("0", CultureInfo.InvariantCulture)}%)" : "")));
            md.Append("- `").Append(SurveyAnswer.ToWire(question)).Append("`: ").AppendLine(codes);
        }

        return md.ToString();
    }

    private static void AppendColumns(StringBuilder md, string file, IEnumerable<(string Name, string Meaning)> columns)
    {
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"## {file}");
        md.AppendLine();
        md.AppendLine("| column | meaning |");
        md.AppendLine("|---|---|");
        foreach (var (name, meaning) in columns)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{name}` | {meaning.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }
    }

    private static string?[] Fields<T>(IReadOnlyList<ExportColumn<T>> columns, T row)
    {
        var fields = new string?[columns.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = columns[i].Value(row);
        }

        return fields;
    }

    /// <summary>The school term a local date falls in (both ends belong to a term); empty outside every term.</summary>
    public static string TermOn(SchoolSettings school, LocalDate day) =>
        school.Terms.FirstOrDefault(t => LocalDatePattern.Iso.Parse(t.FirstDay) is { Success: true } first && LocalDatePattern.Iso.Parse(t.LastDay) is { Success: true } last
            && day >= first.Value && day <= last.Value)?.Name ?? "";

    private static string Flag(bool value) => value ? "1" : "0";

    private static string Local(LocalDateTime? time) => time is { } t ? LocalPattern.Format(t) : "";
}
