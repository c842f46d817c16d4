using BkOutreach.Core.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace BkOutreach.Functions.Http;

/// <summary>Worker middleware: HTTP functions answer a storage outage with <see cref="StorageOutageHttp"/>'s 503, not a 500.</summary>
public sealed class StorageOutageMiddleware(StorageOutage outage) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.GetHttpContext();
        return http is null
            ? next(context)
            : StorageOutageHttp.RunAsync(http, context.FunctionDefinition.Name, outage, () => next(context), result =>
            {
                context.GetInvocationResult().Value = result;
                return Task.CompletedTask;
            });
    }
}
