using System.Net.Http.Headers;
using BkOutreach.LocalRunner;

namespace BkOutreach.Tests.Infrastructure;

/// <summary>A local runner on a free port against the test Azurite, with a known admin key.</summary>
public sealed class TestRunner : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789";

    private Azurite? _ownStorage;

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

    /// <param name="dedicatedStorage">
    /// Its own Azurite instead of the shared one: runners on the shared one all poll the same queues, so a
    /// test that must see its own queue messages handled by its own settings (another SMS provider) needs it.
    /// </param>
    public static async Task<TestRunner> StartAsync(Action<Dictionary<string, string?>>? configure = null, RunnerSettings? settings = null, bool dedicatedStorage = false)
    {
        var own = dedicatedStorage
            ? await Azurite.StartAsync(TestAzurite.FreePort(), TestAzurite.FreePort(), TestAzurite.FreePort(), null, TextWriter.Null, CancellationToken.None)
            : null;
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = own?.ConnectionString ?? await TestAzurite.ConnectionStringAsync(),
            ["Admin:ApiKey"] = AdminKey,
        };
        configure?.Invoke(values);
        var fixedBaseUrl = values.GetValueOrDefault("Links:BaseUrl");
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
                });
            }
            catch (IOException) when (attempt < 5)
            {
            }
        }
        return new TestRunner(app) { _ownStorage = own };
    }

    public async ValueTask DisposeAsync()
    {
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
