namespace BkOutreach.Tests.Infrastructure;

/// <summary>The test run brings Chromium and khal itself on a machine with only .NET and Node.</summary>
public sealed class SystemProgramsTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("bk-system-programs-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task MissingProgram_RunsTheInstallerOnce_AndCarriesOnWhenItInstalled()
    {
        var marker = Path.Combine(_folder.FullName, "installed");
        var runs = Path.Combine(_folder.FullName, "runs");
        var installer = Script($"echo run >> '{runs}'; touch '{marker}'");
        bool IsInstalled(string _) => File.Exists(marker);

        await Task.WhenAll(
            SystemPrograms.EnsureAsync(["chromium", "khal"], installer, IsInstalled, LockFile()),
            SystemPrograms.EnsureAsync(["chromium", "khal"], installer, IsInstalled, LockFile()));

        Assert.True(File.Exists(marker));
        Assert.Single(await File.ReadAllLinesAsync(runs));
    }

    [Fact]
    public async Task InstalledPrograms_DoNotRunTheInstaller()
    {
        var installer = Script("echo should not run >&2; exit 9");

        await SystemPrograms.EnsureAsync(["chromium", "khal"], installer, _ => true, LockFile());
    }

    [Fact]
    public async Task InstallerThatCannotInstall_FailsNamingWhatIsMissing_WhyAndHowToFixIt()
    {
        var installer = Script("echo \"missing: khal; installing needs root or passwordless sudo\" >&2; exit 1");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            SystemPrograms.EnsureAsync(["chromium", "khal"], installer, p => p == "chromium", LockFile()));

        Assert.Contains("The tests need khal", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("need chromium", e.Message, StringComparison.Ordinal);
        Assert.Contains("(exit 1)", e.Message, StringComparison.Ordinal);
        Assert.Contains("installing needs root or passwordless sudo", e.Message, StringComparison.Ordinal);
        Assert.Contains("sudo apt-get install khal", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsOnPath_FindsAnExecutableOnPath_AndNotAMissingOne()
    {
        Assert.True(SystemPrograms.IsOnPath("bash"));
        Assert.False(SystemPrograms.IsOnPath("bk-no-such-program-" + Guid.NewGuid().ToString("N")));
    }

    private string LockFile() => Path.Combine(_folder.FullName, "install.lock");

    private string Script(string body)
    {
        var path = Path.Combine(_folder.FullName, $"install-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/usr/bin/env bash\n" + body + "\n");
        return path;
    }
}
