using BkOutreach.Core.Privacy;
using BkOutreach.Core.Schools;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Core.Outreach;

/// <summary>How a roster file relates to the students it does not list.</summary>
public enum RosterImportMode
{
    /// <summary>The file is the truth for the students it lists; students it does not list stay where they are.</summary>
    Merge,

    /// <summary>
    /// The file is the whole roster (a nightly sync): a student it does not name at all leaves their
    /// guardian, and a guardian left without students is removed. A student whose row was rejected is
    /// named, and stays where they were.
    /// </summary>
    Full,
}

/// <summary>A student who changed guardian: guardian ids as in the admin routes (random, never the phone number).</summary>
public sealed record RosterMove(string Student, string From, string To);

/// <summary>
/// What a roster import did: guardians created and changed, students who moved from one guardian to
/// another, guardians removed because no student was left to them, and every row left out with its reason.
/// </summary>
public sealed record RosterImportResult(int Imported, int Updated, IReadOnlyList<RosterRejection> Rejected)
{
    public IReadOnlyList<RosterMove> Moved { get; init; } = [];

    public IReadOnlyList<string> Removed { get; init; } = [];
}

/// <summary>
/// What an import of a file would do (<see cref="ImportRoster.PreviewAsync"/>): guardians it would create and
/// change as they would be stored, how many of the file's guardians are unchanged, the rejected rows, and the
/// stored guardians a <see cref="RosterImportMode.Full"/> import would remove.
/// </summary>
public sealed record RosterPreviewResult(
    RosterImportMode Mode,
    IReadOnlyList<Guardian> New,
    IReadOnlyList<Guardian> Changed,
    int Unchanged,
    IReadOnlyList<RosterRejection> Rejected,
    IReadOnlyList<Guardian> RemovedByFull);

/// <summary>
/// Imports a roster CSV. The file is the truth for the students it lists:
/// <list type="bullet">
/// <item>Every row and every size is checked before anything is written; bad rows are returned with their
/// row numbers and reasons, the valid rest is imported (as CONTRACTS.md says).</item>
/// <item>One guardian per phone number (siblings share one guardian, one link and one booking per
/// counsellor); a second name, language or channel for one number rejects that row (<see cref="RosterCsv.GroupByGuardian"/>).</item>
/// <item>A student listed under another number than before leaves the old guardian: the old guardian's
/// bookings about that child are revoked (<see cref="GuardianErasure.RevokeStudentsAsync"/>), and a
/// guardian left with no student is removed through <see cref="GuardianErasure"/> — links dead, bookings
/// cancelled, nothing sent any more.</item>
/// <item>The guardians are written as one unit (<see cref="SchoolDirectory.ApplyRosterAsync"/>: batches of
/// 100, undone on failure, unchanged guardians not written); removals follow once the writes are in.</item>
/// <item>One import at a time per school (<see cref="SchoolDirectory.LockRosterAsync"/>): a second waits.</item>
/// <item>The optional <c>channel</c> column meets the parent's own choice of channel as
/// <see cref="GuardianChannels.FromRoster"/> says: only a changed value is a new choice.</item>
/// </list>
/// Re-importing the same file changes nothing and writes nothing but the lock row.
/// </summary>
public sealed partial class ImportRoster(SchoolDirectory directory, GuardianErasure erasure, ILogger<ImportRoster> logger)
{
    /// <summary>How long a lock is held at most: longer than the function timeout (host.json, 5 minutes).</summary>
    private static readonly TimeSpan LockLease = TimeSpan.FromMinutes(6);

    /// <summary>How long a second import waits for the first before answering that the school is busy.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(2);

    private const int ConflictRetries = 3;

    public Task<Result<RosterImportResult>> ExecuteAsync(string schoolId, Stream csv, CancellationToken cancellationToken) =>
        ExecuteAsync(schoolId, csv, RosterImportMode.Merge, cancellationToken);

    /// <exception cref="RosterBusyException">Another import of the school's roster held the lock for longer than the wait.</exception>
    public async Task<Result<RosterImportResult>> ExecuteAsync(string schoolId, Stream csv, RosterImportMode mode, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(schoolId, csv, cancellationToken);
        if (!prepared.Succeeded)
        {
            return prepared.NotFound ? Result<RosterImportResult>.Missing() : Result<RosterImportResult>.Invalid(prepared.Problems);
        }

        var (parsed, grouping, rejected) = prepared.Value!;
        await using var held = await directory.LockRosterAsync(schoolId, LockLease, LockWait, cancellationToken)
            ?? throw new RosterBusyException($"Another roster import of this school has been running for more than {LockWait.TotalMinutes:0} minutes; try again later.");
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = await directory.ReadRosterAsync(schoolId, cancellationToken);
            var (file, merged) = RosterPlan.RefuseMergedFamilies(snapshot, grouping.Guardians, parsed.MentionedStudentIds, mode);
            var plan = RosterPlan.Compute(schoolId, snapshot, file, parsed.MentionedStudentIds, mode);
            try
            {
                await directory.ApplyRosterAsync(schoolId, plan.Writes, cancellationToken);
            }
            catch (RosterWriteConflictException) when (attempt < ConflictRetries)
            {
                // Someone outside imports (an erasure, the demo seeder) changed a guardian meanwhile: read again.
                continue;
            }

            foreach (var (guardian, lost) in plan.Revoked)
            {
                await erasure.RevokeStudentsAsync(guardian, lost, cancellationToken);
            }

            foreach (var guardianId in plan.Removed)
            {
                await erasure.EraseAsync(schoolId, guardianId, cancellationToken);
            }

            LogImported(logger, schoolId, plan.Created, plan.Updated, plan.Moved.Count, plan.Removed.Count, rejected.Count + merged.Count);
            return Result<RosterImportResult>.Ok(new RosterImportResult(plan.Created, plan.Updated, [.. rejected.Concat(merged).OrderBy(r => r.Row)])
            {
                Moved = plan.Moved,
                Removed = plan.Removed,
            });
        }
    }

    /// <summary>
    /// What <see cref="ExecuteAsync(string, Stream, RosterImportMode, CancellationToken)"/> would do with this
    /// file now, computed by the same steps from the stored roster, writing nothing (not even the lock row):
    /// the guardians it would create and change, how many of the file's guardians are already as the file
    /// says, every rejected row with its reason, and the guardians a full import would remove. An import
    /// afterwards reads the roster again, so a change in between is reflected in its own result.
    /// </summary>
    public async Task<Result<RosterPreviewResult>> PreviewAsync(string schoolId, Stream csv, RosterImportMode mode, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(schoolId, csv, cancellationToken);
        if (!prepared.Succeeded)
        {
            return prepared.NotFound ? Result<RosterPreviewResult>.Missing() : Result<RosterPreviewResult>.Invalid(prepared.Problems);
        }

        var (parsed, grouping, rejected) = prepared.Value!;
        var snapshot = await directory.ReadRosterAsync(schoolId, cancellationToken);
        var (file, merged) = RosterPlan.RefuseMergedFamilies(snapshot, grouping.Guardians, parsed.MentionedStudentIds, mode);
        var plan = RosterPlan.Compute(schoolId, snapshot, file, parsed.MentionedStudentIds, mode);
        var removedByFull = mode == RosterImportMode.Full
            ? plan.Removed
            : RosterPlan.Compute(schoolId, snapshot, RosterPlan.RefuseMergedFamilies(snapshot, grouping.Guardians, parsed.MentionedStudentIds, RosterImportMode.Full).File, parsed.MentionedStudentIds, RosterImportMode.Full).Removed;
        return Result<RosterPreviewResult>.Ok(new RosterPreviewResult(
            mode,
            [.. plan.Writes.Where(w => w.AddIndex).Select(w => w.Guardian)],
            [.. plan.Writes.Where(w => !w.AddIndex).Select(w => w.Guardian)],
            plan.Unchanged,
            [.. rejected.Concat(merged).OrderBy(r => r.Row)],
            [.. removedByFull.Select(id => snapshot.Guardians[id].Guardian)]));
    }

    /// <summary>The steps before the stored roster is read: the school, the file's rows, its counsellors and its guardians.</summary>
    private async Task<Result<(RosterParseResult Parsed, RosterGrouping Grouping, List<RosterRejection> Rejected)>> PrepareAsync(string schoolId, Stream csv, CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return Result<(RosterParseResult, RosterGrouping, List<RosterRejection>)>.Missing();
        }

        RosterParseResult parsed;
        try
        {
            parsed = RosterCsv.Parse(csv);
        }
        catch (RosterFormatException ex)
        {
            return Result<(RosterParseResult, RosterGrouping, List<RosterRejection>)>.Invalid([ex.Message]);
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
                rejected.Add(RosterRejection.Of(row.Row, RosterProblem.Of("unknown_counselor", $"counselor_id '{row.CounselorId}' is not a counsellor of this school.", ("counselor", row.CounselorId))));
            }
        }

        var grouping = RosterCsv.GroupByGuardian(rows);
        rejected.AddRange(grouping.Rejected);
        return Result<(RosterParseResult, RosterGrouping, List<RosterRejection>)>.Ok((parsed, grouping, rejected));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Roster of school {SchoolId} imported: {Created} guardian(s) created, {Updated} updated, {Moved} student(s) moved, {Removed} guardian(s) removed, {Rejected} row(s) rejected")]
    private static partial void LogImported(ILogger logger, string schoolId, int created, int updated, int moved, int removed, int rejected);
}

/// <summary>Another import of the school's roster holds the lock; the caller answers 409 and nothing was written.</summary>
public sealed class RosterBusyException : Exception
{
    public RosterBusyException()
    {
    }

    public RosterBusyException(string message)
        : base(message)
    {
    }

    public RosterBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// What an import changes, computed from the stored roster and the file before anything is written.
/// A guardian's children after the import: those the file lists under their number, then those they had
/// that the file lists nowhere (in <see cref="RosterImportMode.Full"/> only those the file names in a
/// rejected row). A guardian in neither keeps nothing; one with no child left is removed.
/// </summary>
internal sealed record RosterPlan(
    IReadOnlyList<GuardianWrite> Writes,
    int Created,
    int Updated,
    IReadOnlyList<RosterMove> Moved,
    IReadOnlyList<(Guardian Guardian, IReadOnlySet<string> Lost)> Revoked,
    IReadOnlyList<string> Removed)
{
    /// <summary>The file's guardians that are stored exactly as the file says (nothing to write).</summary>
    public int Unchanged { get; init; }

    /// <summary>
    /// The file's guardians without those that would merge two families across imports: a number stored
    /// under another name whose guardian would keep children this file does not list. The file renaming a
    /// guardian it lists with all their children is a correction and goes through; anything else is the
    /// same number given to a second family, and its rows are rejected rather than showing the second
    /// family's child on the first one's page.
    /// </summary>
    public static (IReadOnlyList<RosterGuardian> File, IReadOnlyList<RosterRejection> Rejected) RefuseMergedFamilies(RosterSnapshot stored, IReadOnlyList<RosterGuardian> file, IReadOnlySet<string> mentioned, RosterImportMode mode)
    {
        var listed = file.SelectMany(g => g.Students).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var kept = new List<RosterGuardian>();
        var rejected = new List<RosterRejection>();
        foreach (var g in file)
        {
            if (stored.Phones.TryGetValue(g.Phone, out var index)
                && stored.Guardians.TryGetValue(index.GuardianId, out var before)
                && g.Name.Length > 0 && before.Guardian.Name.Length > 0
                && !string.Equals(g.Name, before.Guardian.Name, StringComparison.OrdinalIgnoreCase)
                && before.Guardian.Students.Any(s => !listed.Contains(s.Id) && (mode == RosterImportMode.Merge || mentioned.Contains(s.Id))))
            {
                rejected.AddRange(g.Rows.Select(row => RosterRejection.Of(row, RosterProblem.Of("phone_other_name_stored", $"guardian_phone is already the number of guardian '{before.Guardian.Name}' (an earlier import) with children this file does not list; one number is one guardian, so a different name here is not merged: correct the number or the name", ("name", before.Guardian.Name)))));
            }
            else
            {
                kept.Add(g);
            }
        }

        return (kept, rejected);
    }

    public static RosterPlan Compute(string schoolId, RosterSnapshot stored, IReadOnlyList<RosterGuardian> file, IReadOnlySet<string> mentioned, RosterImportMode mode)
    {
        var listed = file.SelectMany(g => g.Students).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        bool Keeps(Student s) => !listed.Contains(s.Id) && (mode == RosterImportMode.Merge || mentioned.Contains(s.Id));

        var after = new Dictionary<string, Guardian>(StringComparer.Ordinal);
        var newPhones = new HashSet<string>(StringComparer.Ordinal);
        var ownerAfter = new Dictionary<string, string>(StringComparer.Ordinal);
        var inFile = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in file)
        {
            string id;
            if (stored.Phones.TryGetValue(g.Phone, out var index))
            {
                id = index.GuardianId;
            }
            else
            {
                id = SchoolDirectory.NewGuardianId(schoolId, g.Phone);
                newPhones.Add(g.Phone);
            }

            IReadOnlyList<Student> kept = stored.Guardians.TryGetValue(id, out var before) ? [.. before.Guardian.Students.Where(Keeps)] : [];
            after[id] = GuardianChannels.FromRoster(new Guardian(id, schoolId, g.Phone, g.Name, g.Language, [.. g.Students, .. kept]), before?.Guardian, g.Channel);
            inFile.Add(id);
            foreach (var s in g.Students)
            {
                ownerAfter[s.Id] = id;
            }
        }

        foreach (var (id, before) in stored.Guardians)
        {
            if (!after.ContainsKey(id))
            {
                after[id] = before.Guardian with { Students = [.. before.Guardian.Students.Where(Keeps)] };
            }
        }

        var writes = new List<GuardianWrite>();
        var moved = new List<RosterMove>();
        var revoked = new List<(Guardian, IReadOnlySet<string>)>();
        var removed = new List<string>();
        int created = 0, updated = 0, unchanged = 0;
        foreach (var (id, guardian) in after)
        {
            stored.Guardians.TryGetValue(id, out var before);
            if (before is not null)
            {
                moved.AddRange(before.Guardian.Students
                    .Where(s => ownerAfter.TryGetValue(s.Id, out var to) && to != id)
                    .Select(s => new RosterMove(s.Id, id, ownerAfter[s.Id])));
                var remaining = guardian.Students.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
                var lost = before.Guardian.Students.Select(s => s.Id).Where(s => !remaining.Contains(s)).ToHashSet(StringComparer.Ordinal);
                if (guardian.Students.Count == 0)
                {
                    removed.Add(id);
                    continue;
                }

                if (lost.Count > 0)
                {
                    revoked.Add((guardian, lost));
                }
            }

            if (before is not null && before.Json == SchoolDirectory.Serialize(guardian))
            {
                unchanged += inFile.Contains(id) ? 1 : 0;
                continue;
            }

            var isNew = before is null && newPhones.Contains(guardian.Phone);
            writes.Add(new GuardianWrite(guardian, before, isNew));
            created += isNew ? 1 : 0;
            updated += isNew ? 0 : 1;
        }

        return new RosterPlan(writes, created, updated, [.. moved.OrderBy(m => m.Student, StringComparer.Ordinal)], revoked, removed) { Unchanged = unchanged };
    }
}
