using System.Reflection;
using System.Runtime.ExceptionServices;

namespace BkOutreach.LocalRunner;

/// <summary>
/// Runs one function the way the isolated worker does: a fresh DI scope, the class built by
/// ActivatorUtilities (primary constructors get their services), the method's result awaited.
/// </summary>
public sealed class FunctionInvoker(IServiceProvider services)
{
    public async Task<object?> InvokeAsync(FunctionDescriptor function, Func<ParameterInfo, object?> bind)
    {
        await using var scope = services.CreateAsyncScope();
        var instance = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Class);
        try
        {
            var args = function.Method.GetParameters().Select(bind).ToArray();
            object? returned;
            try
            {
                returned = function.Method.Invoke(instance, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }

            return await UnwrapAsync(returned);
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private static async Task<object?> UnwrapAsync(object? returned)
    {
        switch (returned)
        {
            case Task task:
                await task;
                var type = task.GetType();
                return type.IsGenericType && type.GetProperty("Result") is { } result && result.PropertyType.Name != "VoidTaskResult"
                    ? result.GetValue(task)
                    : null;
            case ValueTask valueTask:
                await valueTask;
                return null;
            default:
                if (returned?.GetType() is { IsGenericType: true } vt && vt.GetGenericTypeDefinition() == typeof(ValueTask<>))
                {
                    var asTask = (Task)vt.GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(returned, null)!;
                    return await UnwrapAsync(asTask);
                }

                return returned;
        }
    }
}
