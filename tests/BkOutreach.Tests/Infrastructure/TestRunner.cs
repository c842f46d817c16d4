using System.Net.Http.Headers;
using BkOutreach.LocalRunner;

namespace BkOutreach.Tests.Infrastructure;

/// <summary>A local runner on a free port against the test Azurite, with a known admin key.</summary>
public sealed class TestRunner : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789";

    private Azurite? _ownStorage;
    private bool _disposed;

    private TestRunner(RunnerApp app)
    {
        App = app;
        Http = new HttpClient { BaseAddress = new Uri(app.BaseUrl + "/") };
        Admin = new HttpClient { BaseAddress = new Uri(app.BaseUrl + "/") };
        Admin.DefaultRequestHeaders.Add("x-functions-key", AdminKey);
    }

    public RunnerApp App { get; }

    /// <summary>A client without the admin key, as a parent's phone.</summary>
    public HttpClient Http { get; }

    /// <summary>A client presenting the admin key.</summary>
    public HttpClient Admin { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>
    /// Starts a runner with its own in-memory Azurite unless <paramref name="configure"/> names the storage.
    /// Runners never share one: every runner polls the same queue names, so on a shared emulator one test's
    /// runner would take another's SMS messages and send them with its own clock, links and provider.
    /// </summary>
    public static async Task<TestRunner> StartAsync(Action<Dictionary<string, string?>>? configure = null, RunnerSettings? settings = null)
    {
        var values = new Dictionary<string, string?> { ["Admin:ApiKey"] = AdminKey };
        configure?.Invoke(values);
        var own = values.ContainsKey("AzureWebJobsStorage")
            ? null
            : await Azurite.StartOnFreePortsAsync(null, TextWriter.Null, CancellationToken.None);
        if (own is not null)
        {
            values["AzureWebJobsStorage"] = own.ConnectionString;
        }

        var fixedBaseUrl = values.GetValueOrDefault("Links:BaseUrl");
        var log = new RunnerLog();
        var configureServices = settings?.ConfigureServices;
        RunnerApp? app = null;
        for (var attempt = 1; app is null; attempt++)
        {
            // A free port can be taken by a parallel test between choosing and binding it: choose again.
            var port = TestAzurite.FreePort();
            values["Links:BaseUrl"] = fixedBaseUrl ?? $"http://127.0.0.1:{port}";
            try
            {
                app = await RunnerApp.StartAsync((settings ?? new RunnerSettings()) with
                {
                    Port = port,
                    Settings = values,
                    RunTimers = false,
                    Output = TextWriter.Null,
                    ConfigureServices = services =>
                    {
                        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(log);
                        configureServices?.Invoke(services);
                    },
                });
            }
            catch (IOException) when (attempt < 5)
            {
            }
            catch when (own is not null)
            {
                await own.DisposeAsync();
                throw;
            }
        }
        return new TestRunner(app) { _ownStorage = own, StorageConnectionString = values["AzureWebJobsStorage"]!, Log = log };
    }

    /// <summary>What the runner logged lately, for the message of a test that timed out waiting on it.</summary>
    public RunnerLog Log { get; private init; } = new();

    /// <summary>The storage this runner uses, for a second runner that must see the same data.</summary>
    public string StorageConnectionString { get; private init; } = "";

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Http.Dispose();
        Admin.Dispose();
        await App.DisposeAsync();
        if (_ownStorage is not null)
        {
            await _ownStorage.DisposeAsync();
        }
    }

    public static MediaTypeHeaderValue Json => new("application/json");
}
