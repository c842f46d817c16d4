using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BkOutreach.Infra.Tests;

/// <summary>
/// Read-only view of a compiled ARM template: its resources, the nested templates Bicep emits for modules,
/// and the few expression shapes the assertions need to see through (variables and copy loops).
/// </summary>
internal sealed partial class ArmTemplate(JsonObject root)
{
    public JsonObject Root { get; } = root;

    public IEnumerable<JsonObject> Resources =>
        Root["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject symbolic => symbolic.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        };

    public JsonObject? Outputs => Root["outputs"] as JsonObject;

    /// <summary>The module deployed as <c>Microsoft.Resources/deployments</c> with this name.</summary>
    public Module Module(string name)
    {
        var deployment = Resources.SingleOrDefault(r =>
            Str(r["type"]) == "Microsoft.Resources/deployments" && Str(r["name"]) == name);
        Assert.True(deployment is not null, $"No module deployment named '{name}'.");
        return new Module(deployment!, new ArmTemplate(deployment!["properties"]!["template"]!.AsObject()));
    }

    public IEnumerable<Module> Modules =>
        Resources.Where(r => Str(r["type"]) == "Microsoft.Resources/deployments")
            .Select(d => new Module(d, new ArmTemplate(d["properties"]!["template"]!.AsObject())));

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals(Str(r["type"]), type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Single(string type)
    {
        var matches = OfType(type).ToList();
        Assert.True(matches.Count == 1, $"Expected one {type}, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>
    /// The literal strings an expression can stand for: itself when it is a literal, otherwise the GUIDs
    /// or quoted literals it names directly, plus those of the variables it refers to (a copy loop over an
    /// array variable stands for every element).
    /// </summary>
    public IReadOnlySet<string> Literals(string? expression)
    {
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Collect(expression, found, depth: 0);
        return found;
    }

    private void Collect(string? expression, HashSet<string> found, int depth)
    {
        if (expression is null || depth > 5)
        {
            return;
        }

        if (!expression.StartsWith('['))
        {
            found.Add(expression);
            return;
        }

        foreach (Match guid in GuidPattern().Matches(expression))
        {
            found.Add(guid.Value);
        }

        foreach (Match variable in VariablePattern().Matches(expression))
        {
            switch (Root["variables"]?[variable.Groups[1].Value])
            {
                case JsonArray items:
                    foreach (var item in items)
                    {
                        Collect(Str(item), found, depth + 1);
                    }

                    break;
                case JsonValue value:
                    Collect(Str(value), found, depth + 1);
                    break;
            }
        }
    }

    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidPattern();

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariablePattern();
}

/// <summary>A module: the deployment resource (with the parameter values main passes) and its template.</summary>
internal sealed record Module(JsonObject Deployment, ArmTemplate Template)
{
    public string Name => ArmTemplate.Str(Deployment["name"])!;

    /// <summary>The expression or literal main.bicep passes for a module parameter.</summary>
    public JsonNode? Parameter(string name) => Deployment["properties"]?["parameters"]?[name]?["value"];

    public string? Condition => ArmTemplate.Str(Deployment["condition"]);
}
