using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Privacy;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BkOutreach.Benchmarks;

/// <summary>
/// Roster import of N rows (default 10,000; one guardian per 1.1 rows: every tenth row is a sibling)
/// against Azurite, through <see cref="ImportRoster"/> as the route calls it (parse, lock, one read of the
/// school's buckets and one of its old single partition, batched writes), beside its floor measured in the
/// same run on the same Azurite: the same entities with the same keys (phone index rows + guardian documents
/// of the same size, in their numbers' buckets) added to a fresh table in entity-group transactions of up to
/// 100 per partition, taken in the same order and as many in flight as the import sends, with nothing else
/// (and also one after another). Then the same file again (nothing to write), and
/// a corrected file that moves 1% of the students to new numbers (their old guardians erased).
/// <c>--azurite [connection string]</c> (default the development storage), <c>--rows N</c>.
/// </summary>
public static class RosterBenchmark
{
    private static readonly string[] Classes = ["X IPA 1", "X IPA 2", "X IPS 1", "XI IPA 1", "XI IPA 2", "XI IPS 1", "XII IPA 1", "XII IPS 1"];
    private static readonly string[] Counselors = ["bk-1", "bk-2", "bk-3", "bk-4"];

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = IntOption(args, "--rows", 10_000);
        var at = Array.IndexOf(args, "--azurite");
        var connectionString = at >= 0 && at + 1 < args.Length && !args[at + 1].StartsWith("--", StringComparison.Ordinal) ? args[at + 1] : "UseDevelopmentStorage=true";
        var counter = new RequestCounter();
        var time = TimeProvider.System;
        var storage = new StorageAccount(Options.Create(new StorageOptions { ConnectionString = connectionString }), [new StoragePipelinePolicy(counter, HttpPipelinePosition.PerRetry)]);
        await storage.EnsureCreatedAsync(CancellationToken.None);
        var directory = new SchoolDirectory(storage, time);
        var campaigns = new CampaignStore(storage, time);
        var bookings = new BookingStore(storage, time);
        var erasure = new GuardianErasure(
            directory, campaigns, bookings, new OptOutStore(storage, time), new BkOutreach.Core.Staff.ParentMessagesErasure(directory, storage), new SendLog(storage), storage, time, NullLogger<GuardianErasure>.Instance);
        var import = new ImportRoster(directory, erasure, NullLogger<ImportRoster>.Instance);

        var schoolId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await directory.PutSchoolAsync(schoolId, new SchoolSettings { Name = "MA Benchmark", TimeZone = "Asia/Jakarta" }, CancellationToken.None);
        foreach (var c in Counselors)
        {
            await directory.PutCounselorAsync(schoolId, c, new CounselorSettings { Name = "Guru " + c }, CancellationToken.None);
        }

        var csv = Roster(rows, moved: 0);
        var guardians = RosterCsv.GroupByGuardian(RosterCsv.Parse(new MemoryStream(csv)).Rows).Guardians;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"roster: {rows} rows, {guardians.Count} guardians, {csv.Length / 1024} KiB; load average {LoadAverage()}"));

        var sequential = await FloorAsync(connectionString, schoolId, guardians, 1);
        var floor = await FloorAsync(connectionString, schoolId, guardians, SchoolDirectory.TransactionsInFlight);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"floor: {2 * guardians.Count} entities added in transactions of {SchoolDirectory.BatchSize} to a fresh table: {floor.TotalSeconds:0.00} s with {SchoolDirectory.TransactionsInFlight} in flight (the import's way), {sequential.TotalSeconds:0.00} s one after another"));

        var first = await TimedAsync(counter, () => import.ExecuteAsync(schoolId, new MemoryStream(csv), CancellationToken.None));
        Report("first import", first, floor);
        var again = await TimedAsync(counter, () => import.ExecuteAsync(schoolId, new MemoryStream(csv), CancellationToken.None));
        Report("same file again", again, floor);
        var moved = await TimedAsync(counter, () => import.ExecuteAsync(schoolId, new MemoryStream(Roster(rows, moved: rows / 100)), CancellationToken.None));
        Report($"{rows / 100} families (1%) under new numbers", moved, floor);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average at the end {LoadAverage()}"));
        return 0;
    }

    private static void Report(string what, (TimeSpan Elapsed, BkOutreach.Core.Result<RosterImportResult> Result, Dictionary<string, long> Trips) run, TimeSpan floor)
    {
        var r = run.Result.Value!;
        var trips = string.Join(", ", run.Trips.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {run.Elapsed.TotalSeconds:0.00} s = {run.Elapsed / floor:0.00} × floor; imported {r.Imported}, updated {r.Updated}, moved {r.Moved.Count}, removed {r.Removed.Count}, rejected {r.Rejected.Count}; " +
            $"{run.Trips.Values.Sum()} storage round trips ({trips})"));
    }

    private static async Task<(TimeSpan, BkOutreach.Core.Result<RosterImportResult>, Dictionary<string, long>)> TimedAsync(RequestCounter counter, Func<Task<BkOutreach.Core.Result<RosterImportResult>>> run)
    {
        var before = counter.Snapshot();
        var watch = Stopwatch.StartNew();
        var result = await run();
        var elapsed = watch.Elapsed;
        var after = counter.Snapshot();
        return (elapsed, result, after.Where(kv => kv.Value > before.GetValueOrDefault(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal));
    }

    /// <summary>The entities the import writes for these guardians, added raw, 100 per transaction, into a fresh table.</summary>
    private static async Task<TimeSpan> FloorAsync(string connectionString, string schoolId, IReadOnlyList<RosterGuardian> guardians, int inFlight)
    {
        var table = new TableClient(connectionString, "floor" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateAsync();
        var now = TimeProvider.System.GetUtcNow();
        var entities = new List<TableEntity>();
        foreach (var g in guardians)
        {
            var id = SchoolDirectory.NewGuardianId(schoolId, g.Phone);
            var bucket = SchoolDirectory.BucketPartition(schoolId, SchoolDirectory.PhoneBucket(schoolId, g.Phone));
            entities.Add(new TableEntity(bucket, "phone:" + g.Phone) { ["GuardianId"] = id });
            entities.Add(new TableEntity(bucket, "g:" + id) { ["Json"] = SchoolDirectory.Serialize(new Guardian(id, schoolId, g.Phone, g.Name, g.Language, g.Students)), ["UpdatedAt"] = now });
        }

        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(SchoolDirectory.Transactions(entities, e => e.PartitionKey), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (chunk, ct) =>
            await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), ct));

        var elapsed = watch.Elapsed;
        await table.DeleteAsync();
        return elapsed;
    }

    /// <summary>
    /// A deterministic roster: row i is student S{i} of guardian i (every tenth row a sibling of the row
    /// before); the first <paramref name="moved"/> families' children are listed under a new number.
    /// </summary>
    private static byte[] Roster(int rows, int moved)
    {
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        var family = 0;
        for (var i = 0; i < rows; i++)
        {
            if (i % 10 != 9)
            {
                family++;
            }

            var phone = family <= moved ? $"0857{family:D8}" : $"0812{family:D8}";
            csv.Append(CultureInfo.InvariantCulture, $"S{i:D6},Siswa Nomor {i},{Classes[i % Classes.Length]},Wali Murid {family},{phone},{(i % 5 == 0 ? "en" : "id")},{Counselors[family % Counselors.Length]}\n");
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] + $" on {Environment.ProcessorCount} cores" : "unknown";

    private static int IntOption(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    /// <summary>Storage requests by method and table (per retry: a retried request counts each time).</summary>
    private sealed class RequestCounter : HttpPipelinePolicy
    {
        private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

        public Dictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Count(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Count(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Count(HttpMessage message)
        {
            var segments = message.Request.Uri.Path.Trim('/').Split('/');
            var target = segments.Length > 1 ? segments[1] : segments[0];
            var paren = target.IndexOf('(', StringComparison.Ordinal);
            _counts.AddOrUpdate($"{message.Request.Method} {(paren >= 0 ? target[..paren] : target)}", 1, (_, n) => n + 1);
        }
    }
}
