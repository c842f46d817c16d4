using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.LocalRunner;

public enum TriggerKind
{
    Http,
    Timer,
    Queue,
}

/// <summary>One function as its attributes declare it: the single source of truth for routes and schedules.</summary>
public sealed record FunctionDescriptor(
    string Name,
    Type Class,
    MethodInfo Method,
    TriggerKind Kind,
    ParameterInfo TriggerParameter,
    HttpTriggerAttribute? Http = null,
    TimerTriggerAttribute? Timer = null,
    QueueTriggerAttribute? Queue = null);

/// <summary>Finds every <c>[Function]</c> method of the given assemblies by reflection.</summary>
public static class FunctionCatalog
{
    public static IReadOnlyList<FunctionDescriptor> Discover(IEnumerable<Assembly> assemblies)
    {
        var list = new List<FunctionDescriptor>();
        foreach (var type in assemblies.Distinct().SelectMany(a => a.GetTypes()).Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                var function = method.GetCustomAttribute<FunctionAttribute>();
                if (function is null)
                {
                    continue;
                }

                list.Add(Describe(function.Name, type, method));
            }
        }

        var duplicates = list.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new InvalidOperationException($"Function names must be unique; duplicated: {string.Join(", ", duplicates)}.");
        }

        return [.. list.OrderBy(f => f.Name, StringComparer.Ordinal)];
    }

    private static FunctionDescriptor Describe(string name, Type type, MethodInfo method)
    {
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } http)
            {
                if (parameter.ParameterType != typeof(HttpRequest))
                {
                    throw new InvalidOperationException($"{name}: the local runner binds HTTP triggers as HttpRequest (ASP.NET Core integration).");
                }

                return new FunctionDescriptor(name, type, method, TriggerKind.Http, parameter, Http: http);
            }

            if (parameter.GetCustomAttribute<TimerTriggerAttribute>() is { } timer)
            {
                return new FunctionDescriptor(name, type, method, TriggerKind.Timer, parameter, Timer: timer);
            }

            if (parameter.GetCustomAttribute<QueueTriggerAttribute>() is { } queue)
            {
                return new FunctionDescriptor(name, type, method, TriggerKind.Queue, parameter, Queue: queue);
            }
        }

        throw new InvalidOperationException($"{name}: no HTTP, timer or queue trigger the local runner knows.");
    }
}
