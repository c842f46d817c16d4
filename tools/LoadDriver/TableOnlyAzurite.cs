using System.Diagnostics;
using System.Globalization;
using BkOutreach.LocalRunner;

namespace BkOutreach.LoadDriver;

/// <summary>
/// A second Azurite process serving only the Table service (<c>--storage split</c>). One Azurite process
/// serves blobs, queues and tables on one Node thread, so its queue work (the booking outbox's messages and
/// the queue listener's polling) is taken from the same processor as the table's; in Azure the Queue and
/// Table services of an account scale apart. Tables then live here; blobs and queues stay on the full one.
/// </summary>
public sealed class TableOnlyAzurite : IAsyncDisposable
{
    private readonly Process _process;

    private TableOnlyAzurite(Process process, int port)
    {
        _process = process;
        TablePort = port;
    }

    public int TablePort { get; }

    /// <summary>The full Azurite's connection string with its table endpoint moved to this process.</summary>
    public string ConnectionStringBesides(Azurite full) =>
        full.ConnectionString.Replace(
            $"TableEndpoint=http://127.0.0.1:{full.TablePort}/",
            $"TableEndpoint=http://127.0.0.1:{TablePort}/",
            StringComparison.Ordinal);

    public static async Task<TableOnlyAzurite> StartAsync(TextWriter log)
    {
        var full = await Azurite.EnsureInstalledAsync(log, CancellationToken.None);
        var script = Path.Combine(Path.GetDirectoryName(full)!, "table", "main.js");
        var port = Azurite.FreePorts(1)[0];
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.AzuriteFolder,
        };
        foreach (var arg in new[]
        {
            script, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--inMemoryPersistence",
            "--tableHost", "127.0.0.1", "--tablePort", port.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite's Table service.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                log.WriteLine($"azurite-table: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var table = new TableOnlyAzurite(process, port);
        var deadline = Stopwatch.StartNew();
        while (!Azurite.IsListening(port))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                await table.DisposeAsync();
                throw new InvalidOperationException($"Azurite's Table service did not listen on {port}.");
            }

            await Task.Delay(100);
        }

        return table;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _process.Dispose();
    }
}
