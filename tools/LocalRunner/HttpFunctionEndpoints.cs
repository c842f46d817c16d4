using BkOutreach.Core.Storage;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.LocalRunner;

/// <summary>Maps every HTTP function on its attribute route under host.json's route prefix.</summary>
public static class HttpFunctionEndpoints
{
    public static IReadOnlyList<string> Map(WebApplication app, IEnumerable<FunctionDescriptor> functions, HostJson host, AdminKey adminKey)
    {
        var mapped = new List<string>();
        foreach (var function in functions.Where(f => f.Kind == TriggerKind.Http))
        {
            var http = function.Http!;
            var route = http.Route ?? function.Name;
            var pattern = "/" + string.Join('/', new[] { host.RoutePrefix.Trim('/'), route.Trim('/') }.Where(s => s.Length > 0));
            var methods = (http.Methods is { Length: > 0 } m ? m : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
                .Select(x => x.ToUpperInvariant()).ToArray();
            var needsKey = http.AuthLevel is not AuthorizationLevel.Anonymous;
            app.MapMethods(pattern, methods, async (HttpContext context, FunctionInvoker invoker, StorageOutage outage) =>
            {
                if (needsKey && !adminKey.IsPresentedBy(context.Request))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }

                await StorageOutageHttp.RunAsync(
                    context,
                    function.Name,
                    outage,
                    async () => await WriteResultAsync(context, await invoker.InvokeAsync(function, p => Bind(p, function, context))),
                    answer => WriteResultAsync(context, answer));
            }).WithDisplayName(function.Name);
            mapped.Add($"{string.Join(',', methods)} {pattern}{(needsKey ? " (key)" : "")} -> {function.Name}");
        }

        return mapped;
    }

    private static object? Bind(System.Reflection.ParameterInfo parameter, FunctionDescriptor function, HttpContext context)
    {
        if (parameter == function.TriggerParameter)
        {
            return context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }

        if (parameter.ParameterType == typeof(string) && context.Request.RouteValues.TryGetValue(parameter.Name!, out var value))
        {
            return value?.ToString();
        }

        throw new InvalidOperationException($"{function.Name}: the local runner cannot bind parameter '{parameter.Name}' ({parameter.ParameterType.Name}).");
    }

    private static async Task WriteResultAsync(HttpContext context, object? result)
    {
        switch (result)
        {
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            case IResult minimal:
                await minimal.ExecuteAsync(context);
                break;
            case null:
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            default:
                await context.Response.WriteAsJsonAsync(result, result.GetType());
                break;
        }
    }
}
