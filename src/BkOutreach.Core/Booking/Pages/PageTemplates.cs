using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace BkOutreach.Core.Booking.Pages;

/// <summary>
/// The parents' pages in <c>templates/pages</c>: Liquid files named <c>{page}.{language}.liquid</c> (or
/// <c>{page}.liquid</c> for a page written once whose words come from data, as the staff pages do), and
/// partials named <c>_{name}.liquid</c> that pages pull in with <c>{% render '_name' %}</c>. Everything is
/// parsed when loaded, so a broken file fails start-up, not a parent's request. Variables are set
/// explicitly and undefined ones throw; every value is HTML-encoded on output (there is no <c>raw</c> in
/// these templates, and none should be added).
/// </summary>
public sealed class PageTemplates
{
    public const string DefaultLanguage = "id";

    /// <summary>The language key of a page written once for every language (<c>{page}.liquid</c>), its words coming from data.</summary>
    public const string AnyLanguage = "";

    private static readonly FluidParser Parser = new();

    // Non-ASCII letters stay as UTF-8 (names, the en dash); markup characters and quotes are still encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly Dictionary<(string Page, string Language), IFluidTemplate> _pages = [];
    private readonly TemplateOptions _options;

    public PageTemplates(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Page templates folder '{folder}' does not exist (the function app copies templates/** into its output).");
        }

        var partials = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.liquid").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var text = File.ReadAllText(path);
            if (!Parser.TryParse(text, out var template, out var error))
            {
                problems.Add($"{name}: {error}");
                continue;
            }

            if (name.StartsWith('_'))
            {
                partials[name] = text;
                continue;
            }

            var parts = Path.GetFileNameWithoutExtension(path).Split('.');
            if (parts.Length is not (1 or 2))
            {
                problems.Add($"{name}: name must be {{page}}.{{language}}.liquid, {{page}}.liquid or _{{partial}}.liquid");
                continue;
            }

            _pages[(parts[0], parts.Length == 2 ? parts[1] : AnyLanguage)] = template;
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Page templates cannot be loaded: " + string.Join("; ", problems));
        }

        _options = new TemplateOptions
        {
            StrictVariables = true,
            FileProvider = new PartialFiles(partials),
        };
        _options.MemberAccessStrategy.MemberNameStrategy = MemberNameStrategies.SnakeCase;
    }

    /// <summary><c>templates/pages</c> beside the app's assemblies, where the function app's build puts them.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "templates", "pages");

    /// <summary>Every (page, language) pair that has a file.</summary>
    public IReadOnlyCollection<(string Page, string Language)> Available => _pages.Keys;

    /// <summary>Lets templates read the members of <typeparamref name="T"/> (snake_case names).</summary>
    public void Allow<T>() => _options.MemberAccessStrategy.Register<T>();

    /// <summary>
    /// Renders <paramref name="page"/> in <paramref name="language"/>, or in Bahasa Indonesia when that
    /// language has no file, with each entry of <paramref name="values"/> as a top-level variable.
    /// </summary>
    public string Render(string page, string language, IReadOnlyDictionary<string, object?> values)
    {
        if (!_pages.TryGetValue((page, language), out var template)
            && !_pages.TryGetValue((page, DefaultLanguage), out template)
            && !_pages.TryGetValue((page, AnyLanguage), out template))
        {
            throw new KeyNotFoundException($"No page template '{page}' (looked for {page}.{language}.liquid, {page}.{DefaultLanguage}.liquid and {page}.liquid).");
        }

        var context = new TemplateContext(_options);
        foreach (var (name, value) in values)
        {
            context.SetValue(name, value);
        }

        return template.Render(context, Encoder);
    }

    /// <summary>The partials, served from memory: read and checked once at load like the pages.</summary>
    private sealed class PartialFiles(IReadOnlyDictionary<string, string> files) : IFileProvider
    {
        public IFileInfo GetFileInfo(string subpath)
        {
            var name = subpath.TrimStart('/');
            return files.TryGetValue(name, out var text) ? new MemoryFile(name, text) : new NotFoundFileInfo(name);
        }

        public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

        public IChangeToken Watch(string filter) => NullChangeToken.Singleton;
    }

    private sealed class MemoryFile(string name, string text) : IFileInfo
    {
        private readonly byte[] _bytes = Encoding.UTF8.GetBytes(text);

        public bool Exists => true;

        public long Length => _bytes.Length;

        public string? PhysicalPath => null;

        public string Name => name;

        public DateTimeOffset LastModified => DateTimeOffset.UnixEpoch;

        public bool IsDirectory => false;

        public Stream CreateReadStream() => new MemoryStream(_bytes, writable: false);
    }
}
