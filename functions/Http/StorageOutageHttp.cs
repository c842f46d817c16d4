using BkOutreach.Core.Storage;
using BkOutreach.Functions.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Functions.Http;

/// <summary>
/// The one mapping of a storage outage to an HTTP answer, used by both hosts (the worker middleware in
/// Azure, the local runner's endpoints): 503 with <c>Retry-After</c> and a JSON reason, at once while
/// <see cref="StorageOutage"/> says storage is down. Health is never short-cut: it is how a prober sees
/// storage come back.
/// </summary>
public static partial class StorageOutageHttp
{
    /// <summary>Runs <paramref name="invoke"/> (the function and its answer); on an outage, or while one lasts, <paramref name="answer"/> gets the 503 instead.</summary>
    public static async Task RunAsync(HttpContext http, string function, StorageOutage outage, Func<Task> invoke, Func<IActionResult, Task> answer)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(outage);
        ArgumentNullException.ThrowIfNull(invoke);
        ArgumentNullException.ThrowIfNull(answer);
        var guarded = function != nameof(GetHealth);
        if (guarded && outage.IsDown)
        {
            await answer(Unavailable(http));
            return;
        }

        try
        {
            await invoke();
            if (guarded)
            {
                outage.Up();
            }
        }
        catch (Exception ex) when (StorageOutage.IsOutage(ex) && !http.Response.HasStarted)
        {
            if (StorageOutage.IsUnreachable(ex))
            {
                outage.Down();
            }

            if (http.RequestServices?.GetService<ILoggerFactory>() is { } loggers)
            {
                LogOutage(loggers.CreateLogger(typeof(StorageOutageHttp).FullName!), function, ex.GetType().Name);
            }

            await answer(Unavailable(http));
        }
    }

    /// <summary>503 <c>{ "error": "storage_unavailable" }</c> with <c>Retry-After</c> in seconds.</summary>
    public static IActionResult Unavailable(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var seconds = ((int)StorageOutage.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers.RetryAfter = seconds;
        return HttpJson.Problem(StatusCodes.Status503ServiceUnavailable, "storage_unavailable", [$"Storage did not answer this request. Try again in {seconds} s."]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable ({ErrorType}); {Function} answered 503 with Retry-After")]
    private static partial void LogOutage(ILogger logger, string function, string errorType);
}
