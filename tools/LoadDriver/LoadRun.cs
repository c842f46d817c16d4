using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using NodaTime;

namespace BkOutreach.LoadDriver;

public sealed record LoadReport(string Markdown, IReadOnlyList<string> InvariantsBroken);

/// <summary>
/// One benchmark run: its own in-memory Azurite and local runner (the function app's own classes) and a
/// throttling fake ACS; then the storage floors, booking under contention, a campaign at the rate cap, the
/// feeds and the dispatcher's idle tick. Booking is compared with its floor under the same concurrency (as
/// many clients doing raw inserts for as long, measured just before it); one-at-a-time figures with one raw
/// insert at a time.
/// </summary>
public static class LoadRun
{
    // Monday 2027-01-11 09:00 WIB: sending window open, the term's booking window ahead.
    private static readonly DateTimeOffset Clock = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);
    private const string AdminKey = "load-driver-admin-key-0123456789";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<LoadReport> RunAsync(LoadOptions options, TextWriter log)
    {
        log.WriteLine("Starting Azurite (in memory) …");
        await using var azurite = await Azurite.StartOnFreePortsAsync(null, log, CancellationToken.None);
        await using var tableOnly = options.SplitTable ? await TableOnlyAzurite.StartAsync(log) : null;
        var storage = tableOnly?.ConnectionStringBesides(azurite) ?? azurite.ConnectionString;
        var tablePort = tableOnly?.TablePort ?? azurite.TablePort;
        var queueCpu = tableOnly is null ? null : new CpuMeter(azurite.TablePort);
        await using var acs = await LoadAcsServer.StartAsync();
        var counter = new RoundTripCounter();
        var port = LoadAcsServer.FreePort();
        await using var runner = await RunnerApp.StartAsync(new RunnerSettings
        {
            Port = port,
            Clock = Clock,
            RunTimers = false,
            Output = TextWriter.Null,
            ConfigureServices = s =>
            {
                s.AddSingleton(new StoragePipelinePolicy(counter, HttpPipelinePosition.PerRetry));

                // Per-message information logs would cost the run more than what it measures.
                s.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(null, "BkOutreach", LogLevel.Warning, null)));
            },
            Settings = new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = storage,
                ["Admin:ApiKey"] = AdminKey,
                ["Links:BaseUrl"] = $"http://127.0.0.1:{port}",
                ["Booking:PostsPerAddressPerMinute"] = "100000000",
                ["Booking:PostsPerTokenPerMinute"] = "100000000",
                ["Sms:Provider"] = "Acs",
                ["Sms:Acs:ConnectionString"] = acs.ConnectionString,
                ["Sms:Acs:From"] = "+18005550100",
                ["Sms:Acs:MessagingConnect:Partner"] = "load-partner",
                ["Sms:Acs:MessagingConnect:ApiKey"] = "load-partner-key",
                ["Sms:MaxPerMinute"] = options.MaxPerMinute.ToString(Inv),
            },
        });
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(runner.BaseUrl + "/"), Timeout = TimeSpan.FromMinutes(10) };
        using var admin = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(runner.BaseUrl + "/"), Timeout = TimeSpan.FromMinutes(10) };
        admin.DefaultRequestHeaders.Add("x-functions-key", AdminKey);
        var ctx = new Context(runner, http, admin, counter, acs, log, storage, new CpuMeter(tablePort), queueCpu);

        var md = new StringBuilder();
        var broken = new List<string>();
        var floor = await FloorAsync(storage, log);
        md.AppendLine(Inv, $"Sequential floor: one Azurite entity insert at a time (200 samples) p50 **{floor.P50:0.00} ms**, p95 {floor.P95:0.00} ms.");
        md.AppendLine();

        if (options.Phases.Contains("booking"))
        {
            var cpuBefore = ctx.Cpu.Take();
            var concurrent = await ConcurrentFloorAsync(storage, options.Clients, options.Seconds, log);
            var floorCpu = CpuMeter.Between(cpuBefore, ctx.Cpu.Take());
            md.AppendLine(Inv, $"Concurrent floor: {concurrent.Clients} clients of raw `AddEntity` on the same Azurite for {concurrent.Seconds:0} s, just before the booking phase: **{concurrent.PerSecond:0} inserts/s** ({concurrent.Inserts} in all; {concurrent.FirstThirdPerSecond:0}/s in the first third, {concurrent.LastThirdPerSecond:0}/s in the last), latency p50 **{concurrent.P50:0.0} ms**, p99 **{concurrent.P99:0.0} ms**. Processor time (per insert): {floorCpu.Describe((int)concurrent.Inserts)}.");
            md.AppendLine();
            await BookingAsync(ctx, options, floor.P50, concurrent, md, broken);
        }

        if (options.Phases.Contains("campaign"))
        {
            await CampaignAsync(ctx, options, floor.P50, md, broken);
        }

        if (options.Phases.Contains("feeds"))
        {
            await FeedsAsync(ctx, options, floor.P50, md);
        }

        if (options.Phases.Contains("idle"))
        {
            await IdleTickAsync(ctx, options, md);
        }
        return new LoadReport(md.ToString(), broken);
    }

    private sealed record Context(RunnerApp Runner, HttpClient Http, HttpClient Admin, RoundTripCounter Counter, LoadAcsServer Acs, TextWriter Log, string ConnectionString, CpuMeter Cpu, CpuMeter? QueueCpu)
    {
        public T Get<T>()
            where T : notnull => Runner.Services.GetRequiredService<T>();

        /// <summary>
        /// Waits (at most two minutes) until the app makes no storage request but the queue listener's polling
        /// for 1.5 s: the booking events of what came before are handled, so what is counted next is only the
        /// next request's own work.
        /// </summary>
        public async Task QuietAsync()
        {
            var watch = Stopwatch.StartNew();
            var last = WithoutQueuePolling(new Dictionary<string, long>(Counter.Snapshot(), StringComparer.Ordinal)).Values.Sum();
            var still = 0;
            while (watch.Elapsed < TimeSpan.FromMinutes(2) && still < 3)
            {
                await Task.Delay(500);
                var now = WithoutQueuePolling(new Dictionary<string, long>(Counter.Snapshot(), StringComparer.Ordinal)).Values.Sum();
                still = now == last ? still + 1 : 0;
                last = now;
            }
        }
    }

    /// <summary>
    /// Waits (at most ten minutes) until the bookings table holds no outbox row: every booking event the load
    /// left is handled. Read on a client of its own, so the polling is not counted as the app's. Gives the
    /// time it took and the rows still waiting at the limit (0 when all were handled).
    /// </summary>
    private static async Task<(TimeSpan Took, long Left)> DrainOutboxAsync(Context ctx)
    {
        var table = new TableClient(ctx.ConnectionString, StorageNames.BookingsTable);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            long left = 0;
            await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey ge {"e|"} and RowKey lt {"e}"}"), select: ["RowKey"]))
            {
                left++;
            }

            if (left == 0 || watch.Elapsed > TimeSpan.FromMinutes(10))
            {
                ctx.Log.WriteLine(string.Create(Inv, $"Booking: {left} booking events still waiting {watch.Elapsed.TotalSeconds:0} s after the load."));
                return (watch.Elapsed, left);
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private static async Task<(double P50, double P95)> FloorAsync(string connectionString, TextWriter log)
    {
        log.WriteLine("Floor: raw inserts …");
        var table = new TableClient(connectionString, "floor");
        await table.CreateIfNotExistsAsync();
        var stats = new Stats();
        for (var i = 0; i < 220; i++)
        {
            var entity = new TableEntity("p", i.ToString("D6", Inv)) { ["Value"] = i };
            var watch = Stopwatch.StartNew();
            await table.AddEntityAsync(entity);
            if (i >= 20)
            {
                stats.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        return (stats.Percentile(50), stats.Percentile(95));
    }

    /// <summary>What raw inserts achieve on this Azurite under the booking phase's concurrency and duration.</summary>
    private sealed record ConcurrentFloor(int Clients, double Seconds, long Inserts, double P50, double P99, double FirstThirdPerSecond, double LastThirdPerSecond)
    {
        public double PerSecond => Inserts / Seconds;
    }

    /// <summary>
    /// <paramref name="clients"/> loops of <c>AddEntity</c> (one partition per client, a booking-sized row) on a
    /// fresh table for <paramref name="seconds"/>: the most entity writes this Azurite takes at that
    /// concurrency, and their latency. Five warm-up inserts per client are not counted.
    /// </summary>
    private static async Task<ConcurrentFloor> ConcurrentFloorAsync(string connectionString, int clients, int seconds, TextWriter log)
    {
        log.WriteLine($"Floor: {clients} clients of raw inserts for {seconds} s …");
        var table = new TableClient(connectionString, "floorconcurrent");
        await table.CreateIfNotExistsAsync();
        var payload = new string('x', 400);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var n = 0; n < 5; n++)
            {
                await table.AddEntityAsync(new TableEntity($"w{c:D3}", n.ToString("D7", Inv)) { ["Json"] = payload });
            }
        })));

        var latency = new Stats();
        var duration = TimeSpan.FromSeconds(seconds);
        var third = duration / 3;
        long first = 0;
        long last = 0;
        long all = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            for (var n = 0; watch.Elapsed < duration; n++)
            {
                var started = Stopwatch.StartNew();
                await table.AddEntityAsync(new TableEntity($"c{c:D3}", n.ToString("D7", Inv)) { ["Json"] = payload, ["Value"] = n });
                latency.Add(started.Elapsed.TotalMilliseconds);
                Interlocked.Increment(ref all);
                var at = watch.Elapsed;
                if (at < third)
                {
                    Interlocked.Increment(ref first);
                }
                else if (at >= duration - third)
                {
                    Interlocked.Increment(ref last);
                }
            }
        })));
        var elapsed = watch.Elapsed.TotalSeconds;
        return new ConcurrentFloor(clients, elapsed, all, latency.Percentile(50), latency.Percentile(99), first / third.TotalSeconds, last / third.TotalSeconds);
    }

    private static async Task BookingAsync(Context ctx, LoadOptions options, double floor, ConcurrentFloor concurrent, StringBuilder md, List<string> broken)
    {
        ctx.Log.WriteLine($"Booking: setting up {options.Clients} clients …");
        const string School = "load-booking";
        string[] distinctCounselors = ["d1", "d2", "d3", "d4"];
        string[] sharedCounselors = ["s1", "s2"];
        const string Measured = "m1";
        const string MeasuredOpened = "m2";
        await PutSchoolAsync(ctx, School);
        foreach (var id in distinctCounselors.Concat(sharedCounselors).Append(Measured).Append(MeasuredOpened))
        {
            await PutAsync(ctx, $"api/admin/schools/{School}/counselors/{id}", new { name = $"Guru {id}", email = $"{id}@example.sch.id" });
        }

        // Clients 0, 2, 4 … book slots no other client wants; clients 1, 3, 5 … fight over three slots.
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        var clientCounselor = new List<string>();
        for (var c = 0; c < options.Clients; c++)
        {
            var counselor = c % 2 == 0 ? distinctCounselors[c / 2 % distinctCounselors.Length] : sharedCounselors[c / 2 % sharedCounselors.Length];
            clientCounselor.Add(counselor);
            csv.Append(Inv, $"C{c:D4},Siswa Beban {c},X IPA 1,Wali Beban {c},08131{c:D7},id,{counselor}\n");
        }

        const int MeasuredBookings = 20;
        for (var m = 0; m < MeasuredBookings; m++)
        {
            csv.Append(Inv, $"M{m:D4},Siswa Ukur {m},X IPA 2,Wali Ukur {m},08132{m:D7},id,{Measured}\n");
            csv.Append(Inv, $"N{m:D4},Siswa Buka {m},X IPA 3,Wali Buka {m},08133{m:D7},id,{MeasuredOpened}\n");
        }

        await ImportAsync(ctx, School, csv.ToString());
        var campaign = await CreateCampaignAsync(ctx, School);
        var tokens = await TokensAsync(ctx, School, campaign);
        var slotsOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var counselor in distinctCounselors.Concat(sharedCounselors).Append(Measured).Append(MeasuredOpened))
        {
            var token = tokens.First(t => t.Counselor == counselor).Token;
            slotsOf[counselor] = [.. (await ctx.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
        }

        var clientTokens = tokens.Where(t => t.Student.StartsWith('C')).OrderBy(t => t.Student, StringComparer.Ordinal).Select(t => t.Token).ToList();
        var latency = new Stats();
        var ownSlots = new Stats();
        var contended = new Stats();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        ctx.Log.WriteLine($"Booking: {options.Clients} clients for {options.Seconds} s …");
        var before = ctx.Counter.Snapshot();
        var entitiesBefore = ctx.Counter.EntityOperations;
        var timeBefore = ctx.Counter.TimeSnapshot();
        var cpuBefore = ctx.Cpu.Take();
        var queueCpuBefore = ctx.QueueCpu?.Take();
        var deadline = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(options.Seconds);
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(c => Task.Run(async () =>
        {
            var counselor = clientCounselor[c];
            var slots = slotsOf[counselor];
            var sameCounselor = Enumerable.Range(0, options.Clients).Where(x => clientCounselor[x] == counselor).ToList();
            var lane = sameCounselor.IndexOf(c);
            var mine = c % 2 == 0
                ? slots.Where((_, i) => i % sameCounselor.Count == lane).ToList()
                : slots.Take(3).ToList();
            var random = new Random(c);
            for (var n = 0; deadline.Elapsed < duration; n++)
            {
                var slot = c % 2 == 0 ? mine[n % mine.Count] : mine[random.Next(mine.Count)];
                var watch = Stopwatch.StartNew();
                using var response = await ctx.Http.PostAsJsonAsync($"api/links/{clientTokens[c]}/booking", new { slotId = slot });
                await response.Content.LoadIntoBufferAsync();
                latency.Add(watch.Elapsed.TotalMilliseconds);
                (c % 2 == 0 ? ownSlots : contended).Add(watch.Elapsed.TotalMilliseconds);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, k) => k + 1);
            }
        })));
        var elapsed = deadline.Elapsed;
        var loadCpu = CpuMeter.Between(cpuBefore, ctx.Cpu.Take());
        var queueSide = queueCpuBefore is { } qb ? CpuMeter.Between(qb, ctx.QueueCpu!.Take()).AzuriteSeconds : null;
        var loadTrips = RoundTripCounter.Difference(before, ctx.Counter.Snapshot());
        var loadEntities = ctx.Counter.EntityOperations - entitiesBefore;
        var loadWaited = RoundTripCounter.Difference(timeBefore, ctx.Counter.TimeSnapshot());

        // The load's booking events handled first, so that what is counted next is only the next bookings' work.
        var drained = await DrainOutboxAsync(ctx);
        await ctx.QuietAsync();

        // Uncontended bookings one after another: the round trips and latency of one new booking.
        var measuredTokens = tokens.Where(t => t.Counselor == Measured).Select(t => t.Token).ToList();
        var sequential = new Stats();
        var measuredTrips = new Dictionary<string, long>(StringComparer.Ordinal);
        var created = 0;
        for (var m = 0; m < measuredTokens.Count; m++)
        {
            await ctx.QuietAsync();
            var beforeOne = ctx.Counter.Snapshot();
            var watch = Stopwatch.StartNew();
            using var response = await ctx.Http.PostAsJsonAsync($"api/links/{measuredTokens[m]}/booking", new { slotId = slotsOf[Measured][m % slotsOf[Measured].Count] });
            sequential.Add(watch.Elapsed.TotalMilliseconds);
            Add(measuredTrips, WithoutQueuePolling(RoundTripCounter.Difference(beforeOne, ctx.Counter.Snapshot())));
            created += response.StatusCode == HttpStatusCode.Created ? 1 : 0;
        }

        // As a parent does it: open the link (its slots), then book; only the booking POST is counted.
        var openedTokens = tokens.Where(t => t.Counselor == MeasuredOpened).Select(t => t.Token).ToList();
        var openedTrips = new Dictionary<string, long>(StringComparer.Ordinal);
        var linkTrips = new Dictionary<string, long>(StringComparer.Ordinal);
        var handlerTrips = new Dictionary<string, long>(StringComparer.Ordinal);
        var openedCreated = 0;
        for (var m = 0; m < openedTokens.Count; m++)
        {
            await ctx.QuietAsync();
            var beforeLink = ctx.Counter.Snapshot();
            using (await ctx.Http.GetAsync($"api/links/{openedTokens[m]}/slots"))
            {
            }

            Add(linkTrips, WithoutQueuePolling(RoundTripCounter.Difference(beforeLink, ctx.Counter.Snapshot())));
            await ctx.QuietAsync();
            var beforeOne = ctx.Counter.Snapshot();
            using var response = await ctx.Http.PostAsJsonAsync($"api/links/{openedTokens[m]}/booking", new { slotId = slotsOf[MeasuredOpened][m % slotsOf[MeasuredOpened].Count] });
            var afterPost = ctx.Counter.Snapshot();
            Add(openedTrips, WithoutQueuePolling(RoundTripCounter.Difference(beforeOne, afterPost)));

            // Then the booking event, handled by the queue function (confirmation SMS, reminders, facts, calendar).
            await ctx.QuietAsync();
            Add(handlerTrips, WithoutQueuePolling(RoundTripCounter.Difference(afterPost, ctx.Counter.Snapshot())));
            openedCreated += response.StatusCode == HttpStatusCode.Created ? 1 : 0;
        }

        // Storage is the judge: no two confirmed bookings of one counsellor overlap, no guardian holds two.
        var store = ctx.Get<BookingStore>();
        var probe = await ProbeAsync(ctx, store, School, sharedCounselors[0], campaign);
        var overlaps = 0;
        var confirmed = 0;
        var guardiansWithTwo = 0;
        foreach (var counselor in distinctCounselors.Concat(sharedCounselors).Append(Measured).Append(MeasuredOpened))
        {
            var list = (await store.ListAsync(School, counselor, CancellationToken.None)).Where(b => b.Status == BookingStatus.Confirmed).OrderBy(b => b.Start).ToList();
            confirmed += list.Count;
            overlaps += list.Zip(list.Skip(1)).Count(p => p.Second.Start < p.First.End);
            guardiansWithTwo += list.GroupBy(b => b.GuardianId, StringComparer.Ordinal).Count(g => g.Count() > 1);
        }

        var total = statuses.Values.Sum();
        var serverErrors = statuses.Where(kv => kv.Key >= 500).Sum(kv => kv.Value);
        if (overlaps > 0 || guardiansWithTwo > 0)
        {
            broken.Add($"{overlaps} overlapping bookings, {guardiansWithTwo} guardians with two");
        }

        if (serverErrors > 0)
        {
            broken.Add($"{serverErrors} booking responses were 5xx");
        }

        var perBooking = (double)measuredTrips.Values.Sum() / Math.Max(1, created);
        var bookingOps = WithoutQueuePolling(loadTrips);
        var opsPerSecond = bookingOps.Values.Sum() / elapsed.TotalSeconds;
        var p99Ratio = latency.Percentile(99) / concurrent.P99;
        var opsRatio = opsPerSecond / concurrent.PerSecond;
        md.AppendLine(Inv, $"### Booking — {options.Clients} clients × {elapsed.TotalSeconds:0} s (POST /api/links/{{token}}/booking)");
        md.AppendLine();
        md.AppendLine("| figure | value | ÷ concurrent floor |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(Inv, $"| requests | {total} ({total / elapsed.TotalSeconds:0.0}/s) | |");
        md.AppendLine(Inv, $"| p50 / p95 / p99 latency | {latency.Percentile(50):0.0} / {latency.Percentile(95):0.0} / {latency.Percentile(99):0.0} ms | p50 {latency.Percentile(50) / concurrent.P50:0.00}, **p99 {p99Ratio:0.00}** (goal ≤ 3: **{(p99Ratio <= 3 ? "met" : "missed")}**) |");
        md.AppendLine(Inv, $"| by client: the half moving between slots of their own (every POST a reschedule) / the half fighting over three slots | p50 / p99 {ownSlots.Percentile(50):0.0} / {ownSlots.Percentile(99):0.0} ms / {contended.Percentile(50):0.0} / {contended.Percentile(99):0.0} ms | p99 {ownSlots.Percentile(99) / concurrent.P99:0.00} / {contended.Percentile(99) / concurrent.P99:0.00} |");
        md.AppendLine(Inv, $"| storage operations of the booking phase (all but the queue listener's polling) | {bookingOps.Values.Sum()} = **{opsPerSecond:0}/s**; {(double)bookingOps.Values.Sum() / Math.Max(1, total):0.00} per request | **{opsRatio:P0}** of the floor's inserts/s (goal ≥ 70%: **{(opsRatio >= 0.7 ? "met" : "missed")}**) |");
        var entitiesPerSecond = loadEntities / elapsed.TotalSeconds;
        md.AppendLine(Inv, $"| entity operations of the booking phase, as Table Storage's scalability targets count them (each entity of a transaction once; polling aside) | {loadEntities} = **{entitiesPerSecond:0}/s**; {(double)loadEntities / Math.Max(1, total):0.00} per request | {entitiesPerSecond / concurrent.PerSecond:P0} of the floor's inserts/s (the floor's insert is one entity) |");
        md.AppendLine(Inv, $"| statuses | {string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"))} | |");
        md.AppendLine(Inv, $"| 5xx | **{serverErrors}** | |");
        md.AppendLine(Inv, $"| double bookings (storage: overlapping confirmed bookings of one counsellor; guardians with two) | **{overlaps}**; {guardiansWithTwo} ({confirmed} confirmed bookings checked) | |");
        md.AppendLine(Inv, $"| storage round trips per request under load (all, incl. queue polling) | {(double)loadTrips.Values.Sum() / Math.Max(1, total):0.0} | |");
        md.AppendLine(Inv, $"| one uncontended new booking: latency p50 | {sequential.Percentile(50):0.0} ms | {sequential.Percentile(50) / floor:0.0} × the sequential floor |");
        md.AppendLine(Inv, $"| booking events the load left, all handled before the bookings below are counted | {(drained.Left == 0 ? "yes" : $"**no: {drained.Left} still waiting**")}, {drained.Took.TotalSeconds:0} s after the load ended | |");
        md.AppendLine(Inv, $"| one uncontended new booking: storage round trips (goal ≤ 3) | **{perBooking:0.0}** ({created} bookings) | |");
        md.AppendLine(Inv, $"| one uncontended new booking after the parent opened the link (only the POST counted) | **{(double)openedTrips.Values.Sum() / Math.Max(1, openedCreated):0.0}** ({openedCreated} bookings) | |");
        md.AppendLine();
        md.AppendLine(Inv, $"Where one new booking's round trips go (per booking): {Breakdown(measuredTrips, created)}.");
        md.AppendLine();
        md.AppendLine(Inv, $"After opening the link (per booking): {Breakdown(openedTrips, openedCreated)}.");
        md.AppendLine();
        md.AppendLine(Inv, $"Opening the link (`GET /api/links/{{token}}/slots`, per open): **{(double)linkTrips.Values.Sum() / Math.Max(1, openedTokens.Count):0.0}** round trips: {Breakdown(linkTrips, openedTokens.Count)}.");
        md.AppendLine();
        md.AppendLine(Inv, $"The booking event handled after the POST (queue function), per booking: **{(double)handlerTrips.Values.Sum() / Math.Max(1, openedCreated):0.0}** round trips: {Breakdown(handlerTrips, openedCreated)}.");
        md.AppendLine();
        md.AppendLine(Inv, $"Under load, per request (201 and 409 together): {Breakdown(bookingOps, total)}.");
        md.AppendLine();
        md.AppendLine(Inv, $"Under load, mean storage latency by request (ms): {string.Join(", ", loadWaited.Where(kv => bookingOps.ContainsKey(kv.Key)).OrderByDescending(kv => kv.Value).Select(kv => $"`{kv.Key}` {(double)kv.Value / Math.Max(1, loadTrips.GetValueOrDefault(kv.Key)):0.#}"))}.");
        md.AppendLine();
        md.AppendLine(Inv, $"Azurite's processor time per storage operation, one at a time after the load (the bookings table then holds {probe.Rows} rows): a point read (`GetEntityIfExists`, a missing row of a counsellor's partition) **{probe.PointRead:0.00} ms**, the booking request's seat query (`BookingStore.ReadSeatsAsync`: the guardian's pointer and the hold rows of the horizon, one partition) **{probe.SeatQuery:0.00} ms**, against **{probe.Insert:0.00} ms** for the floor's insert (`AddEntity`).");
        md.AppendLine();
        md.AppendLine(Inv, $"Under load, processor time of the booking phase (per request): {loadCpu.Describe(total)}{(queueSide is { } q ? string.Create(Inv, $"; the blob and queue Azurite (a process of its own, `--storage split`) {q:0.0} CPU-s = {q * 1000 / Math.Max(1, total):0.00} ms per request") : "")}. Mean request latency {latency.Mean:0.0} ms, of which waiting for storage (every storage request of the phase, the queue function's included, ÷ requests) {(double)loadWaited.Where(kv => bookingOps.ContainsKey(kv.Key)).Sum(kv => kv.Value) / Math.Max(1, total):0.0} ms.");
        md.AppendLine();
    }

    private sealed record Probe(long Rows, double PointRead, double SeatQuery, double Insert);

    /// <summary>
    /// Azurite's processor time for one storage operation of each kind the booking request makes, measured one
    /// at a time (200 of each) on the bookings table as the load left it, so the figures do not depend on how
    /// busy the machine is.
    /// </summary>
    private static async Task<Probe> ProbeAsync(Context ctx, BookingStore store, string school, string counselor, string campaign)
    {
        const int N = 200;
        var table = ctx.Get<StorageAccount>().Table(StorageNames.BookingsTable);
        long rows = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            rows++;
        }

        var scratch = new TableClient(ctx.ConnectionString, "probeinserts");
        await scratch.CreateIfNotExistsAsync();
        async Task<double> EachAsync(Func<int, Task> operation)
        {
            for (var i = 0; i < 10; i++)
            {
                await operation(-1 - i);
            }

            var before = ctx.Cpu.Take();
            for (var i = 0; i < N; i++)
            {
                await operation(i);
            }

            return (CpuMeter.Between(before, ctx.Cpu.Take()).AzuriteSeconds ?? double.NaN) * 1000 / N;
        }

        var partition = $"{school}|{counselor}";
        var point = await EachAsync(i => table.GetEntityIfExistsAsync<TableEntity>(partition, $"g|{campaign}|probe-{i}"));
        var from = Clock;
        var query = await EachAsync(i => store.ReadSeatsAsync(school, counselor, campaign, $"probe-{i}", from, from.AddDays(29), CancellationToken.None));
        var payload = new string('x', 400);
        var insert = await EachAsync(i => scratch.AddEntityAsync(new TableEntity("p", (i + 100).ToString("D7", Inv)) { ["Json"] = payload }));
        return new Probe(rows, point, query, insert);
    }

    /// <summary>
    /// The campaign dispatcher's tick when nothing is due: its storage round trips with the schools the run
    /// already has, and again with <see cref="LoadOptions.Schools"/> schools, each with a campaign weeks ahead
    /// and a plan whose term campaign is made months later. The timer is off in the runner; the tick is called
    /// as the timer calls it.
    /// </summary>
    private static async Task IdleTickAsync(Context ctx, LoadOptions options, StringBuilder md)
    {
        var dispatcher = ctx.Get<CampaignDispatcher>();
        var directory = ctx.Get<SchoolDirectory>();
        var campaigns = ctx.Get<CampaignStore>();
        var planStore = ctx.Get<CampaignPlanStore>();
        async Task<(long Trips, double Ms, int Dispatched)> TickAsync()
        {
            var before = ctx.Counter.Snapshot();
            var watch = Stopwatch.StartNew();
            var dispatched = await dispatcher.DispatchDueAsync(CancellationToken.None);
            var ms = watch.Elapsed.TotalMilliseconds;
            return (WithoutQueuePolling(RoundTripCounter.Difference(before, ctx.Counter.Snapshot())).Values.Sum(), ms, dispatched.Count);
        }

        async Task AddSchoolAsync(string schoolId)
        {
            await directory.PutSchoolAsync(schoolId, new SchoolSettings
            {
                Name = "MA Beban Timer",
                TimeZone = "Asia/Jakarta",
                Terms = [new Term("2027/2028 Ganjil", "2027-07-12", "2027-12-18")],
            }, CancellationToken.None);
            await campaigns.CreateAsync(schoolId, new CampaignDefinition
            {
                Name = "Kenali guru BK",
                Term = "2027/2028 Ganjil",
                Waves = [new CampaignWave("outreach", "2027-07-19")],
                BookingWindow = new DateWindow("2027-07-19", "2027-08-31"),
            }, CancellationToken.None);
            await planStore.PutAsync(new CampaignPlan("kenali", schoolId, new CampaignPlanDefinition { Name = "Kenali guru BK", Waves = [new PlanWave("outreach", TermDay: 7)] }), CancellationToken.None);
        }

        ctx.Log.WriteLine($"Idle tick: {options.Schools} schools …");
        var start = (await directory.ListSchoolIdsAsync(CancellationToken.None)).Count;
        if (start == 0)
        {
            await AddSchoolAsync("load-idle-0000");
        }

        var few = (await directory.ListSchoolIdsAsync(CancellationToken.None)).Count;
        var visit = await TickAsync();
        var idleFew = await TickAsync();
        for (var s = few; s < options.Schools; s++)
        {
            await AddSchoolAsync($"load-idle-{s:D4}");
        }

        var many = (await directory.ListSchoolIdsAsync(CancellationToken.None)).Count;
        var visitMany = await TickAsync();
        var idleMany = new List<(long Trips, double Ms, int Dispatched)>();
        for (var i = 0; i < 10; i++)
        {
            idleMany.Add(await TickAsync());
        }

        md.AppendLine(Inv, $"### Dispatcher tick with nothing due (`CampaignDispatcher.DispatchDueAsync`, the `DispatchCampaigns` timer's work)");
        md.AppendLine();
        md.AppendLine("| schools | tick | storage round trips | time |");
        md.AppendLine("|---|---|---|---|");
        md.AppendLine(Inv, $"| {few} | first tick (fills the index, visits every school) | {visit.Trips} | {visit.Ms:0} ms |");
        md.AppendLine(Inv, $"| {few} | **idle** | **{idleFew.Trips}** | {idleFew.Ms:0.0} ms |");
        md.AppendLine(Inv, $"| {many} | tick visiting the {many - few} schools just added (each marked due by its writes) | {visitMany.Trips} | {visitMany.Ms:0} ms |");
        md.AppendLine(Inv, $"| {many} | **idle** (10 ticks) | **{string.Join(", ", idleMany.Select(t => t.Trips).Distinct())}** each | p50 {idleMany.Select(t => t.Ms).Order().ElementAt(5):0.0} ms |");
        md.AppendLine();
    }

    private static async Task CampaignAsync(Context ctx, LoadOptions options, double floor, StringBuilder md, List<string> broken)
    {
        ctx.Log.WriteLine($"Campaign: importing {options.Guardians} guardians …");
        const string School = "load-campaign";
        await PutSchoolAsync(ctx, School);
        await PutAsync(ctx, $"api/admin/schools/{School}/counselors/bk-1", new { name = "Guru BK", email = "bk1@example.sch.id" });
        var csv = new StringBuilder("student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n");
        for (var g = 0; g < options.Guardians; g++)
        {
            csv.Append(Inv, $"S{g:D6},Siswa {g},X IPA {g % 9 + 1},Wali {g},08121{g:D7},id,bk-1\n");
        }

        var import = Stopwatch.StartNew();
        await ImportAsync(ctx, School, csv.ToString());
        var importTime = import.Elapsed;
        var campaign = await CreateCampaignAsync(ctx, School);

        ctx.Acs.Reset();
        ctx.Acs.CapPerMinute = options.MaxPerMinute;
        ctx.Log.WriteLine($"Campaign: dispatching to {options.Guardians} guardians at {options.MaxPerMinute}/min …");
        var before = ctx.Counter.Snapshot();
        var timeBefore = ctx.Counter.TimeSnapshot();
        var watch = Stopwatch.StartNew();
        using (var dispatch = await ctx.Admin.PostAsync($"api/admin/campaigns/{campaign}/dispatch", null))
        {
            dispatch.EnsureSuccessStatusCode();
        }

        var expected = TimeSpan.FromMinutes((double)options.Guardians / options.MaxPerMinute);
        // A slow (shared) machine may need far longer than the cap allows; only a stuck campaign gives up.
        var giveUp = (expected * 4) + TimeSpan.FromMinutes(5);
        var lastProgress = 0;
        while (ctx.Acs.DistinctRecipients < options.Guardians && watch.Elapsed < giveUp)
        {
            await Task.Delay(250);
            if (ctx.Acs.DistinctRecipients / 1000 != lastProgress)
            {
                lastProgress = ctx.Acs.DistinctRecipients / 1000;
                ctx.Log.WriteLine($"  {ctx.Acs.DistinctRecipients} delivered after {watch.Elapsed.TotalSeconds:0} s");
            }
        }

        var endToEnd = watch.Elapsed;

        // Let retries or stragglers show themselves before counting duplicates.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var trips = RoundTripCounter.Difference(before, ctx.Counter.Snapshot());
        var waited = RoundTripCounter.Difference(timeBefore, ctx.Counter.TimeSnapshot());
        var sendLog = await CountSendStatesAsync(ctx, School, campaign);
        var delivered = ctx.Acs.DistinctRecipients;
        var rate = delivered / Math.Max(0.001, ctx.Acs.DeliverySpan.TotalSeconds);
        var cap = options.MaxPerMinute / 60.0;
        if (ctx.Acs.Duplicates > 0 || delivered < options.Guardians)
        {
            broken.Add($"campaign: {ctx.Acs.Duplicates} duplicates, {options.Guardians - delivered} not delivered");
        }

        md.AppendLine(Inv, $"### Campaign — {options.Guardians:N0} guardians, Sms__MaxPerMinute = {options.MaxPerMinute:N0} ({cap:0.#}/s)");
        md.AppendLine();
        md.AppendLine("| figure | value |");
        md.AppendLine("|---|---|");
        md.AppendLine(Inv, $"| roster import (POST …/roster, {options.Guardians:N0} rows) | {importTime.TotalSeconds:0.0} s |");
        md.AppendLine(Inv, $"| delivered to the fake ACS (distinct guardians) | {delivered:N0} of {options.Guardians:N0} |");
        md.AppendLine(Inv, $"| duplicates | **{ctx.Acs.Duplicates}** |");
        md.AppendLine(Inv, $"| achieved rate (first → last delivery) | **{rate:0.0}/s = {rate / cap:P1} of the cap** (goal ≥ 95%) |");
        md.AppendLine(Inv, $"| 429 answered by the provider (caused by our pacing) | **{ctx.Acs.Throttled}** |");
        md.AppendLine(Inv, $"| end to end (dispatch POST → last delivery) | {endToEnd.TotalSeconds:0.0} s (ideal at the cap: {expected.TotalSeconds:0} s) |");
        md.AppendLine(Inv, $"| send log states | {sendLog} |");
        md.AppendLine(Inv, $"| storage round trips per message, amortised (goal ≤ 2) | **{(double)trips.Values.Sum() / Math.Max(1, delivered):0.00}** (incl. queue polling; {(double)WithoutQueuePolling(trips).Values.Sum() / Math.Max(1, delivered):0.00} without) |");
        md.AppendLine();
        md.AppendLine(Inv, $"Where the round trips go (per message): {Breakdown(trips, delivered)}.");
        md.AppendLine();
        md.AppendLine(Inv, $"Mean storage latency by request (ms): {string.Join(", ", waited.OrderByDescending(kv => kv.Value).Select(kv => $"`{kv.Key}` {(double)kv.Value / Math.Max(1, trips.GetValueOrDefault(kv.Key)):0.#}"))}.");
        md.AppendLine();
    }

    private static async Task FeedsAsync(Context ctx, LoadOptions options, double floor, StringBuilder md)
    {
        ctx.Log.WriteLine($"Feeds: building a school with ≥ {options.FeedSlots} open slots …");
        const string School = "load-feeds";
        await PutSchoolAsync(ctx, School);
        var events = 0;
        var counselors = 0;
        while (events < options.FeedSlots && counselors < 100)
        {
            counselors++;
            await PutWeekendCounselorAsync(ctx, School, counselors, $"Guru {counselors}");
            events = CountEvents(await ctx.Http.GetStringAsync($"api/calendar/{School}/slots.ics"));
        }

        // After a change: the first subscriber to ask gets a freshly rendered feed. Renaming one counsellor
        // (outside the timing) changes the feed each time, so every timed GET renders.
        var rendered = new Stats();
        for (var i = 0; i < 25; i++)
        {
            await PutWeekendCounselorAsync(ctx, School, 1, $"Guru 1 ({i})");

            // Let whatever the change set going in the background (cache, queue) settle before timing.
            await Task.Delay(300);
            var watch = Stopwatch.StartNew();
            using var response = await ctx.Http.GetAsync($"api/calendar/{School}/slots.ics");
            await response.Content.ReadAsByteArrayAsync();
            if (i >= 5)
            {
                rendered.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        // Unchanged: every later subscriber gets the bytes rendered for the first.
        var full = new Stats();
        var notModified = new Stats();
        string? etag = null;
        long bytes = 0;
        for (var i = 0; i < 25; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await ctx.Http.GetAsync($"api/calendar/{School}/slots.ics");
            var body = await response.Content.ReadAsByteArrayAsync();
            if (i >= 5)
            {
                full.Add(watch.Elapsed.TotalMilliseconds);
            }

            bytes = body.Length;
            etag = response.Headers.ETag?.ToString();
        }

        var status = 0;
        for (var i = 0; i < 25; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/calendar/{School}/slots.ics");
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            var watch = Stopwatch.StartNew();
            using var response = await ctx.Http.SendAsync(request);
            await response.Content.LoadIntoBufferAsync();
            if (i >= 5)
            {
                notModified.Add(watch.Elapsed.TotalMilliseconds);
            }

            status = (int)response.StatusCode;
        }

        md.AppendLine(Inv, $"### Feeds — GET /api/calendar/{{school}}/slots.ics, {events} open slots ({counselors} counsellors), {bytes / 1024.0:0} KiB");
        md.AppendLine();
        md.AppendLine("| figure | p50 | p95 | p50 ÷ floor |");
        md.AppendLine("|---|---|---|---|");
        md.AppendLine(Inv, $"| first GET after a change (200, rendered) | {rendered.Percentile(50):0.0} ms | {rendered.Percentile(95):0.0} ms | {rendered.Percentile(50) / floor:0} |");
        md.AppendLine(Inv, $"| GET of an unchanged feed (200, bytes kept from its render) | {full.Percentile(50):0.0} ms | {full.Percentile(95):0.0} ms | {full.Percentile(50) / floor:0} |");
        md.AppendLine(Inv, $"| conditional GET (If-None-Match → {status}) | {notModified.Percentile(50):0.0} ms | {notModified.Percentile(95):0.0} ms | {notModified.Percentile(50) / floor:0} |");
        md.AppendLine();
    }

    private static int CountEvents(string ics) => ics.Split("BEGIN:VEVENT").Length - 1;

    private static async Task<string> CountSendStatesAsync(Context ctx, string school, string campaign)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in ctx.Get<SendLog>().ListWaveAsync(school, campaign, 0, ["State"], CancellationToken.None))
        {
            var state = row.GetString("State") ?? "?";
            counts[state] = counts.GetValueOrDefault(state) + 1;
        }

        return string.Join(", ", counts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
    }

    /// <summary>
    /// Leaves out the local runner's queue listener: its receives (<c>GET …/messages</c>) and the queue create
    /// it repeats before each poll (<c>PUT {queue}</c>); neither is work of the request being measured.
    /// </summary>
    private static Dictionary<string, long> WithoutQueuePolling(Dictionary<string, long> trips) =>
        trips.Where(kv => !RoundTripCounter.IsPolling(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static void Add(Dictionary<string, long> sum, Dictionary<string, long> more)
    {
        foreach (var (key, value) in more)
        {
            sum[key] = sum.GetValueOrDefault(key) + value;
        }
    }

    private static string Breakdown(Dictionary<string, long> trips, int per) =>
        string.Join(", ", trips.OrderByDescending(kv => kv.Value).Select(kv => $"`{kv.Key}` {(double)kv.Value / Math.Max(1, per):0.##}"));

    /// <summary>Counsellor f{n}: Saturday and Sunday 07:00–17:00, 30-minute slots, four weeks ahead.</summary>
    private static Task PutWeekendCounselorAsync(Context ctx, string school, int n, string name) =>
        PutAsync(ctx, $"api/admin/schools/{school}/counselors/f{n}", new
        {
            name,
            email = $"f{n}@example.sch.id",
            windows = new[] { new { days = new[] { "Sat", "Sun" }, from = "07:00", to = "17:00", mode = "either" } },
            slotMinutes = 30,
            bufferMinutes = 0,
            seats = 1,
            minimumNoticeHours = 24,
            horizonDays = 28,
        });

    private static async Task PutSchoolAsync(Context ctx, string school) =>
        await PutAsync(ctx, $"api/admin/schools/{school}", new
        {
            name = "MA Beban Uji",
            timeZone = "Asia/Jakarta",
            latitude = -2.9761,
            longitude = 104.7754,
            language = "id",
            sendingWindow = new { from = "08:00", to = "20:00" },
            terms = new[] { new { name = "2026/2027 Genap", firstDay = "2027-01-04", lastDay = "2027-06-19" } },
            blackouts = Array.Empty<object>(),
        });

    private static async Task PutAsync(Context ctx, string path, object body)
    {
        using var response = await ctx.Admin.PutAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task ImportAsync(Context ctx, string school, string csv)
    {
        using var response = await ctx.Admin.PostAsync($"api/admin/schools/{school}/roster", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || JsonDocument.Parse(body).RootElement.GetProperty("rejected").GetArrayLength() > 0)
        {
            throw new InvalidOperationException($"Roster import: {(int)response.StatusCode} {body[..Math.Min(500, body.Length)]}");
        }
    }

    private static async Task<string> CreateCampaignAsync(Context ctx, string school)
    {
        using var response = await ctx.Admin.PostAsJsonAsync($"api/admin/schools/{school}/campaigns", new
        {
            name = "Kenali guru BK",
            term = "2026/2027 Genap",
            template = "outreach",
            waves = new object[] { new { kind = "outreach", sendOn = "2027-01-11" } },
            bookingWindow = new { from = "2027-01-11", to = "2027-02-14" },
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private sealed record GuardianToken(string Student, string Counselor, string Token);

    private static async Task<List<GuardianToken>> TokensAsync(Context ctx, string school, string campaignId)
    {
        var definition = (await ctx.Get<CampaignStore>().GetAsync(school, campaignId, CancellationToken.None))!.Definition;
        var expires = CampaignValidation.LinksExpireAt(definition, DateTimeZoneProviders.Tzdb["Asia/Jakarta"]);
        var links = ctx.Get<LinkTokens>();
        var list = new List<GuardianToken>();
        foreach (var g in await ctx.Get<SchoolDirectory>().ListGuardiansAsync(school, CancellationToken.None))
        {
            list.Add(new GuardianToken(g.Students[0].Id, g.Students[0].CounselorId, await links.IssueAsync(school, g.Id, campaignId, expires, CancellationToken.None)));
        }

        return list;
    }
}
