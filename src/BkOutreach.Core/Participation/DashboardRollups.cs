using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Core.Participation;

/// <summary>
/// The dashboard's roll-ups: counts kept up to date as facts are recorded, so a view reads a few rows instead of
/// the school's whole log.
/// <para>
/// Why counts kept on every fact and not a snapshot refreshed by a timer: a snapshot needs the whole log read
/// for each refresh (seconds per school, on every school, whether or not anyone looks) and shows numbers that
/// are behind the log until the next refresh; counts moved by each new fact cost a few round trips per fact
/// (on the recording path, which already writes one row per fact) and are exact at every moment.
/// </para>
/// <para>
/// Layout (table <see cref="StorageNames.DashboardRollupsTable"/>): a school's guardians are spread over
/// <see cref="Shards"/> shards by a hash of their id; each shard is one partition holding, per guardian, a ledger
/// row (the guardian's facts, and the cells they currently add — <see cref="DashboardRollupCells"/>) and, per view
/// (the school, each counsellor), one counter row with the sum of the cells of the shard's guardians. A fact
/// updates its guardian's ledger and the shard's counter rows in one entity-group transaction guarded by ETags:
/// two instances recording at once for guardians of the same shard cannot both win, the loser re-reads and
/// tries again, and a crash leaves either all of the change or none of it. A fact already in the ledger changes
/// nothing, so a fact delivered twice, or applied again by a retry or a rebuild, is counted once; a fact
/// arriving out of order is simply placed among the guardian's others and the guardian's cells recomputed, so
/// "latest wins" rules (attendance corrections, cancellations, the latest survey answer) hold whatever order
/// the facts came in. Sharding keeps each partition's writes well under a partition's limit and conflicts rare.
/// </para>
/// <para>
/// A fact that can change no cell of its guardian (<see cref="DashboardRollupCells.ChangesNothing"/>: a booking's
/// message, once the guardian's ledger has its counsellor) is not added to the ledger: that would be a write
/// that moves nothing, and a later fact or a rebuild computes the same cells without it. Which views a ledger
/// has is remembered here from every ledger read or written, so such a fact usually costs no round trip at all.
/// </para>
/// <para>
/// Rebuild: a meta row per school says the roll-ups were built from the log (<see cref="Format"/> is in every
/// key, so a change of what is counted starts from empty rows). When the meta row is missing (facts recorded
/// before roll-ups existed) or a fact could not be applied (marked stale), the next view merges the whole log
/// into the ledgers — the same idempotent step, so it is safe while facts keep arriving — and marks it built.
/// </para>
/// <para>
/// Erasure keeps the participation log (see <see cref="Privacy.GuardianErasure"/>) and records its cancellations
/// as facts, so the roll-ups follow it like any other fact; the ledger holds nothing the log does not.
/// </para>
/// </summary>
public sealed partial class DashboardRollups(StorageAccount storage, CampaignStore campaigns, TimeProvider time, ILogger<DashboardRollups> logger)
{
    /// <summary>What the cells count; raise it when that changes (old rows are then ignored and everything rebuilt).</summary>
    public const int Format = 1;

    public const int Shards = 16;

    private const int MaxTries = 40;
    private const int MaxGuardiansPerTransaction = 60;
    private const int LedgerKeysPerQuery = 12;
    private const int MaxChunkBytes = 60_000;
    private const int MaxChunks = 15;
    private const string MetaRow = "meta";
    private const int MaxKnownViews = 100_000;
    private static readonly TimeSpan CampaignCacheFor = TimeSpan.FromMinutes(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<(string School, string Campaign), (string Term, DateTimeOffset Until)> _terms = new();

    // Views a guardian's ledger has (partition, guardian): never wrong, only incomplete, as a ledger never loses a view.
    private readonly ConcurrentDictionary<(string Partition, string Guardian), string[]> _knownViews = new();

    private TableClient Table => storage.Table(StorageNames.DashboardRollupsTable);

    /// <summary>The shard of a guardian (stable: a hash of the id).</summary>
    public static int ShardOf(string guardianId) => SHA256.HashData(Encoding.UTF8.GetBytes(guardianId))[0] % Shards;

    /// <summary>
    /// Counts facts that the log has just stored (or that a retry found already stored): each guardian's ledger
    /// gains the facts it does not have, and the counters move by the change of the guardian's cells.
    /// </summary>
    public async Task ApplyAsync(string schoolId, IReadOnlyCollection<ParticipationEntry> entries, CancellationToken cancellationToken)
    {
        // A fact known to change nothing (its guardian's ledger has its counsellor already) needs no round trip.
        var moving = entries.Where(e => !DashboardRollupCells.ChangesNothing(e.Event, KnownViews(ShardPartition(schoolId, ShardOf(e.Event.GuardianId)), e.Event.GuardianId))).ToList();
        if (moving.Count == 0)
        {
            return;
        }

        var terms = await CampaignTermsAsync(schoolId, moving.Select(e => e.Event.CampaignId).OfType<string>(), cancellationToken);
        await Task.WhenAll(moving.GroupBy(e => ShardOf(e.Event.GuardianId)).Select(g => ApplyShardAsync(schoolId, g.Key, g, terms, null, cancellationToken)));
    }

    /// <summary>
    /// Notes that a recorded fact may be missing from the roll-ups (applying it failed): the next view rebuilds.
    /// Best effort: a failure here is logged.
    /// </summary>
    public async Task MarkStaleAsync(string schoolId, CancellationToken cancellationToken)
    {
        try
        {
            await Table.UpsertEntityAsync(new TableEntity(MetaPartition(schoolId), MetaRow) { ["Stale"] = true }, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            LogStaleNotMarked(logger, schoolId, ex.Status);
        }
    }

    /// <summary>Whether the roll-ups hold the whole log: built once, and nothing marked stale since.</summary>
    public async Task<bool> IsCurrentAsync(string schoolId, CancellationToken cancellationToken)
    {
        var meta = await Table.GetEntityIfExistsAsync<TableEntity>(MetaPartition(schoolId), MetaRow, cancellationToken: cancellationToken);
        return meta.HasValue && meta.Value is { } row && row.GetBoolean("Built") == true && row.GetBoolean("Stale") != true;
    }

    /// <summary>
    /// Merges the school's whole log into the roll-ups (facts recorded before they existed, or one whose
    /// counting failed) and marks them built. Safe while facts are being recorded: every step is the idempotent
    /// merge that recording uses. Returns the number of facts read.
    /// </summary>
    public async Task<int> RebuildAsync(string schoolId, IReadOnlyList<ParticipationEntry> log, CancellationToken cancellationToken)
    {
        var meta = await Table.GetEntityIfExistsAsync<TableEntity>(MetaPartition(schoolId), MetaRow, cancellationToken: cancellationToken);
        var etag = meta.HasValue && meta.Value is { } row ? row.ETag : (ETag?)null;
        var all = (await campaigns.ListAsync(schoolId, cancellationToken)).ToDictionary(c => c.Id, c => c.Definition.Term, StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            log.GroupBy(e => ShardOf(e.Event.GuardianId)),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (shard, ct) => await ApplyShardAsync(schoolId, shard.Key, shard, all, await ReadLedgersAsync(schoolId, shard.Key, ct), ct));

        var done = new TableEntity(MetaPartition(schoolId), MetaRow) { ["Built"] = true, ["Stale"] = false, ["BuiltAt"] = time.GetUtcNow(), ["Facts"] = log.Count };
        try
        {
            // Guarded: a fact marked stale while the log was being read keeps the roll-ups stale (built again next time).
            await (etag is { } e ? Table.UpdateEntityAsync(done, e, TableUpdateMode.Replace, cancellationToken) : Table.AddEntityAsync(done, cancellationToken));
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            LogRebuildRaced(logger, schoolId);
        }

        LogRebuilt(logger, schoolId, log.Count);
        return log.Count;
    }

    /// <summary>The summed cells of one view (<see cref="DashboardRollupCells.SchoolView"/> or a counsellor id): one point read per shard.</summary>
    public async Task<IReadOnlyDictionary<string, long>> ReadAsync(string schoolId, string view, CancellationToken cancellationToken)
    {
        var rows = await Task.WhenAll(Enumerable.Range(0, Shards).Select(shard => Table.GetEntityIfExistsAsync<TableEntity>(ShardPartition(schoolId, shard), CounterKey(view), cancellationToken: cancellationToken)));
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!row.HasValue || row.Value is null)
            {
                continue;
            }

            foreach (var (cell, count) in Unpack<Dictionary<string, long>>(row.Value) ?? [])
            {
                sums[cell] = sums.GetValueOrDefault(cell) + count;
            }
        }

        return sums;
    }

    private async Task ApplyShardAsync(string schoolId, int shard, IEnumerable<ParticipationEntry> entries, IReadOnlyDictionary<string, string> terms, IReadOnlyDictionary<string, TableEntity>? ledgers, CancellationToken cancellationToken)
    {
        var byGuardian = entries.GroupBy(e => e.Event.GuardianId, StringComparer.Ordinal).ToList();
        foreach (var chunk in byGuardian.Chunk(MaxGuardiansPerTransaction))
        {
            await ApplyChunkAsync(schoolId, shard, chunk, terms, ledgers, cancellationToken);
        }
    }

    private async Task ApplyChunkAsync(string schoolId, int shard, IGrouping<string, ParticipationEntry>[] guardians, IReadOnlyDictionary<string, string> terms, IReadOnlyDictionary<string, TableEntity>? preloaded, CancellationToken cancellationToken)
    {
        var partition = ShardPartition(schoolId, shard);
        string? Term(string campaign) => terms.GetValueOrDefault(campaign);
        for (var attempt = 1; ; attempt++)
        {
            // Ledgers: from the rebuild's query on the first try, read again after a conflict. The shard's
            // counter rows come with them, in the same query (ReadChunkAsync).
            IReadOnlyDictionary<string, TableEntity> ledgersRead, counterRows;
            if (preloaded is not null && attempt == 1)
            {
                ledgersRead = preloaded;
                counterRows = (await ReadChunkAsync(partition, [], cancellationToken)).Counters;
            }
            else
            {
                (ledgersRead, counterRows) = await ReadChunkAsync(partition, [.. guardians.Select(g => LedgerKey(g.Key))], cancellationToken);
            }

            var ledgerRows = guardians.Select(g => ledgersRead.GetValueOrDefault(LedgerKey(g.Key))).ToArray();

            var actions = new List<TableTransactionAction>();
            var deltas = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
            var written = new List<(string Guardian, string[] Views)>();
            for (var i = 0; i < guardians.Length; i++)
            {
                var ledger = ledgerRows[i] is { } stored ? Unpack<Ledger>(stored) ?? new Ledger([], []) : new Ledger([], []);
                RememberViews(partition, guardians[i].Key, ledger.Cells.Keys);
                var known = ledger.Facts.Select(f => f.K).ToHashSet(StringComparer.Ordinal);
                var added = guardians[i]
                    .Where(e => !DashboardRollupCells.ChangesNothing(e.Event, ledger.Cells.Keys))
                    .Where(e => known.Add(e.Event.FactKey))
                    .Select(LedgerFact.Of)
                    .ToList();
                if (added.Count == 0)
                {
                    continue;
                }

                var facts = ledger.Facts.Concat(added).ToList();
                var cells = DashboardRollupCells.Contribute(facts.Select(f => f.ToEntry(schoolId, guardians[i].Key)), Term);
                written.Add((guardians[i].Key, [.. cells.Keys]));
                Diff(ledger.Cells, cells, deltas);
                var entity = Pack(new TableEntity(partition, LedgerKey(guardians[i].Key)), new Ledger(facts, cells));
                actions.Add(ledgerRows[i] is { } old
                    ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, old.ETag)
                    : new TableTransactionAction(TableTransactionActionType.Add, entity));
            }

            if (actions.Count == 0)
            {
                return;
            }

            var views = deltas.Where(d => d.Value.Count > 0).Select(d => d.Key).ToList();
            var counters = views.Select(v => counterRows.GetValueOrDefault(CounterKey(v))).ToArray();
            for (var i = 0; i < views.Count; i++)
            {
                var sums = counters[i] is { } c ? Unpack<Dictionary<string, long>>(c) ?? [] : new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var (cell, delta) in deltas[views[i]])
                {
                    var value = sums.GetValueOrDefault(cell) + delta;
                    if (value == 0)
                    {
                        sums.Remove(cell);
                    }
                    else
                    {
                        sums[cell] = value;
                    }
                }

                var entity = Pack(new TableEntity(partition, CounterKey(views[i])) { ["View"] = views[i] }, sums);
                actions.Add(counters[i] is { } old
                    ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, old.ETag)
                    : new TableTransactionAction(TableTransactionActionType.Add, entity));
            }

            try
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                foreach (var (guardian, viewsNow) in written)
                {
                    RememberViews(partition, guardian, viewsNow);
                }

                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxTries)
            {
                // Another writer changed a ledger or counter of this shard first: read again and redo (the reads
                // are the back-off; no timer, so a test clock that stands still cannot stall it).
                LogConflict(logger, schoolId, shard, attempt);
            }
        }
    }

    private string[] KnownViews(string partition, string guardianId) =>
        _knownViews.TryGetValue((partition, guardianId), out var views) ? views : [];

    private void RememberViews(string partition, string guardianId, IEnumerable<string> views)
    {
        var list = views.ToArray();
        if (list.Length == 0)
        {
            return;
        }

        if (_knownViews.Count >= MaxKnownViews)
        {
            // Forgetting costs a ledger read next time, nothing more.
            _knownViews.Clear();
        }

        _knownViews.AddOrUpdate((partition, guardianId), list, (_, old) => old.Length >= list.Length && list.All(old.Contains) ? old : [.. old.Union(list, StringComparer.Ordinal)]);
    }

    private static void Diff(Dictionary<string, Dictionary<string, int>> before, Dictionary<string, Dictionary<string, int>> after, Dictionary<string, Dictionary<string, long>> deltas)
    {
        foreach (var view in before.Keys.Union(after.Keys, StringComparer.Ordinal))
        {
            var old = before.GetValueOrDefault(view) ?? [];
            var now = after.GetValueOrDefault(view) ?? [];
            if (!deltas.TryGetValue(view, out var delta))
            {
                deltas[view] = delta = new Dictionary<string, long>(StringComparer.Ordinal);
            }

            foreach (var cell in old.Keys.Union(now.Keys, StringComparer.Ordinal))
            {
                var d = now.GetValueOrDefault(cell) - old.GetValueOrDefault(cell);
                if (d != 0)
                {
                    delta[cell] = delta.GetValueOrDefault(cell) + d;
                    if (delta[cell] == 0)
                    {
                        delta.Remove(cell);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The ledgers of these guardians and every counter row of the shard, in as few queries as Table Storage
    /// allows (a filter holds at most 15 comparisons: the partition, the counters' range and up to
    /// <see cref="LedgerKeysPerQuery"/> ledger keys), at the same time: one query for a booking's fact, one per
    /// shard for most of a send batch's, instead of one point read per ledger and per counter.
    /// </summary>
    private async Task<(IReadOnlyDictionary<string, TableEntity> Ledgers, IReadOnlyDictionary<string, TableEntity> Counters)> ReadChunkAsync(string partition, IReadOnlyList<string> ledgerKeys, CancellationToken cancellationToken)
    {
        async Task<List<TableEntity>> QueryAsync(string filter)
        {
            var rows = new List<TableEntity>();
            await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                rows.Add(row);
            }

            return rows;
        }

        var counters = "(" + TableClient.CreateQueryFilter($"RowKey ge {"c~"} and RowKey lt {"c\u007f"}") + ")";
        var groups = ledgerKeys.Chunk(LedgerKeysPerQuery).ToList();
        List<string> filters = groups.Count == 0
            ? [counters]
            : [.. groups.Select((keys, i) => string.Join(" or ", keys.Select(k => TableClient.CreateQueryFilter($"RowKey eq {k}")).Prepend(i == 0 ? counters : null).OfType<string>()))];
        var inPartition = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var results = await Task.WhenAll(filters.Select(f => QueryAsync($"{inPartition} and ({f})")));
        var ledgers = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var counterRows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        foreach (var row in results.SelectMany(r => r))
        {
            (row.RowKey.StartsWith("c~", StringComparison.Ordinal) ? counterRows : ledgers)[row.RowKey] = row;
        }

        return (ledgers, counterRows);
    }

    private async Task<Dictionary<string, TableEntity>> ReadLedgersAsync(string schoolId, int shard, CancellationToken cancellationToken)
    {
        var partition = ShardPartition(schoolId, shard);
        var ledgers = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == partition && e.RowKey.CompareTo("g~") >= 0 && e.RowKey.CompareTo("g\u007f") < 0, cancellationToken: cancellationToken))
        {
            ledgers[row.RowKey] = row;
        }

        return ledgers;
    }

    /// <summary>
    /// The terms campaign definitions name (a guardian's term funnel counts by the campaign's term), cached for a
    /// while: a campaign's term does not change once messages went out.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> CampaignTermsAsync(string schoolId, IEnumerable<string> campaignIds, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var terms = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in campaignIds.Distinct(StringComparer.Ordinal))
        {
            if (_terms.TryGetValue((schoolId, id), out var cached) && cached.Until > now)
            {
                terms[id] = cached.Term;
                continue;
            }

            if (await campaigns.GetRecentAsync(schoolId, id, cancellationToken) is { } campaign)
            {
                terms[id] = campaign.Definition.Term;
                _terms[(schoolId, id)] = (campaign.Definition.Term, now + CampaignCacheFor);
            }
        }

        return terms;
    }

    private static string MetaPartition(string schoolId) => $"{schoolId}~r{Format}";

    private static string ShardPartition(string schoolId, int shard) => $"{schoolId}~r{Format}~{shard:x2}";

    private static string LedgerKey(string guardianId) => "g~" + guardianId;

    /// <summary>Hex of the view id, so any counsellor id makes a valid row key.</summary>
    private static string CounterKey(string view) => "c~" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(view));

    /// <summary>JSON, compressed, in binary properties of at most 60 KB each (a property holds 64 KiB).</summary>
    private static TableEntity Pack<T>(TableEntity entity, T value)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(zip, value, Json);
        }

        var bytes = buffer.ToArray();
        var chunks = (bytes.Length + MaxChunkBytes - 1) / MaxChunkBytes;
        if (chunks > MaxChunks)
        {
            throw new InvalidOperationException($"Dashboard roll-up row {entity.RowKey} would be {bytes.Length} bytes, more than a table row holds.");
        }

        for (var i = 0; i < Math.Max(chunks, 1); i++)
        {
            entity["D" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = bytes.AsSpan(i * MaxChunkBytes, Math.Min(MaxChunkBytes, bytes.Length - i * MaxChunkBytes)).ToArray();
        }

        return entity;
    }

    private static T? Unpack<T>(TableEntity entity)
    {
        using var buffer = new MemoryStream();
        for (var i = 0; entity.GetBinary("D" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } part; i++)
        {
            buffer.Write(part);
        }

        if (buffer.Length == 0)
        {
            return default;
        }

        buffer.Position = 0;
        using var zip = new ZLibStream(buffer, CompressionMode.Decompress);
        return JsonSerializer.Deserialize<T>(zip, Json);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dashboard roll-up of school {SchoolId}, shard {Shard}: changed meanwhile (try {Attempt}); read again")]
    private static partial void LogConflict(ILogger logger, string schoolId, int shard, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard roll-ups of school {SchoolId} rebuilt from {Facts} facts of the log")]
    private static partial void LogRebuilt(ILogger logger, string schoolId, int facts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard roll-ups of school {SchoolId}: marked stale while rebuilding; the next view builds them again")]
    private static partial void LogRebuildRaced(ILogger logger, string schoolId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dashboard roll-ups of school {SchoolId} could not be marked stale ({Status})")]
    private static partial void LogStaleNotMarked(ILogger logger, string schoolId, int status);

    /// <summary>A guardian's facts as the log stored them, and the cells they add now, per view.</summary>
    private sealed record Ledger(List<LedgerFact> Facts, Dictionary<string, Dictionary<string, int>> Cells);

    /// <summary>One fact in a ledger (short names: a ledger holds every fact of one guardian).</summary>
    private sealed record LedgerFact(string K, string Kind, string Ch, long T, string L, string Z, string Tm, string? C, int? W, string[] Cl, string? Co, string? V)
    {
        private static readonly LocalDateTimePattern Local = LocalDateTimePattern.ExtendedIso;

        public static LedgerFact Of(ParticipationEntry entry)
        {
            var e = entry.Event;
            return new LedgerFact(e.FactKey, e.Kind.ToWire(), e.Channel.ToWire(), e.OccurredAt.UtcTicks, Local.Format(entry.LocalTime), entry.TimeZone, e.Term, e.CampaignId, e.Wave, [.. e.Classes], e.CounselorId, e.Value);
        }

        public ParticipationEntry ToEntry(string schoolId, string guardianId)
        {
            ParticipationWire.TryParseKind(Kind, out var kind);
            ParticipationWire.TryParseChannel(Ch, out var channel);
            return new ParticipationEntry(
                new ParticipationEvent
                {
                    FactKey = K,
                    Kind = kind,
                    SchoolId = schoolId,
                    GuardianId = guardianId,
                    Channel = channel,
                    OccurredAt = new DateTimeOffset(T, TimeSpan.Zero),
                    Term = Tm,
                    CampaignId = C,
                    Wave = W,
                    Classes = Cl,
                    CounselorId = Co,
                    Value = V,
                },
                Local.Parse(L).GetValueOrThrow(),
                Z);
        }
    }
}
