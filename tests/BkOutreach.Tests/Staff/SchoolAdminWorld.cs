using System.Text;
using Azure.Data.Tables;
using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Access;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Staff;

/// <summary>
/// A runner with one school (counsellors bk-1 and bk-2, an admin, a counsellor with sign-in) and a second
/// school with its own admin, for the school admin pages' tests. Each test makes its own school when it
/// changes the roster, so tests do not see each other's guardians.
/// </summary>
public sealed class SchoolAdminWorld : IAsyncLifetime
{
    // Monday 2027-01-11 09:00 WIB.
    public static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    public const string Header = "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id";

    public TestRunner Runner { get; private set; } = null!;

    public string OtherSchool { get; } = "other-" + Guid.NewGuid().ToString("N")[..8];

    public string OtherAdmin => $"admin@{OtherSchool}.sch.id";

    public IServiceProvider Services => Runner.Services;

    public async Task InitializeAsync()
    {
        Runner = await TestRunner.StartAsync(settings: new RunnerSettings { Clock = Clock });
        await NewSchoolAsync(OtherSchool);
    }

    public async Task DisposeAsync() => await Runner.DisposeAsync();

    public static string AdminOf(string schoolId) => $"admin@{schoolId}.sch.id";

    public static string CounselorOf(string schoolId) => $"bk1@{schoolId}.sch.id";

    /// <summary>A new school with counsellors bk-1 and bk-2, its admin and bk-1's counsellor sign-in; returns its id.</summary>
    public async Task<string> NewSchoolAsync(string? id = null)
    {
        id ??= "sch-" + Guid.NewGuid().ToString("N")[..10];
        var ct = CancellationToken.None;
        var directory = Services.GetRequiredService<SchoolDirectory>();
        await directory.PutSchoolAsync(id, new SchoolSettings
        {
            Name = "MA Uji " + id,
            TimeZone = "Asia/Jakarta",
            Latitude = -2.99,
            Longitude = 104.76,
            Terms = [new Term("2026/2027 Genap", "2027-01-04", "2027-06-19")],
        }, ct);
        await directory.PutCounselorAsync(id, "bk-1", new CounselorSettings { Name = "Bu Rina" }, ct);
        await directory.PutCounselorAsync(id, "bk-2", new CounselorSettings { Name = "Pak Dedi" }, ct);
        var staff = Services.GetRequiredService<StaffDirectory>();
        await staff.PutAsync(id, AdminOf(id), StaffRole.SchoolAdmin, null, ct);
        await staff.PutAsync(id, CounselorOf(id), StaffRole.Counselor, "bk-1", ct);
        return id;
    }

    /// <summary>A client signed in as <paramref name="email"/> (session cookie and form token), redirects not followed.</summary>
    public Task<HttpClient> SignedInAsync(string email) => AccessWorld.SignedInAsync(Runner, email);

    /// <summary>Every guardians row of the school (its buckets and the old single partition) with its ETag: equal before and after means nothing was written.</summary>
    public async Task<List<string>> GuardianRowsAsync(string schoolId)
    {
        var rows = new List<string>();
        var (first, last) = SchoolDirectory.BucketRange(schoolId);
        await foreach (var e in Services.GetRequiredService<StorageAccount>().Table(StorageNames.GuardiansTable).QueryAsync<TableEntity>(
            x => x.PartitionKey == schoolId || (x.PartitionKey.CompareTo(first) >= 0 && x.PartitionKey.CompareTo(last) <= 0)))
        {
            rows.Add($"{e.PartitionKey}|{e.RowKey}|{e.ETag}");
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    /// <summary>A roster of <paramref name="families"/> good rows in classes XI IPA 1 and XI IPA 10, then three bad rows (rows N+2.. in the file).</summary>
    public static string RosterWithBadRows(int families)
    {
        var csv = new StringBuilder(Header).Append('\n');
        for (var i = 1; i <= families; i++)
        {
            csv.Append(FormattableString.Invariant($"s{i:D3},Siswa Nomor {i},{(i % 2 == 0 ? "XI IPA 10" : "XI IPA 1")},Wali {i},08123450{i:D4},id,bk-{1 + (i % 2)}\n"));
        }

        csv.Append("s900,Siswa Salah Nomor,XI IPA 1,Wali Salah,12345,id,bk-1\n");
        csv.Append("s901,Siswa Tanpa Guru,XI IPA 1,Wali Lain,081299990001,id,bk-9\n");
        csv.Append("s902,,XI IPA 1,Wali Kosong,081299990002,id,bk-1\n");
        return csv.ToString();
    }
}
