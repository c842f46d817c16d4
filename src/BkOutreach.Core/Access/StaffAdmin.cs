using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Access;

/// <summary>The body of <c>PUT /api/admin/schools/{schoolId}/staff/{email}</c>.</summary>
public sealed record StaffAssignment(string? Role, string? CounselorId);

/// <summary>The staff and automation-key routes of a school: validated here, stored by <see cref="StaffDirectory"/> and <see cref="SchoolKeys"/>.</summary>
public sealed class StaffAdmin(SchoolDirectory directory, StaffDirectory staff, SchoolKeys keys)
{
    public const int MaxKeyNameLength = 100;

    /// <summary>
    /// Gives the email its role in the school; 404 for an unknown school, 400 naming every problem, worded in
    /// <paramref name="lang"/> (<c>id</c> for the staff page).
    /// </summary>
    public async Task<Result<StaffMember>> PutStaffAsync(string schoolId, string email, StaffAssignment body, CancellationToken cancellationToken, string lang = "en")
    {
        ArgumentNullException.ThrowIfNull(body);
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return Result<StaffMember>.Missing();
        }

        var role = StaffRoles.FromWire(body.Role);
        var counselorKnown = role == StaffRole.Counselor
            && !string.IsNullOrWhiteSpace(body.CounselorId)
            && await directory.GetCounselorAsync(schoolId, body.CounselorId, cancellationToken) is not null;
        var problems = AssignmentProblems(email, body, counselorKnown, lang);
        return problems.Count > 0
            ? Result<StaffMember>.Invalid(problems)
            : Result<StaffMember>.Ok(await staff.PutAsync(schoolId, email, role!.Value, body.CounselorId, cancellationToken));
    }

    /// <summary>Every problem of giving <paramref name="email"/> the assignment; <paramref name="counselorKnown"/>: the school has the counsellor named.</summary>
    internal static List<string> AssignmentProblems(string email, StaffAssignment body, bool counselorKnown, string lang = "en")
    {
        var problems = new List<string>();
        if (!StaffEmail.IsValid(email))
        {
            problems.Add(DocumentLimits.Say(
                lang,
                "email: must be an email address (local@domain), without spaces or | / \\ # ?.",
                "email: isi alamat email yang benar (nama@domain), tanpa spasi dan tanpa tanda | / \\ # ?."));
        }

        var role = StaffRoles.FromWire(body.Role);
        if (role is null)
        {
            problems.Add(DocumentLimits.Say(
                lang,
                $"role: required, {StaffRoles.SchoolAdminWire} or {StaffRoles.CounselorWire}.",
                "role: pilih peran admin sekolah atau guru BK (konselor)."));
        }

        if (role == StaffRole.Counselor)
        {
            if (string.IsNullOrWhiteSpace(body.CounselorId))
            {
                problems.Add(DocumentLimits.Say(lang, "counselorId: required for a counselor.", "counselorId: pilih konselor yang jadwal dan siswanya dikelola guru BK ini."));
            }
            else if (!counselorKnown)
            {
                problems.Add(DocumentLimits.Say(
                    lang,
                    $"counselorId: the school has no counsellor '{body.CounselorId}' (create it with PUT …/counselors/{{counselorId}} first).",
                    $"counselorId: sekolah ini belum punya konselor '{body.CounselorId}'; tambahkan dulu konselornya di halaman ini."));
            }
        }
        else if (role == StaffRole.SchoolAdmin && body.CounselorId is not null)
        {
            problems.Add(DocumentLimits.Say(
                lang,
                "counselorId: only for role counselor (a school admin sees every counsellor).",
                "counselorId: konselor hanya dipilih untuk peran guru BK (admin sekolah melihat semua konselor)."));
        }

        return problems;
    }

    public async Task<Result<bool>> DeleteStaffAsync(string schoolId, string email, CancellationToken cancellationToken) =>
        StaffEmail.IsValid(email) && await staff.DeleteAsync(schoolId, email, cancellationToken) ? Result<bool>.Ok(true) : Result<bool>.Missing();

    public async Task<Result<IReadOnlyList<StaffMember>>> ListStaffAsync(string schoolId, CancellationToken cancellationToken) =>
        await directory.GetSchoolAsync(schoolId, cancellationToken) is null
            ? Result<IReadOnlyList<StaffMember>>.Missing()
            : Result<IReadOnlyList<StaffMember>>.Ok(await staff.ListAsync(schoolId, cancellationToken));

    /// <summary>A new automation key: the key is in this answer only.</summary>
    public async Task<Result<(SchoolKeyInfo Info, string Key)>> CreateKeyAsync(string schoolId, string? name, CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return Result<(SchoolKeyInfo, string)>.Missing();
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxKeyNameLength || name.Any(char.IsControl))
        {
            return Result<(SchoolKeyInfo, string)>.Invalid([$"name: required, at most {MaxKeyNameLength} characters, no control characters (what the key is for, e.g. \"SIAKAD roster sync\")."]);
        }

        return Result<(SchoolKeyInfo, string)>.Ok(await keys.CreateAsync(schoolId, name.Trim(), cancellationToken));
    }

    public async Task<Result<bool>> DeleteKeyAsync(string schoolId, string id, CancellationToken cancellationToken) =>
        await keys.DeleteAsync(schoolId, id, cancellationToken) ? Result<bool>.Ok(true) : Result<bool>.Missing();

    public async Task<Result<IReadOnlyList<SchoolKeyInfo>>> ListKeysAsync(string schoolId, CancellationToken cancellationToken) =>
        await directory.GetSchoolAsync(schoolId, cancellationToken) is null
            ? Result<IReadOnlyList<SchoolKeyInfo>>.Missing()
            : Result<IReadOnlyList<SchoolKeyInfo>>.Ok(await keys.ListAsync(schoolId, cancellationToken));
}
