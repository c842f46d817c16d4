using System.Collections.Concurrent;
using System.Reflection;
using BkOutreach.Core.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace BkOutreach.Functions.Http;

/// <summary>
/// The access step in Azure: before every HTTP function, the <see cref="AccessAttribute"/> on the function's
/// entry point is run through <see cref="AccessGate"/>. A refusal becomes the invocation's result (an
/// <see cref="IActionResult"/>, executed by the ASP.NET Core integration as if the function had returned
/// it), and the function does not run. An HTTP function without a rule is refused with 500.
/// </summary>
public sealed class AccessMiddleware(StaffAccess access) : IFunctionsWorkerMiddleware
{
    private static readonly ConcurrentDictionary<string, AccessAttribute?> Rules = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http is null)
        {
            await next(context);
            return;
        }

        var rule = Rules.GetOrAdd(context.FunctionDefinition.EntryPoint, RuleOf);
        if (rule is null)
        {
            context.GetInvocationResult().Value = new ObjectResult(new { error = "no_access_rule" }) { StatusCode = StatusCodes.Status500InternalServerError };
            return;
        }

        var denied = await AccessGate.CheckAsync(access, http, rule, name => RouteValue(context, http, name), context.CancellationToken);
        if (denied is not null)
        {
            context.GetInvocationResult().Value = denied;
            return;
        }

        await next(context);
    }

    /// <summary>The rule of the function whose entry point is <c>Namespace.Class.Method</c> in this assembly.</summary>
    public static AccessAttribute? RuleOf(string entryPoint)
    {
        var dot = entryPoint.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        var method = typeof(AccessMiddleware).Assembly.GetType(entryPoint[..dot])?
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == entryPoint[(dot + 1)..] && m.GetCustomAttribute<FunctionAttribute>() is not null);
        return method is null ? null : AccessGate.RuleOf(method);
    }

    private static string? RouteValue(FunctionContext context, HttpContext http, string name) =>
        context.BindingContext.BindingData.TryGetValue(name, out var value) && value is not null
            ? value.ToString()
            : http.Request.RouteValues.TryGetValue(name, out var routed) ? routed?.ToString() : null;
}
