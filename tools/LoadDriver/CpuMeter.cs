using System.Diagnostics;
using System.Globalization;

namespace BkOutreach.LoadDriver;

/// <summary>
/// Processor time used by this process (the driver's clients and the local runner with the function app)
/// and by the run's Azurite (its node process, found by its table port), so a phase can say whether the
/// time goes to the app or to storage. Null for Azurite where its process cannot be found (not Linux).
/// </summary>
public sealed class CpuMeter
{
    private readonly Process? _azurite;

    public CpuMeter(int azuriteTablePort)
    {
        var port = "--tablePort\0" + azuriteTablePort.ToString(CultureInfo.InvariantCulture) + "\0";
        foreach (var node in Process.GetProcessesByName("node"))
        {
            try
            {
                if (File.ReadAllText($"/proc/{node.Id}/cmdline").Contains(port, StringComparison.Ordinal))
                {
                    _azurite = node;
                    continue;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            node.Dispose();
        }
    }

    public readonly record struct Sample(TimeSpan App, TimeSpan? Azurite, long Ticks);

    /// <summary>What each side used between two samples, in processor seconds, and the wall time between them.</summary>
    public readonly record struct Use(double AppSeconds, double? AzuriteSeconds, double WallSeconds)
    {
        public string Describe(int requests) =>
            string.Create(CultureInfo.InvariantCulture, $"app (driver clients + runner) {AppSeconds:0.0} CPU-s = {AppSeconds * 1000 / Math.Max(1, requests):0.00} ms per request, {AppSeconds / WallSeconds:0.00} cores")
            + (AzuriteSeconds is { } a ? string.Create(CultureInfo.InvariantCulture, $"; Azurite {a:0.0} CPU-s = {a * 1000 / Math.Max(1, requests):0.00} ms per request, {a / WallSeconds:0.00} cores (it runs on one)") : "; Azurite: not measured");
    }

    public Sample Take()
    {
        using var self = Process.GetCurrentProcess();
        TimeSpan? azurite = null;
        if (_azurite is not null)
        {
            _azurite.Refresh();
            azurite = _azurite.TotalProcessorTime;
        }

        return new Sample(self.TotalProcessorTime, azurite, Stopwatch.GetTimestamp());
    }

    public static Use Between(Sample before, Sample after) =>
        new(
            (after.App - before.App).TotalSeconds,
            after.Azurite is { } a && before.Azurite is { } b ? (a - b).TotalSeconds : null,
            Stopwatch.GetElapsedTime(before.Ticks, after.Ticks).TotalSeconds);
}
