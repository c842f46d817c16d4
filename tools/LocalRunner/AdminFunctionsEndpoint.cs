using System.Text.Json;
using BkOutreach.Core.Access;

namespace BkOutreach.LocalRunner;

/// <summary>
/// <c>POST /admin/functions/{name}</c>, as the Functions host's admin API: runs a timer function now, or a
/// queue function with <c>{"input": "…"}</c> as its message. Unlike the host it waits for the run, so the
/// caller learns whether it failed (202 done, 500 with the error).
/// </summary>
public static class AdminFunctionsEndpoint
{
    public static void Map(WebApplication app, IReadOnlyList<FunctionDescriptor> functions) =>
        app.MapPost("/admin/functions/{name}", async (string name, HttpContext context, TriggerRunner runner, PlatformKey platformKey, CancellationToken cancellationToken) =>
        {
            if (!platformKey.Matches(context.Request.Headers["x-functions-key"].FirstOrDefault() ?? context.Request.Query["code"].FirstOrDefault()))
            {
                return Results.Unauthorized();
            }

            var function = functions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase) && f.Kind != TriggerKind.Http);
            if (function is null)
            {
                return Results.NotFound(new { error = "no_such_function", name });
            }

            try
            {
                if (function.Kind == TriggerKind.Timer)
                {
                    await runner.RunTimerAsync(function, null, null, cancellationToken);
                }
                else
                {
                    var input = await ReadInputAsync(context.Request, cancellationToken);
                    await runner.RunQueueAsync(function, BinaryData.FromString(input), "admin-" + Guid.NewGuid().ToString("N"), 1, cancellationToken);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return Results.Json(new { error = "function_failed", name = function.Name, message = ex.Message }, statusCode: StatusCodes.Status500InternalServerError);
            }

            return Results.Accepted();
        });

    private static async Task<string> ReadInputAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0 || !request.HasJsonContentType())
        {
            return "";
        }

        using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        return doc.RootElement.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.String ? input.GetString()! : "";
    }
}
