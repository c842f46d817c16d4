namespace BkOutreach.Core.Graph;

/// <summary>Our ids become table keys as they are; ids that a key cannot hold are a caller bug, so they throw.</summary>
internal static class GraphTableKeys
{
    public static string Check(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '|' || char.IsControl(c))
            {
                throw new ArgumentException($"'{name}' cannot contain '/', '\\', '#', '?', '|' or control characters.", name);
            }
        }

        return value;
    }
}
