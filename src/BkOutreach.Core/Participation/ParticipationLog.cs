using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Core.Participation;

/// <summary>
/// The append-only participation log: one row per fact, partition = school (a school's whole log is one
/// partition query), row key = SHA-256 of the fact key. A row is only ever added, never changed: recording
/// a fact that exists is a no-op (the insert's 409), so retries and duplicates cannot inflate the counts.
/// Each row carries the UTC instant and the school's local time when it was recorded. Reading writes nothing.
/// A fact's first insert (and a retry that meets it stored, in case the first attempt stopped half-way) is
/// counted into the dashboard's roll-ups (<see cref="DashboardRollups"/>), which count each fact once by its key.
/// </summary>
public sealed partial class ParticipationLog(StorageAccount storage, SchoolDirectory directory, TimeProvider time, ILogger<ParticipationLog> logger, DashboardRollups? rollups = null)
{
    private const int MaxBatch = 100;
    private static readonly TimeSpan ZoneCacheFor = TimeSpan.FromMinutes(10);
    private static readonly LocalDateTimePattern LocalPattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss");
    private readonly ConcurrentDictionary<string, (DateTimeZone Zone, DateTimeOffset Until)> _zones = new(StringComparer.Ordinal);

    private TableClient Table => storage.Table(StorageNames.ParticipationTable);

    /// <summary>Records the fact once.</summary>
    /// <returns>True when this call added it, false when the fact was already in the log.</returns>
    /// <exception cref="ArgumentException">The event is not valid (see <see cref="ParticipationEvent.Problems"/>).</exception>
    public async Task<bool> RecordAsync(ParticipationEvent participation, CancellationToken cancellationToken)
    {
        Validate(participation);
        var zone = await ZoneOfAsync(participation.SchoolId, cancellationToken);
        var entity = ToEntity(participation, zone);
        bool added;
        try
        {
            await Table.AddEntityAsync(entity, cancellationToken);
            added = true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            LogRepeated(logger, participation.Kind, participation.SchoolId);
            added = false;
        }

        if (rollups is not null)
        {
            // A repeat counts the stored fact (its time may differ from this attempt's): a no-op when it was counted.
            var stored = added ? entity : (await Table.GetEntityIfExistsAsync<TableEntity>(entity.PartitionKey, entity.RowKey, cancellationToken: cancellationToken)).Value;
            if (stored is not null && Read(stored) is { } entry)
            {
                await CountAsync(participation.SchoolId, [entry], cancellationToken);
            }
        }

        return added;
    }

    /// <summary>
    /// Records many facts, in entity-group transactions of up to 100 per school; a transaction that meets a fact
    /// already recorded falls back to one insert per fact. Returns how many facts were new.
    /// </summary>
    public async Task<int> RecordManyAsync(IEnumerable<ParticipationEvent> events, CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var school in events.GroupBy(e => e.SchoolId, StringComparer.Ordinal))
        {
            var zone = await ZoneOfAsync(school.Key, cancellationToken);
            var unique = school.DistinctBy(e => e.FactKey, StringComparer.Ordinal).ToList();
            unique.ForEach(Validate);
            foreach (var chunk in unique.Chunk(MaxBatch))
            {
                var entities = chunk.Select(e => ToEntity(e, zone)).ToList();
                try
                {
                    await Table.SubmitTransactionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 409)
                {
                    foreach (var e in chunk)
                    {
                        added += await RecordAsync(e, cancellationToken) ? 1 : 0;
                    }

                    continue;
                }

                added += chunk.Length;
                if (rollups is not null)
                {
                    await CountAsync(school.Key, [.. entities.Select(Read).OfType<ParticipationEntry>()], cancellationToken);
                }
            }
        }

        return added;
    }

    /// <summary>
    /// Counts stored facts into the roll-ups. A failure marks them stale (the next dashboard view rebuilds them
    /// from the log) and is thrown, so a caller that retries (the booking outbox) counts the fact on its retry.
    /// </summary>
    private async Task CountAsync(string schoolId, IReadOnlyCollection<ParticipationEntry> entries, CancellationToken cancellationToken)
    {
        try
        {
            await rollups!.ApplyAsync(schoolId, entries, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotCounted(logger, schoolId, ex.GetType().Name);
            await rollups!.MarkStaleAsync(schoolId, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Every fact of a school, in row-key order (callers order by time themselves).</summary>
    public async IAsyncEnumerable<ParticipationEntry> ReadAsync(string schoolId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == schoolId, cancellationToken: cancellationToken))
        {
            if (Read(row) is { } entry)
            {
                yield return entry;
            }
        }
    }

    /// <summary>Every fact of a school, ordered by when it happened.</summary>
    public async Task<IReadOnlyList<ParticipationEntry>> ListAsync(string schoolId, CancellationToken cancellationToken)
    {
        var list = new List<ParticipationEntry>();
        await foreach (var entry in ReadAsync(schoolId, cancellationToken))
        {
            list.Add(entry);
        }

        return [.. list.OrderBy(e => e.Event.OccurredAt).ThenBy(e => e.Event.FactKey, StringComparer.Ordinal)];
    }

    /// <summary>The row key of a fact: hex SHA-256 of its key, so any key fits Table Storage's row-key rules.</summary>
    public static string RowKeyOf(string factKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(factKey)));

    private static void Validate(ParticipationEvent participation)
    {
        var problems = participation.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Participation event not valid: " + string.Join(" ", problems), nameof(participation));
        }
    }

    private async ValueTask<DateTimeZone> ZoneOfAsync(string schoolId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_zones.TryGetValue(schoolId, out var cached) && cached.Until > now)
        {
            return cached.Zone;
        }

        var school = await directory.GetSchoolRecentAsync(schoolId, cancellationToken)
            ?? throw new InvalidOperationException($"Participation for unknown school '{schoolId}'.");
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(school.TimeZone) ?? DateTimeZoneProviders.Tzdb["Asia/Jakarta"];
        _zones[schoolId] = (zone, now + ZoneCacheFor);
        return zone;
    }

    private TableEntity ToEntity(ParticipationEvent e, DateTimeZone zone) => new(e.SchoolId, RowKeyOf(e.FactKey))
    {
        ["FactKey"] = e.FactKey,
        ["Kind"] = e.Kind.ToWire(),
        ["GuardianId"] = e.GuardianId,
        ["Channel"] = e.Channel.ToWire(),
        ["UtcTime"] = e.OccurredAt.ToUniversalTime(),
        ["LocalTime"] = LocalPattern.Format(Instant.FromDateTimeOffset(e.OccurredAt).InZone(zone).LocalDateTime),
        ["TimeZone"] = zone.Id,
        ["Term"] = e.Term,
        ["CampaignId"] = e.CampaignId,
        ["Wave"] = e.Wave,
        ["Classes"] = JsonSerializer.Serialize(e.Classes),
        ["CounselorId"] = e.CounselorId,
        ["Value"] = e.Value,
        ["RecordedAt"] = time.GetUtcNow(),
    };

    private static ParticipationEntry? Read(TableEntity row)
    {
        if (!ParticipationWire.TryParseKind(row.GetString("Kind"), out var kind) || !ParticipationWire.TryParseChannel(row.GetString("Channel"), out var channel))
        {
            return null;
        }

        var utc = row.GetDateTimeOffset("UtcTime") ?? DateTimeOffset.UnixEpoch;
        var zoneId = row.GetString("TimeZone") ?? "Asia/Jakarta";
        var parsed = LocalPattern.Parse(row.GetString("LocalTime") ?? "");
        var local = parsed.Success ? parsed.Value : Instant.FromDateTimeOffset(utc).InUtc().LocalDateTime;
        var classes = row.GetString("Classes") is { Length: > 0 } json ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
        return new ParticipationEntry(
            new ParticipationEvent
            {
                FactKey = row.GetString("FactKey") ?? row.RowKey,
                Kind = kind,
                SchoolId = row.PartitionKey,
                GuardianId = row.GetString("GuardianId") ?? "",
                Channel = channel,
                OccurredAt = utc,
                Term = row.GetString("Term") ?? "",
                CampaignId = row.GetString("CampaignId"),
                Wave = row.GetInt32("Wave"),
                Classes = classes,
                CounselorId = row.GetString("CounselorId"),
                Value = row.GetString("Value"),
            },
            local,
            zoneId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Participation facts of school {SchoolId} stored but not counted in the dashboard roll-ups ({ErrorType}); marked for a rebuild")]
    private static partial void LogNotCounted(ILogger logger, string schoolId, string errorType);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Participation fact {Kind} of school {SchoolId} already recorded; nothing written")]
    private static partial void LogRepeated(ILogger logger, ParticipationKind kind, string schoolId);
}
