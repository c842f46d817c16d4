using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace BkOutreach.Infra.Tests;

/// <summary>
/// The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package, and where the templates live. Both
/// paths are written into the test assembly by the project file, so nothing guesses the NuGet cache layout.
/// </summary>
internal static class Bicep
{
    private static readonly Lazy<string> Executable = new(PrepareExecutable);

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public static string TemplateDirectory { get; } = Path.Combine(RepositoryRoot, "infra", "bicep");

    public static string MainTemplate { get; } = Path.Combine(TemplateDirectory, "main.bicep");

    public static string MainParameters { get; } = Path.Combine(TemplateDirectory, "main.bicepparam");

    public static IEnumerable<string> TemplateFiles() =>
        Directory.EnumerateFiles(TemplateDirectory, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>Compiles a .bicep file to ARM JSON on stdout; diagnostics (warnings and errors) go to stderr.</summary>
    public static CliResult Build(string bicepFile) => Run("build", bicepFile, "--stdout");

    /// <summary>Compiles a .bicepparam file (and the template it uses) to a parameters envelope on stdout.</summary>
    public static CliResult BuildParams(string parametersFile, IReadOnlyDictionary<string, string> environment) =>
        Run(environment, "build-params", parametersFile, "--stdout");

    private static CliResult Run(params string[] arguments) => Run(new Dictionary<string, string>(), arguments);

    private static CliResult Run(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TemplateDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Offline and quiet: no telemetry, no version check against the internet.
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 2 minutes.");
        }

        return new CliResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string PrepareExecutable()
    {
        var path = Metadata("BicepPath");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The Bicep CLI is missing; restore the test project (Azure.Bicep.CommandLine.linux-x64).", path);
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The referenced Bicep package is the linux-x64 build.");
        }

        // NuGet extracts files without the execute bit.
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | execute);
        }

        return path;
    }

    private static string Metadata(string key) =>
        typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing from the test project.");
}

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Every non-empty stderr line: Bicep prints one per warning or error.</summary>
    public IReadOnlyList<string> Diagnostics =>
        Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public JsonNode Json() => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("bicep printed no JSON.");
}
