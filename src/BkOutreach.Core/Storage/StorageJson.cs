using System.Text.Json;

namespace BkOutreach.Core.Storage;

/// <summary>The one JSON shape of documents kept in table properties and queue messages (camelCase, web defaults).</summary>
public static class StorageJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
