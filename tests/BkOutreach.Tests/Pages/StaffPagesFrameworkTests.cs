using BkOutreach.Core.Access;
using BkOutreach.Core.Staff;

namespace BkOutreach.Tests.Pages;

/// <summary>The staff pages' shared frame: words from paired text files, the menu, the error summary, escaping.</summary>
public sealed class StaffPagesFrameworkTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "staff-pages-" + Guid.NewGuid().ToString("N"));

    public StaffPagesFrameworkTests()
    {
        CopyFolder(StaffHome.DefaultFolder, _folder);
        File.WriteAllText(
            Path.Combine(_folder, "probe.liquid"),
            "{% render '_top', c: c, t: t, title: t.probe_title %}<p>{{ t.probe_body }}</p>{% render '_bottom', c: c, t: t %}");
        File.WriteAllText(Path.Combine(_folder, "text", "probe.id.json"), """{ "probe_title": "Percobaan", "probe_body": "Isi <b>tebal</b>" }""");
        File.WriteAllText(Path.Combine(_folder, "text", "probe.en.json"), """{ "probe_title": "Probe", "probe_body": "Body" }""");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void TheRepositorysStaffTexts_LoadWithEveryKeyInBothLanguages() =>
        Assert.Equal("Simpan", new StaffPages().Text("common", "id", "save"));

    [Fact]
    public void AKeyInOnlyOneLanguage_FailsStartUp_NamingIt()
    {
        File.WriteAllText(Path.Combine(_folder, "text", "probe.en.json"), """{ "probe_title": "Probe" }""");
        var error = Assert.Throws<InvalidOperationException>(() => new StaffPages(_folder));
        Assert.Contains("probe_body", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsAreSummarisedAtTheTop_LinkingToTheirFields_AndEverythingIsEscaped()
    {
        var pages = new StaffPages(_folder);
        var frame = new StaffFrame(
            "id", "guru<bk>@x.sch.id", "SMA \"1\"", "tok",
            [new StaffNavLink("Beranda", "/api/staff", true)],
            [new FieldError("from-0", "Isi jam <mulai>")],
            "");

        var html = pages.Render("probe", frame, new Dictionary<string, object?>());

        Assert.Contains("<title>Galat: Percobaan · BkOutreach</title>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"#from-0\">Isi jam &lt;mulai&gt;</a>", html, StringComparison.Ordinal);
        Assert.Contains("guru&lt;bk&gt;@x.sch.id", html, StringComparison.Ordinal);
        Assert.Contains("aria-current=\"page\"", html, StringComparison.Ordinal);
        Assert.Contains("Isi &lt;b&gt;tebal&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"id\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void English_TakesTheEnglishWords_AndOffersIndonesianBack()
    {
        var pages = new StaffPages(_folder);
        var frame = new StaffFrame("en", "a@b.id", "", "tok", [], [], "Saved");

        var html = pages.Render("probe", frame, new Dictionary<string, object?>());

        Assert.Contains("<title>Probe · BkOutreach</title>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"?lang=id\"", html, StringComparison.Ordinal);
        Assert.Contains("role=\"status\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"error-summary\"", html, StringComparison.Ordinal);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
