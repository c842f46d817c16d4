using System.Globalization;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using Microsoft.Extensions.Options;
using NodaTime;

namespace BkOutreach.Core.Staff;

/// <summary>One wave row of the composer as typed: kind (empty: the row is not used), date, days after the wave before.</summary>
public sealed record ComposerWaveInput(string Kind, string SendOn, string AfterDays);

/// <summary>The composer's form as typed, kept as text so a form that comes back shows exactly what the person wrote.</summary>
public sealed record CampaignComposerInput
{
    public string Name { get; init; } = "";

    public string Term { get; init; } = "";

    public string Template { get; init; } = SmsTemplates.Outreach;

    public IReadOnlyList<string> Classes { get; init; } = [];

    public string CounselorId { get; init; } = "";

    public IReadOnlyList<ComposerWaveInput> Waves { get; init; } = [];

    public string BookingFrom { get; init; } = "";

    public string BookingTo { get; init; } = "";

    public bool SmsReplyBooking { get; init; }

    /// <summary>The form's fields (<paramref name="field"/> one value, <paramref name="values"/> every value of a repeated field).</summary>
    public static CampaignComposerInput FromForm(Func<string, string> field, Func<string, IReadOnlyList<string>> values)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(values);
        return new CampaignComposerInput
        {
            Name = field("name"),
            Term = field("term"),
            Template = field("template"),
            Classes = [.. values("classes").Select(c => c.Trim()).Where(c => c.Length > 0).Distinct(StringComparer.Ordinal)],
            CounselorId = field("counselor"),
            Waves = [.. Enumerable.Range(0, CampaignComposer.WaveRows).Select(i => new ComposerWaveInput(field($"wave-{i}-kind"), field($"wave-{i}-send-on"), field($"wave-{i}-after-days")))],
            BookingFrom = field("booking-from"),
            BookingTo = field("booking-to"),
            SmsReplyBooking = field("sms-reply-booking") is "on" or "true" or "1",
        };
    }
}

/// <summary>An option of a select.</summary>
public sealed record ChoiceOption(string Value, string Label, bool Selected);

/// <summary>A checkbox of the audience's classes.</summary>
public sealed record ClassChoice(string Id, string Name, bool Checked, int Guardians);

/// <summary>A wave row as the composer shows it, with its options and the message on each of its fields.</summary>
public sealed record ComposerWaveRow(int Index, int Number, IReadOnlyList<ChoiceOption> Kinds, string SendOn, string AfterDays, string KindError, string SendOnError, string AfterDaysError);

/// <summary>The message on each of the composer's fields (empty: none).</summary>
public sealed record ComposerFieldErrors(string Name, string Term, string Template, string Classes, string Counselor, string BookingFrom, string BookingTo);

/// <summary>Who the audience is: guardians with a child in it, those of them who opted out, and so how many a wave reaches.</summary>
public sealed record AudienceSize(int Guardians, int OptedOut, int Reaches);

/// <summary>A wave's message as the sender writes it for one guardian of the audience, and what it costs.</summary>
public sealed record MessagePreview(string KindLabel, string Template, string Text, int Segments, int Characters, string Encoding, bool OverBudget);

/// <summary>When a wave of the composed campaign goes, by the dispatcher's rules.</summary>
public sealed record WaveScheduleRow(int Number, string KindLabel, string Date, string When, string Note);

/// <summary>Everything the composer page shows.</summary>
public sealed record CampaignComposerPage(
    CampaignComposerInput Input,
    IReadOnlyList<ChoiceOption> Terms,
    IReadOnlyList<ChoiceOption> Templates,
    IReadOnlyList<ChoiceOption> Counselors,
    IReadOnlyList<ClassChoice> Classes,
    IReadOnlyList<ComposerWaveRow> Rows,
    ComposerFieldErrors Errors,
    AudienceSize Audience,
    string PreviewFor,
    IReadOnlyList<MessagePreview> Previews,
    IReadOnlyList<WaveScheduleRow> Schedule,
    string ZoneName);

/// <summary>What "create" did: the campaign made, or the page again with every problem on its field.</summary>
public sealed record ComposerOutcome(Campaign? Created, CampaignComposerPage Page, IReadOnlyList<FieldError> Errors);

/// <summary>
/// The campaign composer of the staff pages. "Check" shows the audience's size, the message as the sender
/// would write it for the guardian with the longest name in the audience (<see cref="CampaignMessages"/>,
/// so the preview is the text that goes, dropping rules included) with its segment count, and the day and
/// local time each wave goes. "Create" stores the campaign through <see cref="DefineCampaign"/>, the same
/// validation as <c>POST /api/admin/schools/{schoolId}/campaigns</c>, and puts each problem on its field.
/// </summary>
public sealed class CampaignComposer(
    SchoolDirectory directory,
    OptOutStore optOuts,
    SmsTemplates templates,
    ICampaignTemplates campaignTemplates,
    DefineCampaign define,
    StaffPages pages,
    CampaignStatusBoard board,
    IOptions<LinksOptions> links,
    TimeProvider time)
{
    /// <summary>Wave rows on the form: an outreach, a follow-up and room for the two surveys.</summary>
    public const int WaveRows = 4;

    public const string Page = "campaign_new";

    /// <summary>The composer's first look: the school's current or next term, an outreach wave today or on the term's first day, a follow-up a week later.</summary>
    public async Task<CampaignComposerPage?> StartAsync(string schoolId, string lang, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return null;
        }

        var today = Today(school);
        var term = school.Terms
            .Select(t => (Term: t, Dates: CampaignPlanResolver.DatesOf(t)))
            .Where(t => t.Dates is { } d && d.Last >= today)
            .OrderBy(t => t.Dates!.Value.First)
            .Select(t => ((Term, LocalDate, LocalDate)?)(t.Term, t.Dates!.Value.First, t.Dates!.Value.Last))
            .FirstOrDefault();
        var input = new CampaignComposerInput { Waves = [] };
        if (term is { } found)
        {
            var (chosen, first, last) = found;
            var start = LocalDate.Max(first, today);
            input = input with
            {
                Term = chosen.Name,
                Waves = [new ComposerWaveInput(SmsTemplates.Outreach, CampaignValidation.Format(start), ""), new ComposerWaveInput(SmsTemplates.FollowUp, "", "7")],
                BookingFrom = CampaignValidation.Format(start),
                BookingTo = CampaignValidation.Format(LocalDate.Min(last, start.PlusDays(34))),
            };
        }

        return await BuildAsync(schoolId, school, input, lang, [], cancellationToken);
    }

    /// <summary>"Check": the page for what was typed, with the audience's size, the previews and the schedule; null when the school does not exist.</summary>
    public async Task<CampaignComposerPage?> CheckAsync(string schoolId, CampaignComposerInput input, string lang, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        return school is null ? null : await BuildAsync(schoolId, school, input, lang, [], cancellationToken);
    }

    /// <summary>"Create": the campaign, through the admin route's validation; null when the school does not exist.</summary>
    public async Task<ComposerOutcome?> CreateAsync(string schoolId, CampaignComposerInput input, string lang, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return null;
        }

        var (definition, rowOf, errors) = ToDefinition(input, lang);
        if (errors.Count == 0)
        {
            var result = await define.ExecuteAsync(schoolId, definition, cancellationToken, lang);
            if (result.NotFound)
            {
                return null;
            }

            if (result.Succeeded)
            {
                return new ComposerOutcome(result.Value, await BuildAsync(schoolId, school, input, lang, [], cancellationToken), []);
            }

            errors.AddRange(result.Problems.Select(p => new FieldError(FieldOf(p, rowOf), MessageOf(p))));
        }

        return new ComposerOutcome(null, await BuildAsync(schoolId, school, input, lang, errors, cancellationToken), errors);
    }

    /// <summary>
    /// The campaign the form describes, as the JSON route would take it: the rows with a kind become waves (in
    /// order; <paramref name="lang"/> for the messages of fields that are not even well-formed), empty
    /// audience fields mean everyone.
    /// </summary>
    public (CampaignDefinition Definition, IReadOnlyList<int> RowOf, List<FieldError> Errors) ToDefinition(CampaignComposerInput input, string lang)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<FieldError>();
        if (input.Name.Length == 0)
        {
            errors.Add(new FieldError("name", Text(lang, "error_name")));
        }

        if (input.Term.Length == 0)
        {
            errors.Add(new FieldError("term", Text(lang, "error_term")));
        }

        var waves = new List<CampaignWave>();
        var rowOf = new List<int>();
        for (var i = 0; i < input.Waves.Count; i++)
        {
            var row = input.Waves[i];
            if (row.Kind.Length == 0)
            {
                continue;
            }

            if (row.SendOn.Length > 0 && CampaignValidation.ParseDate(row.SendOn) is null)
            {
                errors.Add(new FieldError($"wave-{i}-send-on", Text(lang, "error_date")));
            }

            int? after = null;
            if (row.AfterDays.Length > 0)
            {
                if (int.TryParse(row.AfterDays, NumberStyles.None, CultureInfo.InvariantCulture, out var days))
                {
                    after = days;
                }
                else
                {
                    errors.Add(new FieldError($"wave-{i}-after-days", Text(lang, "error_number")));
                }
            }

            waves.Add(new CampaignWave(row.Kind, row.SendOn.Length > 0 ? row.SendOn : null, after));
            rowOf.Add(i);
        }

        if (waves.Count == 0)
        {
            errors.Add(new FieldError("wave-0-kind", Text(lang, "error_no_wave")));
        }

        foreach (var (id, value) in new[] { ("booking-from", input.BookingFrom), ("booking-to", input.BookingTo) })
        {
            if (CampaignValidation.ParseDate(value) is null)
            {
                errors.Add(new FieldError(id, Text(lang, "error_date")));
            }
        }

        var definition = new CampaignDefinition
        {
            Name = input.Name,
            Term = input.Term,
            Template = input.Template,
            Audience = AudienceOf(input),
            Waves = waves,
            BookingWindow = input.BookingFrom.Length == 0 && input.BookingTo.Length == 0 ? null : new DateWindow(input.BookingFrom, input.BookingTo),
            SmsReplyBooking = input.SmsReplyBooking,
        };
        return (definition, rowOf, errors);
    }

    /// <summary>The audience the form names: null (every guardian) when it names neither classes nor a counsellor.</summary>
    public static CampaignAudience? AudienceOf(CampaignComposerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Classes.Count == 0 && input.CounselorId.Length == 0
            ? null
            : new CampaignAudience(input.Classes.Count == 0 ? null : input.Classes, input.CounselorId.Length == 0 ? null : input.CounselorId);
    }

    /// <summary>
    /// A problem as the page shows it beside its field: without the JSON path it starts with
    /// (<c>bookingWindow.to: …</c>), which names the field for the API but not for a counsellor.
    /// </summary>
    public static string MessageOf(string problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var colon = problem.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && !problem.AsSpan(0, colon).Contains(' ') ? problem[(colon + 2)..] : problem;
    }

    /// <summary>The form field a problem of <see cref="CampaignValidation"/> is about (its text starts with the JSON field's path).</summary>
    public static string FieldOf(string problem, IReadOnlyList<int> rowOf)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(rowOf);
        var path = problem.Split(':', 2)[0];
        if (path.StartsWith("waves[", StringComparison.Ordinal) && path.IndexOf(']', StringComparison.Ordinal) is > 6 and var close
            && int.TryParse(path[6..close], NumberStyles.None, CultureInfo.InvariantCulture, out var wave))
        {
            var row = wave < rowOf.Count ? rowOf[wave] : 0;
            return path[(close + 1)..] switch
            {
                ".sendOn" => $"wave-{row}-send-on",
                ".afterDays" => $"wave-{row}-after-days",
                _ => $"wave-{row}-kind",
            };
        }

        return path switch
        {
            "name" or "term" or "template" => path,
            "waves" => "wave-0-kind",
            "bookingWindow.to" => "booking-to",
            "audience.counselorId" => "counselor",
            _ when path.StartsWith("audience.classes", StringComparison.Ordinal) => "classes",
            _ when path.StartsWith("bookingWindow", StringComparison.Ordinal) => "booking-from",
            _ => "name",
        };
    }

    private async Task<CampaignComposerPage> BuildAsync(string schoolId, SchoolSettings school, CampaignComposerInput input, string lang, IReadOnlyList<FieldError> errors, CancellationToken cancellationToken)
    {
        var counselors = await directory.ListCounselorsAsync(schoolId, cancellationToken);
        var guardians = await directory.ListGuardiansAsync(schoolId, cancellationToken);
        var audience = AudienceOf(input);
        var recipients = guardians.Select(g => CampaignDispatcher.ToRecipient(g, audience)).OfType<Recipient>().ToList();
        var optedOut = await optOuts.OptedOutAmongAsync([.. recipients.Select(r => r.Phone)], cancellationToken);
        var reached = recipients.Where(r => !optedOut.Contains(r.Phone)).ToList();

        string Error(string field) => errors.FirstOrDefault(e => e.Field == field)?.Message ?? "";

        var classes = guardians.SelectMany(g => g.Students.Select(s => (s.Class, Guardian: g.Id)))
            .GroupBy(s => s.Class, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select((g, i) => new ClassChoice(i == 0 ? "classes" : $"classes-{i}", g.Key, input.Classes.Contains(g.Key, StringComparer.OrdinalIgnoreCase), g.Select(x => x.Guardian).Distinct(StringComparer.Ordinal).Count()))
            .ToList();

        var kinds = CampaignValidation.CampaignKinds;
        var rows = Enumerable.Range(0, WaveRows).Select(i =>
        {
            var row = i < input.Waves.Count ? input.Waves[i] : new ComposerWaveInput("", "", "");
            var options = new List<ChoiceOption> { new("", Text(lang, "wave_none"), row.Kind.Length == 0) };
            options.AddRange(kinds.Select(k => new ChoiceOption(k, board.KindLabel(k, lang), k == row.Kind)));
            return new ComposerWaveRow(i, i + 1, options, row.SendOn, row.AfterDays, Error($"wave-{i}-kind"), Error($"wave-{i}-send-on"), Error($"wave-{i}-after-days"));
        }).ToList();

        var (definition, _, _) = ToDefinition(input, lang);
        var (previewFor, previews) = Previews(school, definition, reached, counselors, lang);
        return new CampaignComposerPage(
            input,
            [new ChoiceOption("", Text(lang, "choose"), input.Term.Length == 0), .. school.Terms.Select(t => new ChoiceOption(t.Name, $"{t.Name} ({t.FirstDay} – {t.LastDay})", t.Name == input.Term))],
            [.. campaignTemplates.CampaignTemplates.Select(t => new ChoiceOption(t, board.KindLabel(t, lang), t == input.Template))],
            [new ChoiceOption("", Text(lang, "counselor_any"), input.CounselorId.Length == 0), .. counselors.Select(c => new ChoiceOption(c.Id, $"{c.Counselor.Name} ({c.Id})", c.Id == input.CounselorId))],
            classes,
            rows,
            new ComposerFieldErrors(Error("name"), Error("term"), Error("template"), Error("classes"), Error("counselor"), Error("booking-from"), Error("booking-to")),
            new AudienceSize(recipients.Count, recipients.Count - reached.Count, reached.Count),
            previewFor,
            previews,
            Schedule(school, definition, lang),
            MeetingText.ZoneAbbreviation(school.TimeZone));
    }

    /// <summary>
    /// Each wave's message (one per template) for the reached guardian with the longest name, as the sender
    /// writes it; the link has the real length (a token of <see cref="LinkTokens.TokenLength"/> characters,
    /// shown as x's: every parent gets their own).
    /// </summary>
    private (string For, IReadOnlyList<MessagePreview> Previews) Previews(SchoolSettings school, CampaignDefinition definition, IReadOnlyList<Recipient> reached, IReadOnlyList<CounselorEntry> counselors, string lang)
    {
        var longest = reached
            .OrderByDescending(r => SmsTemplates.StudentsText([.. r.Students.Select(s => s.Name).Distinct(StringComparer.Ordinal)], r.Language, callingNamesOnly: false).Length)
            .ThenByDescending(r => r.GuardianName.Length)
            .ThenBy(r => r.GuardianId, StringComparer.Ordinal)
            .FirstOrDefault();
        if (longest is null || definition.Waves.Count == 0)
        {
            return ("", []);
        }

        var known = campaignTemplates.CampaignTemplates;
        var names = counselors.ToDictionary(c => c.Id, c => c.Counselor.Name, StringComparer.Ordinal);
        var link = LinkTokens.BookingUrl(links.Value.BaseUrl, new string('x', LinkTokens.TokenLength));
        var previews = new List<MessagePreview>();
        for (var i = 0; i < definition.Waves.Count; i++)
        {
            var template = CampaignMessages.TemplateOf(definition, i);
            if (!known.Contains(template, StringComparer.Ordinal) || previews.Any(p => p.Template == template))
            {
                continue;
            }

            var rendered = CampaignMessages.Render(templates, template, longest, school, names, link);
            previews.Add(new MessagePreview(board.KindLabel(definition.Waves[i].Kind, lang), template, rendered.Text, rendered.Segments, rendered.Text.Length, rendered.IsGsm7 ? "GSM-7" : "UCS-2 (Unicode)", !rendered.WithinBudget));
        }

        var students = string.Join(", ", longest.Students.Select(s => $"{s.Name} ({s.Class})").Distinct(StringComparer.Ordinal));
        return ($"{longest.GuardianName} · {students}", previews);
    }

    /// <summary>Each wave's day and the local time it goes, for the waves whose day is known from what was typed.</summary>
    private IReadOnlyList<WaveScheduleRow> Schedule(SchoolSettings school, CampaignDefinition definition, string lang)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var today = Today(school);
        var rows = new List<WaveScheduleRow>();
        LocalDate? previous = null;
        for (var i = 0; i < definition.Waves.Count; i++)
        {
            var wave = definition.Waves[i];
            var day = CampaignValidation.ParseDate(wave.SendOn) ?? (previous is { } p && wave.AfterDays is >= 1 and <= CampaignValidation.MaxAfterDays ? p.PlusDays(wave.AfterDays.Value) : null);
            if (day is not { } d)
            {
                break;
            }

            var blackout = CampaignSchedule.BlackoutOn(school, d);
            var note = d < today ? Text(lang, "note_past")
                : blackout is not null ? string.Format(CultureInfo.InvariantCulture, pages.Text(CampaignStatusBoard.TextPage, lang, "note_blackout"), blackout)
                : "";
            rows.Add(new WaveScheduleRow(i + 1, board.KindLabel(wave.Kind, lang), CampaignValidation.Format(d), d < today ? "" : MeetingText.Format(CampaignSchedule.GoesAt(school, d, now), lang), note));
            previous = d;
        }

        return rows;
    }

    private LocalDate Today(SchoolSettings school) => Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(SendingWindow.ZoneOf(school)).Date;

    private string Text(string lang, string key) => pages.Text(Page, lang, key);
}
