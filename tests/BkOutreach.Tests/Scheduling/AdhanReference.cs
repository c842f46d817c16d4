using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BkOutreach.LocalRunner;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Tests.Scheduling;

/// <summary>
/// Runs tests/node/prayer-times.js (the npm package <c>adhan</c>, pinned by package-lock.json) and reads
/// its times back. Installs the package with <c>npm ci</c> when node_modules lacks it, under a lock file
/// so parallel test hosts do not install into the same folder at once.
/// </summary>
internal static class AdhanReference
{
    private static readonly LocalDateTimePattern Pattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss");

    public static async Task<IReadOnlyList<AdhanDay>> YearAsync(double latitude, double longitude, string zone, int year, int ihtiyatMinutes)
    {
        var folder = NodeFolder();
        await EnsureInstalledAsync(folder);
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "prayer-times.js", latitude.ToString(CultureInfo.InvariantCulture), longitude.ToString(CultureInfo.InvariantCulture), zone, year.ToString(CultureInfo.InvariantCulture), ihtiyatMinutes.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node is required (Node.js 20 or newer).");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"prayer-times.js failed (exit {process.ExitCode}): {await stderr}");
        }

        using var json = JsonDocument.Parse(await stdout);
        return json.RootElement.EnumerateArray().Select(day => new AdhanDay(
            LocalDatePattern.Iso.Parse(day.GetProperty("date").GetString()!).Value,
            Read(day, "fajr"),
            Read(day, "sunrise"),
            Read(day, "dhuhr"),
            Read(day, "asr"),
            Read(day, "maghrib"),
            Read(day, "isha"))).ToList();
    }

    private static LocalDateTime Read(JsonElement day, string name) => Pattern.Parse(day.GetProperty(name).GetString()!).Value;

    private static string NodeFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "node");
            if (File.Exists(Path.Combine(candidate, "prayer-times.js")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/node/prayer-times.js not found above " + AppContext.BaseDirectory);
    }

    private static async Task EnsureInstalledAsync(string folder)
    {
        var marker = Path.Combine(folder, "node_modules", "adhan", "package.json");
        if (File.Exists(marker))
        {
            return;
        }

        using var installLock = await FileLock.AcquireAsync(Path.Combine(folder, ".install.lock"), CancellationToken.None);
        if (File.Exists(marker))
        {
            return;
        }

        var npm = new ProcessStartInfo("npm") { WorkingDirectory = folder, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund" })
        {
            npm.ArgumentList.Add(arg);
        }

        using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm is required (Node.js 20 or newer).");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci in tests/node failed (exit {process.ExitCode}): {await stderr}");
        }
    }
}

internal sealed record AdhanDay(LocalDate Date, LocalDateTime Fajr, LocalDateTime Sunrise, LocalDateTime Dhuhr, LocalDateTime Asr, LocalDateTime Maghrib, LocalDateTime Isha);
