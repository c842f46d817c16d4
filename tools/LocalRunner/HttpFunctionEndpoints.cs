using BkOutreach.Core.Access;
using BkOutreach.Core.Storage;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;

namespace BkOutreach.LocalRunner;

/// <summary>
/// Maps every HTTP function on its attribute route under host.json's route prefix. Before a function runs,
/// its <see cref="AccessAttribute"/> goes through the app's own access step (<see cref="AccessGate"/>, as the
/// worker middleware does in Azure); the runner checks no key itself.
/// </summary>
public static class HttpFunctionEndpoints
{
    public static IReadOnlyList<string> Map(WebApplication app, IEnumerable<FunctionDescriptor> functions, HostJson host)
    {
        var mapped = new List<string>();
        foreach (var function in functions.Where(f => f.Kind == TriggerKind.Http))
        {
            var http = function.Http!;
            var route = http.Route ?? function.Name;
            var pattern = "/" + string.Join('/', new[] { host.RoutePrefix.Trim('/'), route.Trim('/') }.Where(s => s.Length > 0));
            var methods = (http.Methods is { Length: > 0 } m ? m : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
                .Select(x => x.ToUpperInvariant()).ToArray();
            var rule = AccessGate.RuleOf(function.Method)
                ?? throw new InvalidOperationException($"{function.Name}: an HTTP function needs an [Access] rule next to its [HttpTrigger].");
            if (StaffAccess.Problems(rule, route) is { Count: > 0 } problems)
            {
                throw new InvalidOperationException($"{function.Name}: {string.Join("; ", problems)}.");
            }

            app.MapMethods(pattern, methods, async (HttpContext context, FunctionInvoker invoker, StaffAccess access, StorageOutage outage) =>
            {
                // As in Azure: the outage mapping is the outer step, so a storage outage met by the access step is a 503 too.
                await StorageOutageHttp.RunAsync(
                    context,
                    function.Name,
                    outage,
                    async () =>
                    {
                        var denied = await AccessGate.CheckAsync(access, context, rule, name => context.Request.RouteValues.TryGetValue(name, out var v) ? v?.ToString() : null, context.RequestAborted);
                        await WriteResultAsync(context, denied ?? await invoker.InvokeAsync(function, p => Bind(p, function, context)));
                    },
                    answer => WriteResultAsync(context, answer));
            }).WithDisplayName(function.Name);
            mapped.Add($"{string.Join(',', methods)} {pattern}{(rule.Scope == AccessScope.Public ? "" : $" ({Describe(rule)})")} -> {function.Name}");
        }

        return mapped;
    }

    private static string Describe(AccessAttribute rule) => rule.Scope switch
    {
        AccessScope.SignedIn => "signed in",
        AccessScope.Platform => "platform admin",
        _ => StaffRoles.ToWire(rule.Least),
    };

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
