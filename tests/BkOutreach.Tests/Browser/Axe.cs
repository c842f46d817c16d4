using System.Text.Json;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Playwright;

namespace BkOutreach.Tests.Browser;

/// <summary>One accessibility rule that axe-core found broken on a page.</summary>
public sealed record AxeViolation(string Id, string? Impact, string Help, IReadOnlyList<string> Targets)
{
    public override string ToString() => $"{Impact} {Id}: {Help} at {string.Join(", ", Targets)}";
}

/// <summary>axe-core from npm (tests/node), injected into the page under test; needs a context that bypasses CSP.</summary>
public static class Axe
{
    public static async Task<IReadOnlyList<AxeViolation>> RunAsync(IPage page)
    {
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = await NodeTools.PackageFileAsync("axe-core", "axe.min.js") });
        var json = await page.EvaluateAsync<string>(
            """
            async () => {
              const result = await axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' ')) })));
            }
            """);
        return JsonSerializer.Deserialize<List<AxeViolation>>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>Serious and critical violations: the ones that lock a parent or a counsellor out.</summary>
    public static IReadOnlyList<AxeViolation> Blocking(IEnumerable<AxeViolation> violations) =>
        [.. violations.Where(v => v.Impact is "serious" or "critical")];
}
