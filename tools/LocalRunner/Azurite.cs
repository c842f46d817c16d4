using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BkOutreach.LocalRunner;

/// <summary>
/// Starts the pinned Azurite (tools/azurite, installed with npm when missing) and stops it again when
/// disposed. Only what this process started is stopped.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    // The emulator's documented, public development key; it protects nothing.
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly bool _persistent;
    private int _disposed;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort, bool persistent)
    {
        _process = process;
        _persistent = persistent;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    public bool HasExited => _process.HasExited;

    public static bool IsListening(int port)
    {
        using var client = new TcpClient();
        try
        {
            return client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromMilliseconds(500)) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    /// <summary>Starts Azurite on the given ports; <paramref name="location"/> null keeps everything in memory.</summary>
    /// <summary>
    /// Starts Azurite on three free ports. They are chosen together, so never the same twice, and if another
    /// process takes one before Azurite binds it (tests run in parallel) it is tried again on new ones.
    /// </summary>
    public static async Task<Azurite> StartOnFreePortsAsync(string? location, TextWriter log, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ports = FreePorts(3);
            try
            {
                return await StartAsync(ports[0], ports[1], ports[2], location, log, cancellationToken);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("before listening", StringComparison.Ordinal))
            {
                log.WriteLine($"{ex.Message} Trying other ports.");
            }
        }
    }

    /// <summary><paramref name="count"/> distinct loopback ports free at this moment (all held open while chosen).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    /// <summary>Where Azurite writes a V8 CPU profile (<c>BK_AZURITE_CPU_PROFILE</c>, a folder), for docs/benchmarks.md; null: none.</summary>
    private static string? CpuProfileFolder => Environment.GetEnvironmentVariable("BK_AZURITE_CPU_PROFILE") is { Length: > 0 } folder ? folder : null;

    public static async Task<Azurite> StartAsync(int blobPort, int queuePort, int tablePort, string? location, TextWriter log, CancellationToken cancellationToken)
    {
        var script = await EnsureInstalledAsync(log, cancellationToken);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.AzuriteFolder,
        };
        if (CpuProfileFolder is { } prof)
        {
            // A V8 CPU profile of Azurite, written when it stops (so it is then stopped with SIGTERM, not killed).
            start.ArgumentList.Add("--cpu-prof");
            start.ArgumentList.Add("--cpu-prof-dir=" + prof);
        }

        foreach (var arg in new[]
        {
            script, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(location);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                log.WriteLine($"azurite: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new Azurite(process, blobPort, queuePort, tablePort, persistent: location is not null);
        var deadline = Stopwatch.StartNew();
        while (!(IsListening(blobPort) && IsListening(queuePort) && IsListening(tablePort)))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before listening on {blobPort}/{queuePort}/{tablePort}.");
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                await azurite.DisposeAsync();
                throw new TimeoutException("Azurite did not listen within 60 s.");
            }

            await Task.Delay(100, cancellationToken);
        }

        return azurite;
    }

    /// <summary>Installs the pinned Azurite with npm when tools/azurite/node_modules lacks it.</summary>
    public static async Task<string> EnsureInstalledAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var folder = RepoPaths.AzuriteFolder;
        var script = Path.Combine(folder, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (File.Exists(script))
        {
            return script;
        }

        using var installLock = await FileLock.AcquireAsync(Path.Combine(folder, ".install.lock"), cancellationToken);
        if (File.Exists(script))
        {
            return script;
        }

        log.WriteLine("Installing Azurite (npm, tools/azurite) …");
        var npm = new ProcessStartInfo("npm") { WorkingDirectory = folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { File.Exists(Path.Combine(folder, "package-lock.json")) ? "ci" : "install", "--no-audit", "--no-fund" })
        {
            npm.ArgumentList.Add(arg);
        }

        using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm is required (Node.js 20 or newer).");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 || !File.Exists(script))
        {
            throw new InvalidOperationException($"npm could not install Azurite (exit {process.ExitCode}): {await stderr}");
        }

        return script;
    }

    /// <summary>
    /// Stops Azurite. With a folder it is asked to stop (SIGTERM) so it writes its table and queue metadata
    /// to disk first — a killed Azurite loses the last few seconds of writes, which would be the emulator's
    /// loss, not ours; in memory there is nothing to keep and it is simply killed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if ((_persistent || CpuProfileFolder is not null) && !_process.HasExited && await AskToStopAsync(_process.Id))
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _process.Dispose();
    }
    private static async Task<bool> AskToStopAsync(int processId)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", processId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
            if (kill is null)
            {
                return false;
            }

            await kill.WaitForExitAsync();
            return kill.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A lock file so parallel test hosts do not run npm in the same folder at once.</summary>
internal sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose));
            }
            catch (IOException)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
