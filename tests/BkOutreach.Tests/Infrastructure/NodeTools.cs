using System.Text.Json;
using BkOutreach.LocalRunner;

namespace BkOutreach.Tests.Infrastructure;

/// <summary>
/// tests/node: independent references from npm (adhan, ical.js, axe-core), pinned by package-lock.json.
/// Runs <c>npm ci</c> when node_modules lacks one of them, under a lock file so parallel test hosts do not
/// install into the same folder at once (CI has already run it).
/// </summary>
public static class NodeTools
{
    public static string Folder { get; } = Path.Combine(RepoPaths.Root, "tests", "node");

    /// <summary>A file inside an installed package, e.g. <c>("axe-core", "axe.min.js")</c>.</summary>
    public static async Task<string> PackageFileAsync(string package, string file)
    {
        await EnsureInstalledAsync();
        return Path.Combine(Folder, "node_modules", package, file);
    }

    /// <summary>Runs a script of tests/node and fails with its stderr when it exits non-zero.</summary>
    public static async Task<string> RunScriptAsync(string script, params string[] arguments)
    {
        await EnsureInstalledAsync();
        var result = await ExternalProgram.RunAsync("node", [script, .. arguments], Folder);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} failed (exit {result.ExitCode}): {result.Stderr}");
        }

        return result.Stdout;
    }

    public static async Task EnsureInstalledAsync()
    {
        if (Installed())
        {
            return;
        }

        using var installLock = await FileLock.AcquireAsync(Path.Combine(Folder, ".install.lock"), CancellationToken.None);
        if (Installed())
        {
            return;
        }

        var npm = await ExternalProgram.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], Folder);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci in tests/node failed (exit {npm.ExitCode}): {npm.Stderr}");
        }
    }

    private static bool Installed()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "package.json")));
        return manifest.RootElement.GetProperty("dependencies").EnumerateObject()
            .All(p => File.Exists(Path.Combine(Folder, "node_modules", p.Name, "package.json")));
    }
}
