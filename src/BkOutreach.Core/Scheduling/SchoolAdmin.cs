using System.Text.RegularExpressions;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Schools;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Scheduling;

/// <summary>A counsellor as the admin route shows it: settings plus the private feed URL (key included).</summary>
public sealed record CounselorView(string Id, string SchoolId, CounselorSettings Settings, string FeedUrl);

/// <summary>The school and counsellor settings use cases behind the admin routes.</summary>
public sealed partial class SchoolAdmin(SchoolDirectory directory, IOptions<LinksOptions> links)
{
    public async Task<Result<SchoolSettings>> PutSchoolAsync(string schoolId, SchoolSettings school, CancellationToken cancellationToken)
    {
        var problems = IdProblems("schoolId", schoolId).Concat(SchedulingValidation.Validate(school)).ToList();
        if (problems.Count > 0)
        {
            return Result<SchoolSettings>.Invalid(problems);
        }

        await directory.PutSchoolAsync(schoolId, school, cancellationToken);
        return Result<SchoolSettings>.Ok(school);
    }

    public async Task<Result<CounselorView>> PutCounselorAsync(string schoolId, string counselorId, CounselorSettings counselor, CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return Result<CounselorView>.Missing();
        }

        var problems = IdProblems("counselorId", counselorId).Concat(SchedulingValidation.Validate(counselor)).ToList();
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
