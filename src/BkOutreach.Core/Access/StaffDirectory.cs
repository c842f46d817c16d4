using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Access;

/// <summary>A member of a school's staff as the staff routes show it.</summary>
public sealed record StaffMember(string SchoolId, string Email, StaffRole Role, string? CounselorId);

/// <summary>
/// Who works where, in the <c>staff</c> table. Every assignment is two rows written in ONE entity-group
/// transaction: <c>e|{email}|{schoolId}</c> (what a signed-in person may do: one range query per request)
/// and <c>s|{schoolId}|{email}</c> (a school's list). Both live in one partition so they can never
/// disagree; staff are few and each staff request reads one small range, far below a partition's limits.
/// Nothing is cached: a role removed here is gone on every instance at the next request.
/// </summary>
public sealed class StaffDirectory(StorageAccount storage)
{
    private const string Partition = "staff";

    private TableClient Table => storage.Table(StorageNames.StaffTable);

    /// <summary>Gives <paramref name="email"/> this role in the school, replacing what they had there.</summary>
    public async Task<StaffMember> PutAsync(string schoolId, string email, StaffRole role, string? counselorId, CancellationToken cancellationToken)
    {
        var member = new StaffMember(schoolId, StaffEmail.Normalize(email), role, role == StaffRole.Counselor ? counselorId : null);
        await Table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, Row(ByEmail(member.Email, schoolId), member)),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, Row(BySchool(schoolId, member.Email), member)),
            ],
            cancellationToken);
        return member;
    }

    /// <summary>Removes the person from the school's staff; false when they were not on it.</summary>
    public async Task<bool> DeleteAsync(string schoolId, string email, CancellationToken cancellationToken)
    {
        email = StaffEmail.Normalize(email);
        var existing = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, BySchool(schoolId, email), cancellationToken: cancellationToken);
        if (!existing.HasValue)
        {
            return false;
        }

        try
        {
            await Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, ByEmail(email, schoolId)), ETag.All),
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, BySchool(schoolId, email)), ETag.All),
                ],
                cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404)
        {
            // Removed at the same moment by another request: the outcome is the same.
            return false;
        }
    }

    /// <summary>The school's staff, by email.</summary>
    public async Task<IReadOnlyList<StaffMember>> ListAsync(string schoolId, CancellationToken cancellationToken) =>
        [.. (await RangeAsync(BySchool(schoolId, ""), cancellationToken)).Where(m => m.SchoolId == schoolId)];

    /// <summary>Every school where this email has a role.</summary>
    public async Task<IReadOnlyList<StaffGrant>> GrantsOfAsync(string email, CancellationToken cancellationToken)
    {
        email = StaffEmail.Normalize(email);

        // The range is by prefix; the stored email must match too, as the school must in ListAsync.
        return [.. (await RangeAsync(ByEmail(email, ""), cancellationToken)).Where(m => m.Email == email).Select(m => new StaffGrant(m.SchoolId, m.Role, m.CounselorId))];
    }

    private async Task<IReadOnlyList<StaffMember>> RangeAsync(string prefix, CancellationToken cancellationToken)
    {
        // '}' follows '|' in ordinal order: [prefix, prefix with its last '|' as '}') is exactly the prefix's rows.
        var high = prefix[..^1] + "}";
        var list = new List<StaffMember>();
        await foreach (var row in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == Partition && e.RowKey.CompareTo(prefix) >= 0 && e.RowKey.CompareTo(high) < 0,
            cancellationToken: cancellationToken))
        {
            if (StaffRoles.FromWire(row.GetString("Role")) is { } role)
            {
                list.Add(new StaffMember(row.GetString("SchoolId")!, row.GetString("Email")!, role, row.GetString("CounselorId")));
            }
        }

        return [.. list.OrderBy(m => m.Email, StringComparer.Ordinal).ThenBy(m => m.SchoolId, StringComparer.Ordinal)];
    }

    private static TableEntity Row(string rowKey, StaffMember member) => new(Partition, rowKey)
    {
        ["SchoolId"] = member.SchoolId,
        ["Email"] = member.Email,
        ["Role"] = StaffRoles.ToWire(member.Role),
        ["CounselorId"] = member.CounselorId,
    };

    private static string ByEmail(string email, string schoolId) => $"e|{email}|{schoolId}";

    private static string BySchool(string schoolId, string email) => $"s|{schoolId}|{email}";
}
