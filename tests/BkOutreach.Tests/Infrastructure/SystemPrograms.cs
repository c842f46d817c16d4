using BkOutreach.LocalRunner;

namespace BkOutreach.Tests.Infrastructure;

/// <summary>
/// The system programs some tests drive as a person's tools would (Debian's Chromium for the browser tests,
/// khal for the calendar-client tests). A machine with only the .NET SDK and Node has neither, so the first
/// test that needs one runs <c>.ci/install-system</c> (as root, or with passwordless sudo) once per test
/// process, under a lock file shared with parallel test hosts; when that cannot install them, the test fails
/// with a message that says what to install and how.
/// </summary>
public static class SystemPrograms
{
    public static readonly IReadOnlyList<string> Required = ["chromium", "khal"];

    private static readonly Lazy<Task> Installed = new(() => EnsureAsync(
        Required, Path.Combine(RepoPaths.Root, ".ci", "install-system"), IsOnPath, Path.Combine(Path.GetTempPath(), "bkoutreach-install-system.lock")));

    /// <summary>Chromium and khal are on PATH when this completes.</summary>
    public static Task EnsureInstalledAsync() => Installed.Value;

    public static bool IsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .Any(path => File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0));

    /// <summary>Runs <paramref name="installer"/> when one of <paramref name="programs"/> is missing, then checks again.</summary>
    internal static async Task EnsureAsync(IReadOnlyList<string> programs, string installer, Func<string, bool> isInstalled, string lockFile)
    {
        if (programs.All(isInstalled))
        {
            return;
        }

        using var installLock = await FileLock.AcquireAsync(lockFile, CancellationToken.None);
        if (programs.All(isInstalled))
        {
            return;
        }

        ProgramResult result;
        try
        {
            result = await ExternalProgram.RunAsync("bash", [installer], RepoPaths.Root, timeout: TimeSpan.FromMinutes(15));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            result = new ProgramResult(-1, "", e.Message);
        }

        var missing = programs.Where(p => !isInstalled(p)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The tests need {string.Join(" and ", missing)}, and {installer} could not install {(missing.Count == 1 ? "it" : "them")} " +
                $"(exit {result.ExitCode}): {(result.Stderr + result.Stdout).Trim()}\n" +
                $"Install {string.Join(" and ", missing)} yourself (Debian/Ubuntu: sudo apt-get install {string.Join(' ', missing)}), " +
                "or run the tests as root or with passwordless sudo so the test run installs them.");
        }
    }
}
