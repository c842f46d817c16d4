using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Schools;

/// <summary>A counsellor of a school and when their settings last changed.</summary>
public sealed record CounselorEntry(string Id, CounselorSettings Counselor, DateTimeOffset UpdatedAt);

/// <summary>A guardian row as read for a roster import: the document, its stored text and stamp, its ETag, and the partition it is stored in.</summary>
public sealed record StoredGuardian(Guardian Guardian, string Json, DateTimeOffset? UpdatedAt, ETag ETag, string Partition);

/// <summary>A phone index row: the guardian the number belongs to.</summary>
public sealed record StoredIndex(string GuardianId, ETag ETag);

/// <summary>The school's guardians by id and its phone index by E.164 number, as one query read them.</summary>
public sealed record RosterSnapshot(IReadOnlyDictionary<string, StoredGuardian> Guardians, IReadOnlyDictionary<string, StoredIndex> Phones);

/// <summary>One guardian a roster import writes: replacing <see cref="Before"/> (null: a new row), and adding the phone index row when <see cref="AddIndex"/>.</summary>
public sealed record GuardianWrite(Guardian Guardian, StoredGuardian? Before, bool AddIndex);

/// <summary>A school document with its version (the row's ETag): a form that saves it names the version it was made from.</summary>
public sealed record VersionedSchool(SchoolSettings School, string Version);

/// <summary>The school was saved by someone else since the version a form was made from; nothing was written.</summary>
public sealed class StaleSchoolVersionException : Exception
{
    public StaleSchoolVersionException()
    {
    }

    public StaleSchoolVersionException(string message)
        : base(message)
    {
    }

    public StaleSchoolVersionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Another writer changed the school's guardians during a roster import; the import kept nothing.</summary>
public sealed class RosterWriteConflictException : Exception
{
    public RosterWriteConflictException()
    {
    }

    public RosterWriteConflictException(string message)
        : base(message)
    {
    }

    public RosterWriteConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

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
    private const string RosterLockRow = "lock:roster";

    /// <summary>Rows per entity-group transaction: the Table service's limit.</summary>
    public const int BatchSize = 100;

    /// <summary>
    /// Guardians and their phone index rows are spread over 2^<see cref="BucketBits"/> buckets per school,
    /// partition <c>{schoolId}~{bb}</c> with bb the top <see cref="BucketBits"/> bits of the guardian id's
    /// first byte as two hex digits (00, 08, 10, … f8; see <see cref="NewGuardianId"/>): one partition takes
    /// only so many writes a second (Table Storage targets 2,000 entities/s; Azurite's cost per insert grows
    /// with its partition), so a 10,000-student roster in one partition could never import in seconds. 32
    /// buckets, not 16: on Azurite the same 18,000 rows went in about a third faster (docs/benchmarks.md), and
    /// a school's listing is still one range query. School ids are lower-case letters, digits and '-'
    /// (<see cref="Scheduling.SchoolAdmin"/>), never '~', so <c>{schoolId}~00</c>..<c>{schoolId}~f8</c> holds
    /// one school's buckets and nothing else. Guardians stored before the buckets stay in the partition named
    /// by the school id and are found, listed, changed and erased there; the roster lock row stays there too.
    /// </summary>
    public const int BucketBits = 5;

    private const char BucketSeparator = '~';

    private const byte BucketMask = unchecked((byte)(0xFF << (8 - BucketBits)));

    /// <summary>How long what a school has in the old single partition is trusted (see <see cref="MayHaveLegacyAsync"/>).</summary>
    private static readonly TimeSpan LegacyCheckFor = TimeSpan.FromMinutes(10);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (bool Any, DateTimeOffset CheckedAt)> _legacy = new(StringComparer.Ordinal);

    /// <summary>Roster transactions sent at once: overlaps round trips, each to another bucket where it can.</summary>
    public const int TransactionsInFlight = 4;

    private readonly RecentReads _recent = new(time);

    private readonly Outreach.CampaignDueIndex _due = new(storage);

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

        // Terms, blackouts and sending hours decide when campaigns are made and waves go: the dispatcher looks again.
        await _due.MarkAsync(schoolId, NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow()), cancellationToken);
    }

    /// <summary>
    /// Stores the school only if it is still at <paramref name="version"/> (as <see cref="GetSchoolVersionedAsync"/>
    /// read it): a stale form never overwrites a newer save. Saving what is already stored writes nothing.
    /// </summary>
    /// <exception cref="StaleSchoolVersionException">The school changed (or was removed) since that version.</exception>
    public async Task PutSchoolAsync(string schoolId, SchoolSettings school, string version, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.SchoolsTable);
        try
        {
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(SchoolPartition, schoolId, cancellationToken: cancellationToken);
            if (!existing.HasValue || existing.Value!.ETag.ToString() != version)
            {
                throw new StaleSchoolVersionException($"School {schoolId} changed since version {version}.");
            }

            var json = JsonSerializer.Serialize(school, Json);
            if (existing.Value.GetString("Json") == json)
            {
                return;
            }

            var entity = new TableEntity(SchoolPartition, schoolId) { ["Json"] = json, ["UpdatedAt"] = time.GetUtcNow() };
            await table.UpdateEntityAsync(entity, new ETag(version), TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            throw new StaleSchoolVersionException($"School {schoolId} changed since version {version}.", ex);
        }
        finally
        {
            _recent.Forget(SchoolKey(schoolId));
        }

        // As for the JSON route: a term, blackout or sending hour changed on a page counts for the dispatcher too.
        await _due.MarkAsync(schoolId, NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow()), cancellationToken);
    }

    /// <summary>The school with its version, for a form that saves it back (<see cref="PutSchoolAsync(string, SchoolSettings, string, CancellationToken)"/>).</summary>
    public async Task<VersionedSchool?> GetSchoolVersionedAsync(string schoolId, CancellationToken cancellationToken)
    {
        var row = await storage.Table(StorageNames.SchoolsTable).GetEntityIfExistsAsync<TableEntity>(SchoolPartition, schoolId, cancellationToken: cancellationToken);
        return row.HasValue ? new VersionedSchool(JsonSerializer.Deserialize<SchoolSettings>(row.Value!.GetString("Json")!, Json)!, row.Value.ETag.ToString()) : null;
    }

    public Task<SchoolSettings?> GetSchoolAsync(string schoolId, CancellationToken cancellationToken) =>
        GetDocumentAsync<SchoolSettings>(StorageNames.SchoolsTable, SchoolPartition, schoolId, cancellationToken);

    /// <summary>The school as read within <see cref="RecentReads.For"/>: for a parent's link and what follows a booking, not for admin work.</summary>
    public Task<SchoolSettings?> GetSchoolRecentAsync(string schoolId, CancellationToken cancellationToken) =>
        _recent.GetAsync(SchoolKey(schoolId), ct => GetSchoolAsync(schoolId, ct), cancellationToken);

    /// <summary>The school's counsellors as read within <see cref="RecentReads.For"/>: for a parent's link and what follows a booking, not for admin work.</summary>
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

    /// <summary>
    /// Stores a counsellor's settings; the private feed key is created the first time and kept across updates.
    /// With <paramref name="ifVersion"/> (a <see cref="CounselorVersion"/> read earlier) the write happens only
    /// while the stored settings are still that version, checked under the row's ETag, so a stale form never
    /// overwrites a newer save; false then, and nothing is written.
    /// </summary>
    public async Task<bool> PutCounselorAsync(string schoolId, string counselorId, CounselorSettings counselor, CancellationToken cancellationToken, string? ifVersion = null)
    {
        try
        {
            return await StoreCounselorAsync(schoolId, counselorId, counselor, ifVersion, cancellationToken);
        }
        finally
        {
            _recent.Forget(CounselorsKey(schoolId));
        }
    }

    /// <summary>The counsellor's settings with their version (for a guarded write), or null.</summary>
    public async Task<(CounselorSettings Counselor, string Version)?> GetCounselorVersionedAsync(string schoolId, string counselorId, CancellationToken cancellationToken)
    {
        var row = await storage.Table(StorageNames.CounselorsTable).GetEntityIfExistsAsync<TableEntity>(schoolId, counselorId, cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetString("Json") is { } json
            ? (JsonSerializer.Deserialize<CounselorSettings>(json, Json)!, CounselorVersion(json))
            : null;
    }

    /// <summary>
    /// The version of stored counsellor settings: a digest of their JSON, so it changes with the settings and
    /// not with the feed key (rotating the feed link does not make an open schedule form stale).
    /// </summary>
    public static string CounselorVersion(string json) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..20];

    private async Task<bool> StoreCounselorAsync(string schoolId, string counselorId, CounselorSettings counselor, string? ifVersion, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.CounselorsTable);
        var json = JsonSerializer.Serialize(counselor, Json);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(schoolId, counselorId, cancellationToken: cancellationToken);
        if (ifVersion is not null && (!existing.HasValue || existing.Value!.GetString("Json") is not { } storedJson || CounselorVersion(storedJson) != ifVersion))
        {
            return false;
        }

        if (!existing.HasValue || existing.Value!.GetString("Json") != json)
        {
            // UpdatedAt moves only when the settings change: it is the DTSTAMP of the counsellor's open slots.
            var entity = new TableEntity(schoolId, counselorId) { ["Json"] = json, ["UpdatedAt"] = time.GetUtcNow() };
            if (ifVersion is null)
            {
                await table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken);
            }
            else
            {
                try
                {
                    await table.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Merge, cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                {
                    return false;
                }
            }
        }

        while (true)
        {
            var stored = await table.GetEntityAsync<TableEntity>(schoolId, counselorId, cancellationToken: cancellationToken);
            if (!string.IsNullOrEmpty(stored.Value.GetString("FeedKey")))
            {
                return true;
            }

            try
            {
                await table.UpdateEntityAsync(new TableEntity(schoolId, counselorId) { ["FeedKey"] = NewFeedKey() }, stored.Value.ETag, TableUpdateMode.Merge, cancellationToken);
                return true;
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
    /// Stores a guardian keyed by phone number: the first time a number is seen it gets a new random id in
    /// the number's bucket (<see cref="NewGuardianId"/>), later writes update the same guardian where it is
    /// stored (a guardian of the old single-partition layout stays there).
    /// </summary>
    /// <returns>The guardian as stored and whether it was new.</returns>
    public async Task<(Guardian Guardian, bool Created)> UpsertGuardianAsync(string schoolId, string phone, string name, string language, IReadOnlyList<Student> students, CancellationToken cancellationToken)
    {
        var table = GuardiansTable;
        var indexKey = PhoneIndexPrefix + phone;
        var index = await ReadPhoneIndexAsync(schoolId, phone, cancellationToken);
        var created = false;
        if (index is null)
        {
            var candidateId = NewGuardianId(schoolId, phone);
            var bucket = PhonePartition(schoolId, phone);
            try
            {
                await table.AddEntityAsync(new TableEntity(bucket, indexKey) { ["GuardianId"] = candidateId }, cancellationToken);
                created = true;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                index = (await table.GetEntityAsync<TableEntity>(bucket, indexKey, cancellationToken: cancellationToken)).Value;
            }

            index ??= new TableEntity(bucket, indexKey) { ["GuardianId"] = candidateId };
        }

        var id = index.GetString("GuardianId")!;
        var guardian = new Guardian(id, schoolId, phone, name, language, students);
        try
        {
            var partition = created ? GuardianHome(schoolId, id) : (await ReadGuardianRowAsync(schoolId, id, index.PartitionKey, cancellationToken))?.PartitionKey ?? GuardianHome(schoolId, id);
            await PutDocumentAsync(StorageNames.GuardiansTable, partition, GuardianPrefix + id, guardian, cancellationToken);
        }
        finally
        {
            _recent.Forget(GuardianKey(schoolId, id));
        }

        return (guardian, created);
    }

    /// <summary>
    /// The school's guardians and phone index as stored, with their ETags and partitions: one query of the
    /// school's buckets and one of the old single partition (run together), the starting point of a roster import.
    /// </summary>
    public async Task<RosterSnapshot> ReadRosterAsync(string schoolId, CancellationToken cancellationToken)
    {
        var phones = new Dictionary<string, StoredIndex>(StringComparer.Ordinal);
        var guardians = new Dictionary<string, StoredGuardian>(StringComparer.Ordinal);
        var table = GuardiansTable;
        var checkedAt = time.GetUtcNow();
        var (first, last) = BucketRange(schoolId);
        var bucketed = CollectAsync(table.QueryAsync<TableEntity>(x => x.PartitionKey.CompareTo(first) >= 0 && x.PartitionKey.CompareTo(last) <= 0, cancellationToken: cancellationToken));
        var old = CollectAsync(table.QueryAsync<TableEntity>(x => x.PartitionKey == schoolId, cancellationToken: cancellationToken));
        await Task.WhenAll(bucketed, old);
        var legacyGuardians = false;

        // Old-layout rows first, so a bucketed row would win if a number were ever in both.
        foreach (var e in (await old).Concat(await bucketed))
        {
            if (e.RowKey.StartsWith(PhoneIndexPrefix, StringComparison.Ordinal))
            {
                phones[e.RowKey[PhoneIndexPrefix.Length..]] = new StoredIndex(e.GetString("GuardianId")!, e.ETag);
            }
            else if (e.RowKey.StartsWith(GuardianPrefix, StringComparison.Ordinal) && e.GetString("Json") is { } json)
            {
                legacyGuardians |= e.PartitionKey == schoolId;
                guardians[e.RowKey[GuardianPrefix.Length..]] = new StoredGuardian(JsonSerializer.Deserialize<Guardian>(json, Json)!, json, e.GetDateTimeOffset("UpdatedAt"), e.ETag, e.PartitionKey);
            }
        }

        NoteLegacy(schoolId, legacyGuardians, checkedAt);
        return new RosterSnapshot(guardians, phones);
    }

    /// <summary>The JSON a guardian is stored as: equal text means nothing changed, so nothing is written.</summary>
    public static string Serialize(Guardian guardian) => JsonSerializer.Serialize(guardian, Json);

    /// <summary>
    /// Writes a roster import's guardians as one unit: new phone index rows and guardians are added (409 if
    /// another writer made them meanwhile), changed guardians replaced where they are stored under the ETag
    /// they were read with (412 if changed meanwhile). Entity-group transactions hold one partition, so the
    /// rows are grouped by partition (a new guardian and its index row share their bucket), cut into
    /// transactions of up to 100, and sent <see cref="TransactionsInFlight"/> at a time, taking the buckets
    /// in turn. A transaction that fails writes nothing of itself, and the transactions committed before it
    /// are undone (their rows put back as read, again under ETags) before the error is thrown, so a failed
    /// import leaves the roster as it was. Only an undo that fails too (storage gone mid-way) can leave part
    /// of an import; importing the file again then completes it.
    /// </summary>
    /// <exception cref="RosterWriteConflictException">Another writer changed a row of this import; nothing of it was kept.</exception>
    public async Task ApplyRosterAsync(string schoolId, IReadOnlyList<GuardianWrite> writes, CancellationToken cancellationToken)
    {
        var table = GuardiansTable;
        var now = time.GetUtcNow();
        var actions = new List<(TableTransactionAction Action, StoredGuardian? Before)>();
        foreach (var write in writes)
        {
            var id = write.Guardian.Id;
            if (write.AddIndex)
            {
                actions.Add((new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(PhonePartition(schoolId, write.Guardian.Phone), PhoneIndexPrefix + write.Guardian.Phone) { ["GuardianId"] = id }), null));
            }

            var entity = new TableEntity(write.Before?.Partition ?? GuardianHome(schoolId, id), GuardianPrefix + id) { ["Json"] = Serialize(write.Guardian), ["UpdatedAt"] = now };
            actions.Add(write.Before is { } before
                ? (new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, before.ETag), before)
                : (new TableTransactionAction(TableTransactionActionType.Add, entity), null));
        }

        var committed = new List<(TableEntity Written, ETag ETag, StoredGuardian? Before)>();
        var chunks = Transactions(actions, a => a.Action.Entity.PartitionKey);
        Exception? failure = null;
        var next = -1;

        // A few transactions in flight at once (each is one round trip); after a failure no new one starts,
        // and those in flight are awaited, so every committed one is known and undone.
        async Task SubmitAsync()
        {
            while (Volatile.Read(ref failure) is null)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= chunks.Count)
                {
                    return;
                }

                var chunk = chunks[index];
                try
                {
                    var response = await table.SubmitTransactionAsync(chunk.Select(a => a.Action), cancellationToken);
                    lock (committed)
                    {
                        for (var i = 0; i < chunk.Length; i++)
                        {
                            var etag = i < response.Value.Count ? response.Value[i].Headers.ETag ?? ETag.All : ETag.All;
                            committed.Add(((TableEntity)chunk[i].Action.Entity, etag, chunk[i].Before));
                        }
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref failure, ex, null);
                    return;
                }
            }
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Min(TransactionsInFlight, chunks.Count)).Select(_ => SubmitAsync()));
            if (failure is not null)
            {
                try
                {
                    await UndoAsync(table, committed);
                }
                catch (Exception undoFailed)
                {
                    throw new AggregateException("A roster import failed and undoing its committed transactions failed too; importing the file again completes it.", failure, undoFailed);
                }

                if (failure is RequestFailedException { Status: 409 or 412 } conflict)
                {
                    throw new RosterWriteConflictException("A guardian of this roster was changed by another writer during the import; nothing of the import was kept.", conflict);
                }

                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }
        finally
        {
            foreach (var write in writes)
            {
                _recent.Forget(GuardianKey(schoolId, write.Guardian.Id));
            }
        }
    }

    /// <summary>
    /// Items cut into entity-group transactions: grouped by partition (in the order the partitions first
    /// appear), up to <see cref="BatchSize"/> each, and the partitions taken in turn, so transactions in
    /// flight together go to different partitions (each partition has its own throughput).
    /// </summary>
    public static List<T[]> Transactions<T>(IEnumerable<T> items, Func<T, string> partitionOf)
    {
        var perPartition = items.GroupBy(partitionOf, StringComparer.Ordinal).Select(g => g.Chunk(BatchSize).ToArray()).ToList();
        var interleaved = new List<T[]>();
        for (var round = 0; interleaved.Count < perPartition.Sum(p => p.Length); round++)
        {
            interleaved.AddRange(perPartition.Where(p => round < p.Length).Select(p => p[round]));
        }

        return interleaved;
    }

    /// <summary>
    /// Puts back what committed transactions of a failed import wrote: added rows deleted, replaced guardians
    /// restored, each under the ETag its write returned, in transactions of one partition each. Not
    /// cancellable: it runs because something failed.
    /// </summary>
    private static async Task UndoAsync(TableClient table, List<(TableEntity Written, ETag ETag, StoredGuardian? Before)> committed)
    {
        var undo = committed.Select(c => c.Before is { } before
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity(c.Written.PartitionKey, c.Written.RowKey) { ["Json"] = before.Json, ["UpdatedAt"] = before.UpdatedAt }, c.ETag)
            : new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(c.Written.PartitionKey, c.Written.RowKey), c.ETag));
        foreach (var chunk in Transactions(undo, a => a.Entity.PartitionKey))
        {
            await table.SubmitTransactionAsync(chunk, CancellationToken.None);
        }
    }

    /// <summary>
    /// Holds the school's roster lock: one import at a time per school, so two imports of the same file
    /// both succeed, the second after the first (and finds nothing left to do). The lock is a row with a
    /// lease (taken with Add, taken over under its ETag once the lease has run out, so an instance that
    /// died holding it blocks imports for at most <paramref name="lease"/>); a caller waits for it up to
    /// <paramref name="wait"/>, then gets null.
    /// </summary>
    public async Task<IAsyncDisposable?> LockRosterAsync(string schoolId, TimeSpan lease, TimeSpan wait, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.GuardiansTable);
        var owner = NewId();
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            var entity = new TableEntity(schoolId, RosterLockRow) { ["Owner"] = owner, ["Until"] = time.GetUtcNow() + lease };
            try
            {
                var added = await table.AddEntityAsync(entity, cancellationToken);
                return new RosterLock(table, schoolId, added.Headers.ETag ?? ETag.All);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                var held = await table.GetEntityIfExistsAsync<TableEntity>(schoolId, RosterLockRow, cancellationToken: cancellationToken);
                if (held.HasValue && held.Value!.GetDateTimeOffset("Until") is { } until && until <= time.GetUtcNow())
                {
                    try
                    {
                        var taken = await table.UpdateEntityAsync(entity, held.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                        return new RosterLock(table, schoolId, taken.Headers.ETag ?? ETag.All);
                    }
                    catch (RequestFailedException lost) when (lost.Status is 404 or 412)
                    {
                        // Released or taken over by another import meanwhile: try again.
                    }
                }
            }

            if (time.GetUtcNow() >= deadline)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }
    }

    private sealed class RosterLock(TableClient table, string schoolId, ETag etag) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await table.DeleteEntityAsync(schoolId, RosterLockRow, etag, CancellationToken.None);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // The lease ran out and another import holds the lock now: it is theirs to release.
            }
        }
    }

    /// <summary>The school's guardian with this phone number, if any: a point read of the number's index row, then one of the guardian.</summary>
    public async Task<Guardian?> FindGuardianByPhoneAsync(string schoolId, string phone, CancellationToken cancellationToken)
    {
        var index = await ReadPhoneIndexAsync(schoolId, phone, cancellationToken);
        return index is not null && await ReadGuardianRowAsync(schoolId, index.GetString("GuardianId")!, index.PartitionKey, cancellationToken) is { } row
            ? Deserialize(row)
            : null;
    }

    /// <summary>The school's guardian with this id (a point read in the id's bucket; one more only for a school that has old-layout guardians).</summary>
    public async Task<Guardian?> GetGuardianAsync(string schoolId, string guardianId, CancellationToken cancellationToken) =>
        await ReadGuardianRowAsync(schoolId, guardianId, null, cancellationToken) is { } row ? Deserialize(row) : null;

    /// <summary>
    /// Changes one guardian under the ETag it was read with, reading again when another writer (a roster
    /// import, another reply) came first; <paramref name="change"/> may run more than once and must only
    /// derive the new document from the one it is given. Nothing is written when the result is unchanged.
    /// The guardian is written where it is stored (its bucket, or the old single partition).
    /// </summary>
    /// <returns>The guardian as stored afterwards; null when there is no such guardian.</returns>
    public async Task<Guardian?> UpdateGuardianAsync(string schoolId, string guardianId, Func<Guardian, Guardian> change, CancellationToken cancellationToken)
    {
        var table = GuardiansTable;
        try
        {
            while (true)
            {
                var row = await ReadGuardianRowAsync(schoolId, guardianId, null, cancellationToken);
                if (row?.GetString("Json") is not { } json)
                {
                    return null;
                }

                var after = change(JsonSerializer.Deserialize<Guardian>(json, Json)!);
                var text = Serialize(after);
                if (text == json)
                {
                    return after;
                }

                try
                {
                    var entity = new TableEntity(row.PartitionKey, GuardianPrefix + guardianId) { ["Json"] = text, ["UpdatedAt"] = time.GetUtcNow() };
                    await table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken);
                    return after;
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                {
                    // Changed or erased meanwhile: read again.
                }
            }
        }
        finally
        {
            _recent.Forget(GuardianKey(schoolId, guardianId));
        }
    }

    /// <summary>
    /// Deletes the guardian and its phone index row in one transaction (a guardian and its index row share a
    /// partition: its bucket, or the old single partition), so an erasure never leaves a number indexed
    /// without its guardian or the other way round. A later import of the same number makes a new guardian
    /// with a new id. (Only a guardian written beside an index row left over without its guardian can sit
    /// in another partition than that row; then the guardian goes first, and the row after it.)
    /// </summary>
    public async Task DeleteGuardianAsync(string schoolId, Guardian guardian, CancellationToken cancellationToken)
    {
        var table = GuardiansTable;
        var index = await ReadPhoneIndexAsync(schoolId, guardian.Phone, cancellationToken);
        var row = await ReadGuardianRowAsync(schoolId, guardian.Id, index?.PartitionKey, cancellationToken);
        var partition = row?.PartitionKey ?? GuardianHome(schoolId, guardian.Id);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, new TableEntity(partition, GuardianPrefix + guardian.Id), ETag.All) };
        TableTransactionAction? indexDelete = index is not null && index.GetString("GuardianId") == guardian.Id
            ? new TableTransactionAction(TableTransactionActionType.Delete, index, index.ETag)
            : null;
        if (indexDelete is not null && index!.PartitionKey == partition)
        {
            actions.Add(indexDelete);
            indexDelete = null;
        }

        await table.SubmitTransactionAsync(actions, cancellationToken);
        if (indexDelete is not null)
        {
            await table.SubmitTransactionAsync([indexDelete], cancellationToken);
        }

        _recent.Forget(GuardianKey(schoolId, guardian.Id));
    }

    /// <summary>
    /// The guardians whose ids lie between <paramref name="first"/> and <paramref name="last"/> (inclusive),
    /// by id: one range query per bucket the range spans (sorted ids of a campaign batch span one or two), run
    /// together, and one of the old single partition for a school that has old-layout guardians.
    /// </summary>
    public async Task<Dictionary<string, Guardian>> GuardiansBetweenAsync(string schoolId, string first, string last, CancellationToken cancellationToken)
    {
        var from = GuardianPrefix + first;
        var to = GuardianPrefix + last;
        var table = GuardiansTable;
        // An id's bucket is the top bits of its first byte, so ids from first to last lie in the buckets between theirs.
        var (lowest, highest) = (IdBucket(first) ?? 0, IdBucket(last) ?? BucketMask);
        var partitions = Buckets()
            .Where(b => b >= lowest && b <= highest)
            .Select(b => BucketPartition(schoolId, b))
            .ToList();
        if (await MayHaveLegacyAsync(schoolId, cancellationToken))
        {
            partitions.Add(schoolId);
        }

        var reads = partitions.Select(p => CollectAsync(table.QueryAsync<TableEntity>(
            x => x.PartitionKey == p && x.RowKey.CompareTo(from) >= 0 && x.RowKey.CompareTo(to) <= 0, select: ["RowKey", "Json"], cancellationToken: cancellationToken))).ToList();
        var guardians = new Dictionary<string, Guardian>(StringComparer.Ordinal);
        foreach (var e in (await Task.WhenAll(reads)).SelectMany(rows => rows))
        {
            guardians[e.RowKey[GuardianPrefix.Length..]] = JsonSerializer.Deserialize<Guardian>(e.GetString("Json")!, Json)!;
        }

        return guardians;
    }

    /// <summary>The school's guardians, by id: one query over its buckets and one of the old single partition, run together.</summary>
    public async Task<IReadOnlyList<Guardian>> ListGuardiansAsync(string schoolId, CancellationToken cancellationToken)
    {
        var from = GuardianPrefix;
        var to = GuardianPrefix[..^1] + (char)(GuardianPrefix[^1] + 1);
        var (first, last) = BucketRange(schoolId);
        var table = GuardiansTable;
        var checkedAt = time.GetUtcNow();
        var bucketed = CollectAsync(table.QueryAsync<TableEntity>(
            x => x.PartitionKey.CompareTo(first) >= 0 && x.PartitionKey.CompareTo(last) <= 0 && x.RowKey.CompareTo(from) >= 0 && x.RowKey.CompareTo(to) < 0, cancellationToken: cancellationToken));
        var old = CollectAsync(table.QueryAsync<TableEntity>(
            x => x.PartitionKey == schoolId && x.RowKey.CompareTo(from) >= 0 && x.RowKey.CompareTo(to) < 0, cancellationToken: cancellationToken));
        await Task.WhenAll(bucketed, old);
        NoteLegacy(schoolId, (await old).Count > 0, checkedAt);
        return [.. (await old).Concat(await bucketed).Select(Deserialize).OrderBy(g => g.Id, StringComparer.Ordinal)];
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

    private TableClient GuardiansTable => storage.Table(StorageNames.GuardiansTable);

    /// <summary>
    /// The number's phone index row, in its bucket, or in the old single partition for a school that may
    /// still have rows there; null when the school has no guardian with this number.
    /// </summary>
    private async Task<TableEntity?> ReadPhoneIndexAsync(string schoolId, string phone, CancellationToken cancellationToken)
    {
        var table = GuardiansTable;
        var index = await table.GetEntityIfExistsAsync<TableEntity>(PhonePartition(schoolId, phone), PhoneIndexPrefix + phone, cancellationToken: cancellationToken);
        if (index.HasValue)
        {
            return index.Value;
        }

        if (!await MayHaveLegacyAsync(schoolId, cancellationToken))
        {
            return null;
        }

        var old = await table.GetEntityIfExistsAsync<TableEntity>(schoolId, PhoneIndexPrefix + phone, cancellationToken: cancellationToken);
        return old.HasValue ? old.Value : null;
    }

    /// <summary>
    /// The guardian's row wherever it is stored: its id's bucket, else the old single partition (only read
    /// for a school that may still have rows there). <paramref name="near"/>, the partition of the index row
    /// that named the guardian, is read first.
    /// </summary>
    private async Task<TableEntity?> ReadGuardianRowAsync(string schoolId, string guardianId, string? near, CancellationToken cancellationToken)
    {
        var table = GuardiansTable;
        var home = IdPartition(schoolId, guardianId);
        string?[] order = near == schoolId ? [schoolId, home] : [home, schoolId];
        foreach (var partition in order)
        {
            if (partition is null || (partition == schoolId && !await MayHaveLegacyAsync(schoolId, cancellationToken)))
            {
                continue;
            }

            var row = await table.GetEntityIfExistsAsync<TableEntity>(partition, GuardianPrefix + guardianId, cancellationToken: cancellationToken);
            if (row.HasValue)
            {
                return row.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the school may still have guardians of the old layout (all in one partition named by the
    /// school id, as written before the buckets). A miss in the buckets reads there only when it may: a
    /// number unknown to a school (an inbound message is looked up in every school) then costs one point read,
    /// not two. What was found is kept for <see cref="LegacyCheckFor"/> per school: this code never writes the
    /// old layout, so "none" can only turn stale while an instance of the previous release is still running
    /// (a deployment), and "some" turning stale costs only the extra read.
    /// </summary>
    private async ValueTask<bool> MayHaveLegacyAsync(string schoolId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_legacy.TryGetValue(schoolId, out var known) && now - known.CheckedAt < LegacyCheckFor)
        {
            return known.Any;
        }

        var from = GuardianPrefix;
        var to = GuardianPrefix[..^1] + (char)(GuardianPrefix[^1] + 1);
        var any = false;
        await foreach (var _ in GuardiansTable.QueryAsync<TableEntity>(x => x.PartitionKey == schoolId && x.RowKey.CompareTo(from) >= 0 && x.RowKey.CompareTo(to) < 0, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            any = true;
            break;
        }

        NoteLegacy(schoolId, any, now);
        return any;
    }

    private void NoteLegacy(string schoolId, bool any, DateTimeOffset checkedAt) => _legacy[schoolId] = (any, checkedAt);

    private static async Task<List<TableEntity>> CollectAsync(AsyncPageable<TableEntity> query)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in query)
        {
            rows.Add(e);
        }

        return rows;
    }

    private static Guardian Deserialize(TableEntity row) => JsonSerializer.Deserialize<Guardian>(row.GetString("Json")!, Json)!;

    /// <summary>The partition of a bucket of the school's guardians: the school id, '~', the bucket as two hex digits.</summary>
    public static string BucketPartition(string schoolId, byte bucket) => $"{schoolId}{BucketSeparator}{bucket & BucketMask:x2}";

    /// <summary>The first and the last of the school's bucket partitions: a range holding all of them and nothing else.</summary>
    public static (string First, string Last) BucketRange(string schoolId) => (BucketPartition(schoolId, 0), BucketPartition(schoolId, BucketMask));

    /// <summary>The bucket of a number in a school: the top <see cref="BucketBits"/> bits of SHA-256 of school id and number.</summary>
    public static byte PhoneBucket(string schoolId, string phone) =>
        (byte)(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(schoolId + "\n" + phone))[0] & BucketMask);

    private static IEnumerable<byte> Buckets() => Enumerable.Range(0, 1 << BucketBits).Select(i => (byte)(i << (8 - BucketBits)));

    private static string PhonePartition(string schoolId, string phone) => BucketPartition(schoolId, PhoneBucket(schoolId, phone));

    /// <summary>The bucket an id names (the top bits of the byte its first two lower-case hex digits spell), or null for an id that names none.</summary>
    private static byte? IdBucket(string guardianId) =>
        guardianId.Length >= 2 && IsHex(guardianId[0]) && IsHex(guardianId[1])
            ? (byte)(Convert.FromHexString(guardianId.AsSpan(0, 2))[0] & BucketMask)
            : null;

    private static bool IsHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f');

    /// <summary>The bucket partition an id names, or null for an id that names none.</summary>
    private static string? IdPartition(string schoolId, string guardianId) =>
        IdBucket(guardianId) is { } bucket ? BucketPartition(schoolId, bucket) : null;

    /// <summary>Where a guardian not stored yet is written: its id's bucket (an id naming none, which this code never makes, the old partition).</summary>
    private static string GuardianHome(string schoolId, string guardianId) => IdPartition(schoolId, guardianId) ?? schoolId;

    private static string SchoolKey(string schoolId) => $"school|{schoolId}";

    private static string CounselorsKey(string schoolId) => $"counselors|{schoolId}";

    private static string GuardianKey(string schoolId, string guardianId) => $"guardian|{schoolId}|{guardianId}";

    /// <summary>192 random bits, URL-safe: unguessable, and per counsellor.</summary>
    private static string NewFeedKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// A new guardian's id: 8 random bytes as 16 hex digits, but the top <see cref="BucketBits"/> bits of
    /// the first byte are the number's bucket (<see cref="PhoneBucket"/>). So the id names the guardian's
    /// partition (one point read) and the guardian lands beside its phone index row. The id carries five
    /// bits of a hash of school and number, which tell nothing usable about the number (one in 32 of all
    /// numbers shares them); the other 59 bits are random and keep it unguessable.
    /// </summary>
    public static string NewGuardianId(string schoolId, string phone)
    {
        var bytes = RandomNumberGenerator.GetBytes(8);
        bytes[0] = (byte)(PhoneBucket(schoolId, phone) | (bytes[0] & ~BucketMask));
        return Convert.ToHexStringLower(bytes);
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
