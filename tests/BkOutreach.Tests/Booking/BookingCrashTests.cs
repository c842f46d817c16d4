using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using static BkOutreach.Tests.Reliability.ReliabilityKit;

namespace BkOutreach.Tests.Booking;

/// <summary>
/// The runner process killed (SIGKILL, no shutdown) right after a booking's 201, then started again on the
/// same storage: what the booking set off happens once, and reading the evidence writes nothing.
/// </summary>
public sealed class BookingCrashTests
{
    [Fact]
    public async Task RunnerKilledRightAfterA201_AfterARestart_OneConfirmation_TheBookedFact_AndReadsWriteNothing()
    {
        await using var azurite = await Azurite.StartOnFreePortsAsync(null, TextWriter.Null, CancellationToken.None);
        await using var acs = await FakeAcsServer.StartAsync(clock: new RunnerClock(SchoolMorning));
        string schoolId, token, slot;
        await using (var seeding = await TestRunner.StartAsync(s => s["AzureWebJobsStorage"] = azurite.ConnectionString, new RunnerSettings { Clock = SchoolMorning }))
        {
            var (journey, campaign) = await SchoolWithFamiliesAsync(seeding, 1);
            schoolId = journey.SchoolId;
            token = (await TokensAsync(seeding, schoolId, campaign))[0].Token;
            slot = (await seeding.Http.GetFromJsonAsync<JsonElement>($"api/links/{token}/slots")).EnumerateArray().First().GetProperty("id").GetString()!;

        }

        HttpStatusCode answered;
        using (var first = await RunnerProcess.StartAsync(azurite, acs, SchoolMorning))
        {
            using var booked = await first.Http.PostAsync($"api/links/{token}/booking", OutreachJourney.Json(new { slotId = slot }));
            first.Kill();
            answered = booked.StatusCode;
        }

        var tables = new TableServiceClient(azurite.ConnectionString);
        using var second = await RunnerProcess.StartAsync(azurite, acs, SchoolMorning.AddMinutes(3));
        Assert.Equal(HttpStatusCode.Accepted, (await second.Http.PostAsync("admin/functions/SweepBookingEvents", null)).StatusCode);
        var facts = await EventuallyAsync(() => KindsAsync(tables, schoolId), k => k.Contains("booked"), TimeSpan.FromSeconds(60));
        await EventuallyAsync(() => Task.FromResult(acs.Deliveries.Count), n => n > 0, TimeSpan.FromSeconds(60));
        await EventuallyAsync(() => PendingAsync(tables), n => n == 0, TimeSpan.FromSeconds(60));

        var before = await SnapshotAsync(tables);
        foreach (var read in new[] { "dashboard", "participation.csv", "participation-events.csv" })
        {
            using var response = await second.Http.GetAsync($"api/admin/schools/{schoolId}/{read}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var after = await SnapshotAsync(tables);

        // Swept once more and given a moment: still one confirmation.
        Assert.Equal(HttpStatusCode.Accepted, (await second.Http.PostAsync("admin/functions/SweepBookingEvents", null)).StatusCode);
        await EventuallyAsync(async () => (await new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, "booking-events").PeekMessagesAsync(1)).Value.Length, n => n == 0, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Created, answered);
        Assert.Single(facts, k => k == "booked");
        Assert.Single(acs.Deliveries);
        Assert.Equal(before, after);
    }

    private static async Task<List<string>> KindsAsync(TableServiceClient tables, string schoolId)
    {
        var kinds = new List<string>();
        await foreach (var row in tables.GetTableClient(StorageNames.ParticipationTable).QueryAsync<TableEntity>(e => e.PartitionKey == schoolId))
        {
            kinds.Add(row.GetString("Kind") ?? "");
        }

        return kinds;
    }

    private static async Task<int> PendingAsync(TableServiceClient tables)
    {
        var pending = 0;
        await foreach (var row in tables.GetTableClient(StorageNames.BookingsTable).QueryAsync<TableEntity>(e => e.RowKey.CompareTo("e|") >= 0 && e.RowKey.CompareTo("e}") < 0))
        {
            pending++;
        }

        return pending;
    }

    /// <summary>
    /// Every row of every table, by key and ETag: any write shows. Except the dashboard's roll-ups: its first
    /// view builds them from the log (and counts a fact whose counting the kill interrupted), which is the
    /// roll-ups' repair, not a change of the evidence.
    /// </summary>
    private static async Task<string> SnapshotAsync(TableServiceClient tables)
    {
        var rows = new List<string>();
        foreach (var table in StorageNames.Tables.Where(t => t != StorageNames.DashboardRollupsTable))
        {
            await foreach (var row in tables.GetTableClient(table).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
            {
                rows.Add($"{table}/{row.PartitionKey}/{row.RowKey}/{row.ETag}");
            }
        }

        return string.Join("\n", rows.Order(StringComparer.Ordinal));
    }

    /// <summary>The local runner as its own process (the built program), so it can be killed without any shutdown.</summary>
    private sealed class RunnerProcess : IDisposable
    {
        private readonly Process _process;

        private RunnerProcess(Process process, int port)
        {
            _process = process;
            Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            Http.DefaultRequestHeaders.Add("x-functions-key", TestRunner.AdminKey);
        }

        public HttpClient Http { get; }

        public static async Task<RunnerProcess> StartAsync(Azurite azurite, FakeAcsServer acs, DateTimeOffset clock)
        {
            var port = TestAzurite.FreePort();
            var dll = Path.Combine(AppContext.BaseDirectory, "BkOutreach.LocalRunner.dll");
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = RepoPaths.Root,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[] { dll, "--port", port.ToString(CultureInfo.InvariantCulture), "--clock", clock.ToString("O", CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["AzureWebJobsStorage"] = azurite.ConnectionString;
            start.Environment["Admin__ApiKey"] = TestRunner.AdminKey;
            start.Environment["Links__BaseUrl"] = $"http://127.0.0.1:{port}";
            start.Environment["Sms__Provider"] = "Acs";
            start.Environment["Sms__Acs__ConnectionString"] = acs.ConnectionString;
            start.Environment["Sms__Acs__From"] = "+18005550100";
            start.Environment["Sms__Acs__MessagingConnect__Partner"] = "partner-x";
            start.Environment["Sms__Acs__MessagingConnect__ApiKey"] = "partner-key";
            var process = Process.Start(start) ?? throw new InvalidOperationException("The runner did not start.");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var runner = new RunnerProcess(process, port);
            var ready = await EventuallyAsync(
                async () =>
                {
                    try
                    {
                        using var health = await runner.Http.GetAsync("api/health");
                        return health.StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                ok => ok || process.HasExited,
                TimeSpan.FromSeconds(60));
            if (!ready)
            {
                runner.Dispose();
                throw new InvalidOperationException("The runner process did not become healthy.");
            }

            return runner;
        }

        /// <summary>SIGKILL: no shutdown hooks, no flushing, nothing in memory survives.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
            Http.Dispose();
        }
    }
}
