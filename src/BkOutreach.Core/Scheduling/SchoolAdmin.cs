using System.Text.RegularExpressions;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using Microsoft.Extensions.Options;
using NodaTime;

namespace BkOutreach.Core.Scheduling;

/// <summary>A counsellor as the admin route shows it: settings plus the private feed URL (key included).</summary>
public sealed record CounselorView(string Id, string SchoolId, CounselorSettings Settings, string FeedUrl);

/// <summary>The school and counsellor settings use cases behind the admin routes.</summary>
public sealed partial class SchoolAdmin(SchoolDirectory directory, IOptions<LinksOptions> links, SmsTemplates templates, PseudonymKeyProvider pseudonyms, TimeProvider time)
{
    public Task<Result<SchoolSettings>> PutSchoolAsync(string schoolId, SchoolSettings school, CancellationToken cancellationToken) =>
        PutSchoolAsync(schoolId, school, null, cancellationToken);

    /// <summary>
    /// Checks and stores the school; with <paramref name="version"/> (a staff form's) only if nobody saved it
    /// since that version, else <see cref="StaleSchoolVersionException"/> and nothing is written.
    /// </summary>
    public async Task<Result<SchoolSettings>> PutSchoolAsync(string schoolId, SchoolSettings school, string? version, CancellationToken cancellationToken)
    {
        var problems = await ProblemsAsync(schoolId, school, cancellationToken);
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

    /// <summary>Every reason the school document would be refused, each starting with its JSON path (what <see cref="PutSchoolAsync(string, SchoolSettings, string?, CancellationToken)"/> checks).</summary>
    public async Task<IReadOnlyList<string>> ProblemsAsync(string schoolId, SchoolSettings school, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(school);
        var problems = IdProblems("schoolId", schoolId).Concat(SchedulingValidation.ValidateForStorage(school, Today(school.TimeZone))).ToList();
        if (problems.Count == 0)
        {
            var counselors = await directory.ListCounselorsAsync(schoolId, cancellationToken);
            var longest = counselors.Select(c => c.Counselor.Name).MaxBy(n => n.Length) ?? "";
            problems.AddRange(BudgetProblems("name", "school's name", school.Name, longest, school.TimeZone));
        }

        return problems;
    }

    public async Task<Result<CounselorView>> PutCounselorAsync(string schoolId, string counselorId, CounselorSettings counselor, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<CounselorView>.Missing();
        }

        var problems = IdProblems("counselorId", counselorId).Concat(SchedulingValidation.ValidateForStorage(counselor)).ToList();
        if (problems.Count == 0)
        {
            problems.AddRange(BudgetProblems("name", "counsellor's name", school.Name, counselor.Name, school.TimeZone));
        }

        if (!SlotId.IsValidCounselorId(counselorId))
        {
            problems.Add("counselorId: use letters, digits and '-' only.");
        }

        if (problems.Count > 0)
        {
            return Result<CounselorView>.Invalid(problems.Distinct().ToList());
        }

        await directory.PutCounselorAsync(schoolId, counselorId, counselor, cancellationToken);
        return (await GetCounselorAsync(schoolId, counselorId, cancellationToken))!;
    }

    public async Task<Result<CounselorView>> GetCounselorAsync(string schoolId, string counselorId, CancellationToken cancellationToken)
    {
        var counselor = await directory.GetCounselorAsync(schoolId, counselorId, cancellationToken);
        var key = counselor is null ? null : await directory.GetFeedKeyAsync(schoolId, counselorId, cancellationToken);
        return counselor is null || key is null
            ? Result<CounselorView>.Missing()
            : Result<CounselorView>.Ok(new CounselorView(counselorId, schoolId, counselor, FeedUrl(schoolId, counselorId, key)));
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
    private IEnumerable<string> BudgetProblems(string field, string what, string schoolName, string counselorName, string zoneId) =>
        templates.OverBudget(schoolName, counselorName, zoneId, links.Value.BaseUrl)
            .Select(r => $"{field}: the {what} makes the {r.Template} SMS ({r.Language}) {r.Segments} segments; at most {SmsTemplates.MaxSegments} — shorten it.")
            .Take(1);

    internal static IEnumerable<string> IdProblems(string field, string id)
    {
        if (!IdPattern().IsMatch(id))
        {
            yield return $"{field}: use 1-63 lower-case letters, digits and '-', got '{id}'.";
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex IdPattern();
}
