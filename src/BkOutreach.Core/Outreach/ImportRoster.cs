using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Outreach;

/// <summary>What a roster import did: guardians created and changed, and every row left out with its reason.</summary>
public sealed record RosterImportResult(int Imported, int Updated, IReadOnlyList<RosterRejection> Rejected);

/// <summary>
/// Imports a roster CSV: valid rows are grouped into one guardian per phone number (siblings share one
/// guardian, one link and one booking per counsellor) and written in batches; bad rows are returned with
/// their row numbers while the rest is imported. Re-importing the same file changes nothing.
/// </summary>
public sealed class ImportRoster(SchoolDirectory directory)
{
    public async Task<Result<RosterImportResult>> ExecuteAsync(string schoolId, Stream csv, CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return Result<RosterImportResult>.Missing();
        }

        RosterParseResult parsed;
        try
        {
            parsed = RosterCsv.Parse(csv);
        }
        catch (RosterFormatException ex)
        {
            return Result<RosterImportResult>.Invalid([ex.Message]);
        }

        var counselors = (await directory.ListCounselorsAsync(schoolId, cancellationToken)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var rejected = parsed.Rejected.ToList();
        var rows = new List<RosterRow>();
        foreach (var row in parsed.Rows)
        {
            if (counselors.Contains(row.CounselorId))
            {
                rows.Add(row);
            }
            else
            {
                rejected.Add(new RosterRejection(row.Row, $"counselor_id '{row.CounselorId}' is not a counsellor of this school."));
            }
        }

        var guardians = RosterCsv.GroupByGuardian(rows).Select(g => (g.Phone, g.Name, g.Language, g.Students)).ToList();
        var (created, updated) = await directory.ImportGuardiansAsync(schoolId, guardians, cancellationToken);
        return Result<RosterImportResult>.Ok(new RosterImportResult(created, updated, [.. rejected.OrderBy(r => r.Row)]));
    }
}
