using System.Text.RegularExpressions;

namespace BkOutreach.LocalRunner;

/// <summary>Resolves <c>%Name%</c> in trigger attributes from configuration, as the Functions host does.</summary>
public static partial class AppSettingResolver
{
    public static string Resolve(string value, IConfiguration configuration) =>
        SettingPattern().Replace(value, m =>
        {
            var key = m.Groups[1].Value;
            return configuration[key] ?? configuration[key.Replace("__", ":", StringComparison.Ordinal)]
                ?? throw new InvalidOperationException($"App setting '{key}' used in a trigger attribute is not set.");
        });

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingPattern();
}
