using System.Text.RegularExpressions;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using Microsoft.Extensions.Options;
using NodaTime;

namespace BkOutreach.Core.Scheduling;

/// <summary>A counsellor as the admin route shows it: settings plus the private feed URL (key included).</summary>
public sealed record CounselorView(string Id, string SchoolId, CounselorSettings Settings, string FeedUrl)
{
    /// <summary>The settings' version (<see cref="SchoolDirectory.CounselorVersion"/>): the JSON route's ETag, the schedule form's hidden field.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Version { get; init; } = "";
}

/// <summary>The school and counsellor settings use cases behind the admin routes.</summary>
public sealed partial class SchoolAdmin(SchoolDirectory directory, IOptions<LinksOptions> links, SmsTemplates templates, PseudonymKeyProvider pseudonyms, TimeProvider time)
{
    public Task<Result<SchoolSettings>> PutSchoolAsync(string schoolId, SchoolSettings school, CancellationToken cancellationToken) =>
        PutSchoolAsync(schoolId, school, null, cancellationToken);

    /// <summary>
    /// Checks and stores the school; with <paramref name="version"/> (a staff form's) only if nobody saved it
    /// since that version, else <see cref="StaleSchoolVersionException"/> and nothing is written. The problems
    /// are worded in <paramref name="lang"/> (<see cref="SchedulingValidation"/>): <c>id</c> for the staff pages.
    /// </summary>
    public async Task<Result<SchoolSettings>> PutSchoolAsync(string schoolId, SchoolSettings school, string? version, CancellationToken cancellationToken, string lang = "en")
    {
        var problems = await ProblemsAsync(schoolId, school, cancellationToken, lang);
        if (problems.Count > 0)
        {
            return Result<SchoolSettings>.Invalid(problems);
        }

        if (version is null)
        {
            await directory.PutSchoolAsync(schoolId, school, cancellationToken);
        }
        else
        {
            await directory.PutSchoolAsync(schoolId, school, version, cancellationToken);
        }

        // The export's pseudonym secret is made with the school, so reading an export never writes (a school
        // stored before this still gets its secret on its first export).
        await pseudonyms.ForSchoolAsync(schoolId, cancellationToken);
        return Result<SchoolSettings>.Ok(school);
    }

    /// <summary>Every reason the school document would be refused, each starting with its JSON path (what <see cref="PutSchoolAsync(string, SchoolSettings, string?, CancellationToken, string)"/> checks).</summary>
    public async Task<IReadOnlyList<string>> ProblemsAsync(string schoolId, SchoolSettings school, CancellationToken cancellationToken, string lang = "en")
    {
        ArgumentNullException.ThrowIfNull(school);
        var problems = IdProblems("schoolId", schoolId, lang).Concat(SchedulingValidation.ValidateForStorage(school, Today(school.TimeZone), lang)).ToList();
        if (problems.Count == 0)
        {
            var counselors = await directory.ListCounselorsAsync(schoolId, cancellationToken);
            var longest = counselors.Select(c => c.Counselor.Name).MaxBy(n => n.Length) ?? "";
            problems.AddRange(BudgetProblems(SmsLengthCause.SchoolName, school.Name, longest, school.TimeZone, lang));
        }

        return problems;
    }

    /// <summary>
    /// Validates and stores a counsellor's settings. With <paramref name="ifVersion"/> (the version the
    /// caller read: the schedule form, or the JSON route's <c>If-Match</c>) a newer save in between answers
    /// <see cref="Result{T}.Stale"/> and nothing is written. Problems are worded in <paramref name="lang"/>.
    /// </summary>
    public async Task<Result<CounselorView>> PutCounselorAsync(string schoolId, string counselorId, CounselorSettings counselor, CancellationToken cancellationToken, string? ifVersion = null, string lang = "en")
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<CounselorView>.Missing();
        }

        var problems = IdProblems("counselorId", counselorId, lang).Concat(SchedulingValidation.ValidateForStorage(counselor, Today(school.TimeZone), lang)).ToList();
        if (problems.Count == 0)
        {
            problems.AddRange(BudgetProblems(SmsLengthCause.CounselorName, school.Name, counselor.Name, school.TimeZone, lang));
            problems.AddRange(templates.OverBudget(school.Name, counselor.Name, school.TimeZone, links.Value.BaseUrl, counselor.MeetingUrl)
                .Select(r => SegmentProblem(SmsLengthCause.MeetingLink, r, lang))
                .Take(1));
        }

        if (!SlotId.IsValidCounselorId(counselorId))
        {
            problems.Add(DocumentLimits.Say(lang, "counselorId: use letters, digits and '-' only.", "counselorId: pakai huruf, angka dan tanda '-' saja."));
        }

        if (problems.Count > 0)
        {
            return Result<CounselorView>.Invalid(problems.Distinct().ToList());
        }

        if (!await directory.PutCounselorAsync(schoolId, counselorId, counselor, cancellationToken, ifVersion))
        {
            return Result<CounselorView>.Stale();
        }

        return (await GetCounselorAsync(schoolId, counselorId, cancellationToken))!;
    }

    public async Task<Result<CounselorView>> GetCounselorAsync(string schoolId, string counselorId, CancellationToken cancellationToken)
    {
        var counselor = await directory.GetCounselorVersionedAsync(schoolId, counselorId, cancellationToken);
        var key = counselor is null ? null : await directory.GetFeedKeyAsync(schoolId, counselorId, cancellationToken);
        return counselor is not { } found || key is null
            ? Result<CounselorView>.Missing()
            : Result<CounselorView>.Ok(new CounselorView(counselorId, schoolId, found.Counselor, FeedUrl(schoolId, counselorId, key)) { Version = found.Version });
    }

    public async Task<Result<CounselorView>> RotateFeedKeyAsync(string schoolId, string counselorId, CancellationToken cancellationToken) =>
        await directory.RotateFeedKeyAsync(schoolId, counselorId, cancellationToken) is null
            ? Result<CounselorView>.Missing()
            : await GetCounselorAsync(schoolId, counselorId, cancellationToken);

    public string FeedUrl(string schoolId, string counselorId, string key) =>
        $"{links.Value.BaseUrl.TrimEnd('/')}/api/calendar/{Uri.EscapeDataString(schoolId)}/counselors/{Uri.EscapeDataString(counselorId)}/bookings.ics?key={Uri.EscapeDataString(key)}";

    /// <summary>The school's date, which bounds how far ahead its dates may lie (UTC when the zone is not valid; that is reported anyway).</summary>
    private LocalDate Today(string? zoneId) =>
        Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(ScheduleText.TryGetZone(zoneId, out var zone) ? zone : DateTimeZone.Utc).Date;

    /// <summary>A name so long that some SMS would exceed its budget even without the optional parts.</summary>
    private IEnumerable<string> BudgetProblems(SmsLengthCause cause, string schoolName, string counselorName, string zoneId, string lang) =>
        templates.OverBudget(schoolName, counselorName, zoneId, links.Value.BaseUrl)
            .Select(r => SegmentProblem(cause, r, lang))
            .Take(1);

    /// <summary>What made an SMS too long: the problem names it and says what to shorten.</summary>
    internal enum SmsLengthCause
    {
        SchoolName,
        CounselorName,
        MeetingLink,
    }

    internal static string SegmentProblem(SmsLengthCause cause, RenderedSms sms, string lang = "en")
    {
        var sent = $"{sms.Template} SMS ({sms.Language})";
        var max = SmsTemplates.MaxSegments;
        return cause switch
        {
            SmsLengthCause.MeetingLink => DocumentLimits.Say(
                lang,
                $"meetingUrl: the link makes the {sent} {sms.Segments} segments; at most {max} — use a shorter link.",
                $"meetingUrl: dengan tautan ini, {sent} menjadi {sms.Segments} bagian; paling banyak {max} — pakai tautan yang lebih pendek."),
            SmsLengthCause.SchoolName => DocumentLimits.Say(
                lang,
                $"name: the school's name makes the {sent} {sms.Segments} segments; at most {max} — shorten it.",
                $"name: dengan nama sekolah ini, {sent} menjadi {sms.Segments} bagian; paling banyak {max} — persingkat namanya."),
            _ => DocumentLimits.Say(
                lang,
                $"name: the counsellor's name makes the {sent} {sms.Segments} segments; at most {max} — shorten it.",
                $"name: dengan nama guru BK ini, {sent} menjadi {sms.Segments} bagian; paling banyak {max} — persingkat namanya."),
        };
    }

    /// <summary>An id in a route (school, counsellor, plan): what a table key and a URL segment can carry.</summary>
    internal static IEnumerable<string> IdProblems(string field, string id, string lang = "en")
    {
        if (!IdPattern().IsMatch(id))
        {
            yield return DocumentLimits.Say(
                lang,
                $"{field}: use 1-63 lower-case letters, digits and '-', got '{id}'.",
                $"{field}: '{id}' tidak bisa dipakai; pakai 1–63 huruf kecil, angka dan tanda '-' (misalnya bk-3).");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex IdPattern();
}
