using System.Text.Json;
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
            limited.Position = 0;
            var value = await JsonSerializer.DeserializeAsync<T>(limited, Options, cancellationToken);
            return value is null ? (null, Problem(StatusCodes.Status400BadRequest, "invalid_json", ["The body is empty."])) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "invalid_json", [$"The body is not valid JSON for this route: {ex.Message}"]));
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
