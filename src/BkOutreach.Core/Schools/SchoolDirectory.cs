using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Schools;

/// <summary>A counsellor of a school and when their settings last changed.</summary>
public sealed record CounselorEntry(string Id, CounselorSettings Counselor, DateTimeOffset UpdatedAt);

/// <summary>A guardian row as read for a roster import: the document, its stored text and stamp, and its ETag.</summary>
public sealed record StoredGuardian(Guardian Guardian, string Json, DateTimeOffset? UpdatedAt, ETag ETag);

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

    /// <summary>Roster transactions sent at once: overlaps round trips without crowding the partition.</summary>
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
    }

    /// <summary>The school with its version, for a form that saves it back (<see cref="PutSchoolAsync(string, SchoolSettings, string, CancellationToken)"/>).</summary>
    public async Task<VersionedSchool?> GetSchoolVersionedAsync(string schoolId, CancellationToken cancellationToken)
    {
        var row = await storage.Table(StorageNames.SchoolsTable).GetEntityIfExistsAsync<TableEntity>(SchoolPartition, schoolId, cancellationToken: cancellationToken);
        return row.HasValue ? new VersionedSchool(JsonSerializer.Deserialize<SchoolSettings>(row.Value!.GetString("Json")!, Json)!, row.Value.ETag.ToString()) : null;
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
    /// The school's guardians and phone index as stored, with their ETags: one query of the school's
    /// partition, the starting point of a roster import.
    /// </summary>
    public async Task<RosterSnapshot> ReadRosterAsync(string schoolId, CancellationToken cancellationToken)
    {
        var phones = new Dictionary<string, StoredIndex>(StringComparer.Ordinal);
        var guardians = new Dictionary<string, StoredGuardian>(StringComparer.Ordinal);
        await foreach (var e in storage.Table(StorageNames.GuardiansTable).QueryAsync<TableEntity>(x => x.PartitionKey == schoolId, cancellationToken: cancellationToken))
        {
            if (e.RowKey.StartsWith(PhoneIndexPrefix, StringComparison.Ordinal))
            {
                phones[e.RowKey[PhoneIndexPrefix.Length..]] = new StoredIndex(e.GetString("GuardianId")!, e.ETag);
            }
            else if (e.RowKey.StartsWith(GuardianPrefix, StringComparison.Ordinal) && e.GetString("Json") is { } json)
            {
                guardians[e.RowKey[GuardianPrefix.Length..]] = new StoredGuardian(JsonSerializer.Deserialize<Guardian>(json, Json)!, json, e.GetDateTimeOffset("UpdatedAt"), e.ETag);
            }
        }

        return new RosterSnapshot(guardians, phones);
    }

    /// <summary>The JSON a guardian is stored as: equal text means nothing changed, so nothing is written.</summary>
    public static string Serialize(Guardian guardian) => JsonSerializer.Serialize(guardian, Json);

    /// <summary>
    /// Writes a roster import's guardians as one unit: new phone index rows and guardians are added (409 if
    /// another writer made them meanwhile), changed guardians replaced under the ETag they were read with
    /// (412 if changed meanwhile), in entity-group transactions of up to 100 rows (the school is one
    /// partition), <see cref="TransactionsInFlight"/> at a time. A transaction that fails writes nothing of
    /// itself, and the transactions committed before it are undone (their rows put back as read, again under ETags) before the error is thrown, so a
    /// failed import leaves the roster as it was. Only an undo that fails too (storage gone mid-way) can
    /// leave part of an import; importing the file again then completes it.
    /// </summary>
    /// <exception cref="RosterWriteConflictException">Another writer changed a row of this import; nothing of it was kept.</exception>
    public async Task ApplyRosterAsync(string schoolId, IReadOnlyList<GuardianWrite> writes, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.GuardiansTable);
        var now = time.GetUtcNow();
        var actions = new List<(TableTransactionAction Action, StoredGuardian? Before)>();
        foreach (var write in writes)
        {
            var id = write.Guardian.Id;
            if (write.AddIndex)
            {
                actions.Add((new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(schoolId, PhoneIndexPrefix + write.Guardian.Phone) { ["GuardianId"] = id }), null));
            }

            var entity = new TableEntity(schoolId, GuardianPrefix + id) { ["Json"] = Serialize(write.Guardian), ["UpdatedAt"] = now };
            actions.Add(write.Before is { } before
                ? (new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, before.ETag), before)
                : (new TableTransactionAction(TableTransactionActionType.Add, entity), null));
        }

        var committed = new List<(TableEntity Written, ETag ETag, StoredGuardian? Before)>();
        var chunks = actions.Chunk(BatchSize).ToArray();
        Exception? failure = null;
        var next = -1;

        // A few transactions in flight at once (each is one round trip); after a failure no new one starts,
        // and those in flight are awaited, so every committed one is known and undone.
        async Task SubmitAsync()
        {
            while (Volatile.Read(ref failure) is null)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= chunks.Length)
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
            await Task.WhenAll(Enumerable.Range(0, Math.Min(TransactionsInFlight, chunks.Length)).Select(_ => SubmitAsync()));
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
    /// Puts back what committed transactions of a failed import wrote: added rows deleted, replaced guardians
    /// restored, each under the ETag its write returned. Not cancellable: it runs because something failed.
    /// </summary>
    private static async Task UndoAsync(TableClient table, List<(TableEntity Written, ETag ETag, StoredGuardian? Before)> committed)
    {
        var undo = committed.Select(c => c.Before is { } before
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity(c.Written.PartitionKey, c.Written.RowKey) { ["Json"] = before.Json, ["UpdatedAt"] = before.UpdatedAt }, c.ETag)
            : new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(c.Written.PartitionKey, c.Written.RowKey), c.ETag));
        foreach (var chunk in undo.Chunk(BatchSize))
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

    /// <summary>The school's guardian with this phone number, if any (one point read of the phone index).</summary>
    public async Task<Guardian?> FindGuardianByPhoneAsync(string schoolId, string phone, CancellationToken cancellationToken)
    {
        var index = await storage.Table(StorageNames.GuardiansTable).GetEntityIfExistsAsync<TableEntity>(schoolId, PhoneIndexPrefix + phone, cancellationToken: cancellationToken);
        return index.HasValue ? await GetGuardianAsync(schoolId, index.Value!.GetString("GuardianId")!, cancellationToken) : null;
    }

    public Task<Guardian?> GetGuardianAsync(string schoolId, string guardianId, CancellationToken cancellationToken) =>
        GetDocumentAsync<Guardian>(StorageNames.GuardiansTable, schoolId, GuardianPrefix + guardianId, cancellationToken);

    /// <summary>
    /// Changes one guardian under the ETag it was read with, reading again when another writer (a roster
    /// import, another reply) came first; <paramref name="change"/> may run more than once and must only
    /// derive the new document from the one it is given. Nothing is written when the result is unchanged.
    /// </summary>
    /// <returns>The guardian as stored afterwards; null when there is no such guardian.</returns>
    public async Task<Guardian?> UpdateGuardianAsync(string schoolId, string guardianId, Func<Guardian, Guardian> change, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.GuardiansTable);
        try
        {
            while (true)
            {
                var row = await table.GetEntityIfExistsAsync<TableEntity>(schoolId, GuardianPrefix + guardianId, cancellationToken: cancellationToken);
                if (!row.HasValue || row.Value!.GetString("Json") is not { } json)
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
                    var entity = new TableEntity(schoolId, GuardianPrefix + guardianId) { ["Json"] = text, ["UpdatedAt"] = time.GetUtcNow() };
                    await table.UpdateEntityAsync(entity, row.Value.ETag, TableUpdateMode.Replace, cancellationToken);
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

    /// <summary>A new guardian's id: random, carrying nothing about the number.</summary>
    internal static string NewGuardianId() => NewId();

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
