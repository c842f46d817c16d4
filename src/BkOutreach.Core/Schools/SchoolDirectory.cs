using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Schools;

/// <summary>A counsellor of a school and when their settings last changed.</summary>
public sealed record CounselorEntry(string Id, CounselorSettings Counselor, DateTimeOffset UpdatedAt);

/// <summary>
/// Schools, counsellors and guardians in Table Storage, each stored as its JSON document. The <c>…Recent</c>
/// reads serve a parent's link from <see cref="RecentReads"/>; every write here forgets what it changed.
/// </summary>
public sealed class SchoolDirectory(StorageAccount storage, TimeProvider time)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string SchoolPartition = "school";
    private const string PhoneIndexPrefix = "phone:";
    private const string GuardianPrefix = "g:";

    private readonly RecentReads _recent = new(time);

    public async Task PutSchoolAsync(string schoolId, SchoolSettings school, CancellationToken cancellationToken)
    {
        try
        {
            await PutDocumentAsync(StorageNames.SchoolsTable, SchoolPartition, schoolId, school, cancellationToken);
        }
        finally
        {
            _recent.Forget(SchoolKey(schoolId));
        }
    }

    public Task<SchoolSettings?> GetSchoolAsync(string schoolId, CancellationToken cancellationToken) =>
        GetDocumentAsync<SchoolSettings>(StorageNames.SchoolsTable, SchoolPartition, schoolId, cancellationToken);

    /// <summary>The school as read within <see cref="RecentReads.For"/>: for a parent's link, not for admin work.</summary>
    public Task<SchoolSettings?> GetSchoolRecentAsync(string schoolId, CancellationToken cancellationToken) =>
        _recent.GetAsync(SchoolKey(schoolId), ct => GetSchoolAsync(schoolId, ct), cancellationToken);

    /// <summary>The school's counsellors as read within <see cref="RecentReads.For"/>: for a parent's link, not for admin work.</summary>
    public async Task<IReadOnlyList<CounselorEntry>> ListCounselorsRecentAsync(string schoolId, CancellationToken cancellationToken) =>
        await _recent.GetAsync<IReadOnlyList<CounselorEntry>>(CounselorsKey(schoolId), async ct => await ListCounselorsAsync(schoolId, ct), cancellationToken) ?? [];

    /// <summary>The guardian as read within <see cref="RecentReads.For"/>: for a parent's link, not for admin work.</summary>
    public Task<Guardian?> GetGuardianRecentAsync(string schoolId, string guardianId, CancellationToken cancellationToken) =>
        _recent.GetAsync(GuardianKey(schoolId, guardianId), ct => GetGuardianAsync(schoolId, guardianId, ct), cancellationToken);

    public async Task<IReadOnlyList<string>> ListSchoolIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var e in storage.Table(StorageNames.SchoolsTable).QueryAsync<TableEntity>(x => x.PartitionKey == SchoolPartition, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            ids.Add(e.RowKey);
        }

        return ids;
    }

    /// <summary>Stores a counsellor's settings; the private feed key is created the first time and kept across updates.</summary>
    public async Task PutCounselorAsync(string schoolId, string counselorId, CounselorSettings counselor, CancellationToken cancellationToken)
    {
        try
        {
            await StoreCounselorAsync(schoolId, counselorId, counselor, cancellationToken);
        }
        finally
        {
            _recent.Forget(CounselorsKey(schoolId));
        }
    }

    private async Task StoreCounselorAsync(string schoolId, string counselorId, CounselorSettings counselor, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.CounselorsTable);
        var json = JsonSerializer.Serialize(counselor, Json);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(schoolId, counselorId, cancellationToken: cancellationToken);
        if (!existing.HasValue || existing.Value!.GetString("Json") != json)
        {
            // UpdatedAt moves only when the settings change: it is the DTSTAMP of the counsellor's open slots.
            var entity = new TableEntity(schoolId, counselorId) { ["Json"] = json, ["UpdatedAt"] = time.GetUtcNow() };
            await table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken);
        }

        while (true)
        {
            var stored = await table.GetEntityAsync<TableEntity>(schoolId, counselorId, cancellationToken: cancellationToken);
            if (!string.IsNullOrEmpty(stored.Value.GetString("FeedKey")))
            {
                return;
            }

            try
            {
                await table.UpdateEntityAsync(new TableEntity(schoolId, counselorId) { ["FeedKey"] = NewFeedKey() }, stored.Value.ETag, TableUpdateMode.Merge, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // A concurrent write came first; read again (it may have set the key).
            }
        }
    }

    /// <summary>The counsellor's private feed key (null when the counsellor does not exist).</summary>
    public async Task<string?> GetFeedKeyAsync(string schoolId, string counselorId, CancellationToken cancellationToken)
    {
        var row = await storage.Table(StorageNames.CounselorsTable).GetEntityIfExistsAsync<TableEntity>(schoolId, counselorId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("FeedKey") : null;
    }

    /// <summary>Replaces the feed key: the old feed URL stops working at once.</summary>
    public async Task<string?> RotateFeedKeyAsync(string schoolId, string counselorId, CancellationToken cancellationToken)
    {
        var key = NewFeedKey();
        try
        {
            await storage.Table(StorageNames.CounselorsTable).UpdateEntityAsync(new TableEntity(schoolId, counselorId) { ["FeedKey"] = key }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return key;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public Task<CounselorSettings?> GetCounselorAsync(string schoolId, string counselorId, CancellationToken cancellationToken) =>
        GetDocumentAsync<CounselorSettings>(StorageNames.CounselorsTable, schoolId, counselorId, cancellationToken);

    public async Task<IReadOnlyList<CounselorEntry>> ListCounselorsAsync(string schoolId, CancellationToken cancellationToken)
    {
        var list = new List<CounselorEntry>();
        await foreach (var e in storage.Table(StorageNames.CounselorsTable).QueryAsync<TableEntity>(x => x.PartitionKey == schoolId, cancellationToken: cancellationToken))
        {
            list.Add(new CounselorEntry(e.RowKey, JsonSerializer.Deserialize<CounselorSettings>(e.GetString("Json")!, Json)!, e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.UnixEpoch));
        }

        return [.. list.OrderBy(c => c.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Stores a guardian keyed by phone number: the first time a number is seen it gets a new random id
    /// (ids carry nothing about the number), later writes update the same guardian.
    /// </summary>
    /// <returns>The guardian as stored and whether it was new.</returns>
    public async Task<(Guardian Guardian, bool Created)> UpsertGuardianAsync(string schoolId, string phone, string name, string language, IReadOnlyList<Student> students, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.GuardiansTable);
        var indexKey = PhoneIndexPrefix + phone;
        var candidateId = NewId();
        var created = true;
        try
        {
            await table.AddEntityAsync(new TableEntity(schoolId, indexKey) { ["GuardianId"] = candidateId }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            created = false;
        }

        var id = created
            ? candidateId
            : (await table.GetEntityAsync<TableEntity>(schoolId, indexKey, cancellationToken: cancellationToken)).Value.GetString("GuardianId")!;
        var guardian = new Guardian(id, schoolId, phone, name, language, students);
        try
        {
            await PutDocumentAsync(StorageNames.GuardiansTable, schoolId, GuardianPrefix + id, guardian, cancellationToken);
        }
        finally
        {
            _recent.Forget(GuardianKey(schoolId, id));
        }

        return (guardian, created);
    }

    /// <summary>
    /// Writes a whole roster's guardians at once: one query reads the school's phone index and guardians,
    /// then only new or changed guardians are written, in entity-group transactions of up to 100 rows (the
    /// school is one partition). Importing the same roster again writes nothing.
    /// </summary>
    public async Task<(int Created, int Updated)> ImportGuardiansAsync(string schoolId, IReadOnlyList<(string Phone, string Name, string Language, IReadOnlyList<Student> Students)> guardians, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.GuardiansTable);
        var idsByPhone = new Dictionary<string, string>(StringComparer.Ordinal);
        var jsonById = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var e in table.QueryAsync<TableEntity>(x => x.PartitionKey == schoolId, cancellationToken: cancellationToken))
        {
            if (e.RowKey.StartsWith(PhoneIndexPrefix, StringComparison.Ordinal))
            {
                idsByPhone[e.RowKey[PhoneIndexPrefix.Length..]] = e.GetString("GuardianId")!;
            }
            else if (e.RowKey.StartsWith(GuardianPrefix, StringComparison.Ordinal))
            {
                jsonById[e.RowKey[GuardianPrefix.Length..]] = e.GetString("Json") ?? "";
            }
        }

        var actions = new List<TableTransactionAction>();
        var written = new List<string>();
        int created = 0, updated = 0;
        var now = time.GetUtcNow();
        foreach (var (phone, name, language, students) in guardians)
        {
            var isNew = !idsByPhone.TryGetValue(phone, out var id);
            if (isNew)
            {
                id = NewId();
                idsByPhone[phone] = id;
                actions.Add(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(schoolId, PhoneIndexPrefix + phone) { ["GuardianId"] = id }));
            }

            var json = JsonSerializer.Serialize(new Guardian(id!, schoolId, phone, name, language, students), Json);
            if (!isNew && jsonById.TryGetValue(id!, out var existing) && existing == json)
            {
                continue;
            }

            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(schoolId, GuardianPrefix + id) { ["Json"] = json, ["UpdatedAt"] = now }));
            written.Add(id!);
            created += isNew ? 1 : 0;
            updated += isNew ? 0 : 1;
        }

        try
        {
            foreach (var chunk in actions.Chunk(100))
            {
                await table.SubmitTransactionAsync(chunk, cancellationToken);
            }
        }
        finally
        {
            written.ForEach(id => _recent.Forget(GuardianKey(schoolId, id)));
        }

        return (created, updated);
    }

    /// <summary>The school's guardian with this phone number, if any (one point read of the phone index).</summary>
    public async Task<Guardian?> FindGuardianByPhoneAsync(string schoolId, string phone, CancellationToken cancellationToken)
    {
        var index = await storage.Table(StorageNames.GuardiansTable).GetEntityIfExistsAsync<TableEntity>(schoolId, PhoneIndexPrefix + phone, cancellationToken: cancellationToken);
        return index.HasValue ? await GetGuardianAsync(schoolId, index.Value!.GetString("GuardianId")!, cancellationToken) : null;
    }

    public Task<Guardian?> GetGuardianAsync(string schoolId, string guardianId, CancellationToken cancellationToken) =>
        GetDocumentAsync<Guardian>(StorageNames.GuardiansTable, schoolId, GuardianPrefix + guardianId, cancellationToken);

    /// <summary>
    /// Deletes the guardian and its phone index row in one transaction (both live in the school's partition),
    /// so an erasure never leaves a number indexed without its guardian or the other way round. A later
    /// import of the same number makes a new guardian with a new id.
    /// </summary>
    public async Task DeleteGuardianAsync(string schoolId, Guardian guardian, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.GuardiansTable);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, new TableEntity(schoolId, GuardianPrefix + guardian.Id), ETag.All) };
        var index = await table.GetEntityIfExistsAsync<TableEntity>(schoolId, PhoneIndexPrefix + guardian.Phone, cancellationToken: cancellationToken);
        if (index.HasValue && index.Value!.GetString("GuardianId") == guardian.Id)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, index.Value, index.Value.ETag));
        }

        await table.SubmitTransactionAsync(actions, cancellationToken);
        _recent.Forget(GuardianKey(schoolId, guardian.Id));
    }

    /// <summary>The guardians whose ids lie between <paramref name="first"/> and <paramref name="last"/> (inclusive), by id, in one range query.</summary>
    public async Task<Dictionary<string, Guardian>> GuardiansBetweenAsync(string schoolId, string first, string last, CancellationToken cancellationToken)
    {
        var from = GuardianPrefix + first;
        var to = GuardianPrefix + last;
        var guardians = new Dictionary<string, Guardian>(StringComparer.Ordinal);
        await foreach (var e in storage.Table(StorageNames.GuardiansTable).QueryAsync<TableEntity>(
            x => x.PartitionKey == schoolId && x.RowKey.CompareTo(from) >= 0 && x.RowKey.CompareTo(to) <= 0, select: ["RowKey", "Json"], cancellationToken: cancellationToken))
        {
            guardians[e.RowKey[GuardianPrefix.Length..]] = JsonSerializer.Deserialize<Guardian>(e.GetString("Json")!, Json)!;
        }

        return guardians;
    }

    public async Task<IReadOnlyList<Guardian>> ListGuardiansAsync(string schoolId, CancellationToken cancellationToken)
    {
        var list = new List<Guardian>();
        var from = GuardianPrefix;
        var to = GuardianPrefix[..^1] + (char)(GuardianPrefix[^1] + 1);
        await foreach (var e in storage.Table(StorageNames.GuardiansTable).QueryAsync<TableEntity>(
            x => x.PartitionKey == schoolId && x.RowKey.CompareTo(from) >= 0 && x.RowKey.CompareTo(to) < 0, cancellationToken: cancellationToken))
        {
            list.Add(JsonSerializer.Deserialize<Guardian>(e.GetString("Json")!, Json)!);
        }

        return list;
    }

    /// <summary>Writes a document unless the stored one is identical, stamping when it changed.</summary>
    private async Task PutDocumentAsync<T>(string table, string partition, string row, T document, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(document, Json);
        var existing = await storage.Table(table).GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
        if (existing.HasValue && existing.Value!.GetString("Json") == json)
        {
            return;
        }

        var entity = new TableEntity(partition, row) { ["Json"] = json, ["UpdatedAt"] = time.GetUtcNow() };
        await storage.Table(table).UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    private async Task<T?> GetDocumentAsync<T>(string table, string partition, string row, CancellationToken cancellationToken)
        where T : class
    {
        var response = await storage.Table(table).GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
        return response.HasValue ? JsonSerializer.Deserialize<T>(response.Value!.GetString("Json")!, Json) : null;
    }

    private static string SchoolKey(string schoolId) => $"school|{schoolId}";

    private static string CounselorsKey(string schoolId) => $"counselors|{schoolId}";

    private static string GuardianKey(string schoolId, string guardianId) => $"guardian|{schoolId}|{guardianId}";

    /// <summary>192 random bits, URL-safe: unguessable, and per counsellor.</summary>
    private static string NewFeedKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
