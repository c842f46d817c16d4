using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BkOutreach.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Http;

/// <summary>Reading JSON bodies and mapping use-case results the same way in every trigger.</summary>
public static class HttpJson
{
    public const long MaxBodyBytes = 1024 * 1024;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Reads the body as <typeparamref name="T"/>; on failure returns the response to send instead (413, 415 or 400).</summary>
    public static async Task<(T? Value, IActionResult? Error)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "body_too_large", [$"The body must be at most {MaxBodyBytes} bytes."]));
        }

        if (!request.HasJsonContentType())
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", ["Send the body as application/json."]));
        }

        try
        {
            using var limited = new MemoryStream();
            await CopyLimitedAsync(request.Body, limited, cancellationToken);
            if (limited.Length == 0)
            {
                return (null, Problem(StatusCodes.Status400BadRequest, "invalid_json", ["The body is empty."]));
            }

            limited.Position = 0;
            var value = await JsonSerializer.DeserializeAsync<T>(limited, Options, cancellationToken);
            return value is null ? (null, Problem(StatusCodes.Status400BadRequest, "invalid_json", ["The body is empty."])) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "invalid_json", [Describe(ex, typeof(T))]));
        }
        catch (BodyTooLargeException)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "body_too_large", [$"The body must be at most {MaxBodyBytes} bytes."]));
        }
    }

    public static IActionResult Problem(int status, string error, IReadOnlyList<string> problems) =>
        new ObjectResult(new { error, problems }) { StatusCode = status };

    /// <summary>200/201 with the value, 404, or 400 listing every problem.</summary>
    public static IActionResult From<T>(Result<T> result, Func<T, IActionResult> success, string notFound = "not_found") =>
        result.NotFound ? new NotFoundObjectResult(new { error = notFound })
        : result.Conflict ? new ConflictObjectResult(new { error = "changed_meanwhile" })
        : result.Problems.Count > 0 ? Problem(StatusCodes.Status400BadRequest, "invalid", result.Problems)
        : success(result.Value!);

    /// <summary>
    /// What is wrong with the body, in the client's terms: where the JSON breaks, or which field holds the
    /// wrong kind of value (<c>slotId: expected a string</c>). The serializer's own message names our .NET
    /// types and its internals, so it never reaches the client.
    /// </summary>
    private static string Describe(JsonException ex, Type target)
    {
        // The reader's errors (broken JSON) come wrapped; a value of the wrong kind has no JSON error inside.
        if (ex.InnerException is JsonException)
        {
            return $"The body is not valid JSON (line {ex.LineNumber + 1 ?? 1}, byte {ex.BytePositionInLine + 1 ?? 1}).";
        }

        var path = ex.Path is { Length: > 1 } p && p.StartsWith('$') ? p[1..].TrimStart('.') : "";
        var expected = ExpectedAt(target, ex.Path ?? "$");
        var where = path.Length == 0 ? "the body" : path;
        return expected is null ? $"{where}: this value has the wrong type." : $"{where}: expected {expected}.";
    }

    /// <summary>The kind of JSON value the route reads at <paramref name="path"/> (<c>$.terms[0].firstDay</c>), or null when the path leads nowhere known.</summary>
    private static string? ExpectedAt(Type target, string path)
    {
        var info = Options.GetTypeInfo(target);
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.' || (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\''))
            {
                string name;
                if (path[i] == '.')
                {
                    var end = path.IndexOfAny(['.', '['], i + 1);
                    end = end < 0 ? path.Length : end;
                    name = path[(i + 1)..end];
                    i = end;
                }
                else
                {
                    var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        return null;
                    }

                    name = path[(i + 2)..end];
                    i = end + 2;
                }

                var comparison = Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                var next = info.Kind switch
                {
                    JsonTypeInfoKind.Object => info.Properties.FirstOrDefault(x => string.Equals(x.Name, name, comparison))?.PropertyType,
                    JsonTypeInfoKind.Dictionary => info.ElementType,
                    _ => null,
                };
                if (next is null)
                {
                    return null;
                }

                info = Options.GetTypeInfo(next);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || info.Kind != JsonTypeInfoKind.Enumerable || info.ElementType is null)
                {
                    return null;
                }

                info = Options.GetTypeInfo(info.ElementType);
                i = end + 1;
            }
            else
            {
                return null;
            }
        }

        return info.Kind switch
        {
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
            JsonTypeInfoKind.Enumerable => "an array",
            _ => ValueKind(Nullable.GetUnderlyingType(info.Type) ?? info.Type),
        };
    }

    private static string? ValueKind(Type type) =>
        type == typeof(bool) ? "true or false"
        : type == typeof(DateOnly) ? "a date (yyyy-mm-dd)"
        : type == typeof(TimeOnly) ? "a time (hh:mm)"
        : type == typeof(DateTime) || type == typeof(DateTimeOffset) ? "a date and time (ISO 8601)"
        : type.IsEnum ? null
        : type == typeof(string) || type == typeof(char) || type == typeof(Guid) || type == typeof(Uri) ? "a string"
        : Type.GetTypeCode(type) is >= TypeCode.SByte and <= TypeCode.UInt64 ? "a whole number"
        : Type.GetTypeCode(type) is TypeCode.Single or TypeCode.Double or TypeCode.Decimal ? "a number"
        : null;

    private static async Task CopyLimitedAsync(Stream source, Stream target, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > MaxBodyBytes)
            {
                throw new BodyTooLargeException();
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private sealed class BodyTooLargeException : Exception;
}
