using System.Reflection;
using BkOutreach.Core;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Demo;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Options;

namespace BkOutreach.LocalRunner;

/// <summary>How the runner is started: the command line, or a test.</summary>
public sealed record RunnerSettings
{
    public int Port { get; init; } = 7071;

    public bool Demo { get; init; }

    public DateTimeOffset? Clock { get; init; }

    /// <summary>Settings that win over environment and appsettings (tests).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Assemblies with functions besides the function app's own (tests).</summary>
    public IReadOnlyList<Assembly> ExtraFunctionAssemblies { get; init; } = [];

    /// <summary>Whether timers fire on their schedules; tests of on-demand runs turn it off.</summary>
    public bool RunTimers { get; init; } = true;

    /// <summary>Changes to host.json's values (tests shorten the retry delay); null runs host.json as written.</summary>
    public Func<HostJson, HostJson>? AdjustHost { get; init; }

    public TextWriter Output { get; init; } = Console.Out;

    /// <summary>
    /// Registrations made before the app's own (tests and the load driver: a clock, storage pipeline
    /// policies, an <see cref="ILoggerProvider"/>, fake transports). The app registers its defaults with
    /// TryAdd where a host may replace them, so these win.
    /// </summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>How long start-up waits for the tables and queues to exist before serving anyway.</summary>
    public TimeSpan WaitForStorage { get; init; } = TimeSpan.FromSeconds(30);

    public static RunnerSettings FromArgs(string[] args)
    {
        var settings = new RunnerSettings();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--demo":
                    settings = settings with { Demo = true };
                    break;
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var port) && port is > 0 and < 65536:
                    settings = settings with { Port = port };
                    i++;
                    break;
                case "--clock" when i + 1 < args.Length && DateTimeOffset.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var clock):
                    settings = settings with { Clock = clock.ToUniversalTime() };
                    i++;
                    break;
                case "--port" or "--clock":
                    throw new ArgumentException($"{args[i]} needs a value: --port 7071, --clock 2027-01-11T02:00:00Z.");
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) && !args[i].Contains('=', StringComparison.Ordinal))
                    {
                        throw new ArgumentException($"Unknown option {args[i]}. Options: --demo, --port N, --clock <ISO 8601 instant>.");
                    }

                    break;
            }
        }

        return settings;
    }
}

/// <summary>
/// The local runner: the function app's own classes served by ASP.NET Core, on the routes and schedules
/// their attributes declare, with Azurite started when nothing listens on the storage ports.
/// </summary>
public sealed class RunnerApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Azurite? _azurite;

    private RunnerApp(WebApplication app, Azurite? azurite, string baseUrl, AdminKey adminKey, IReadOnlyList<FunctionDescriptor> functions)
    {
        _app = app;
        _azurite = azurite;
        BaseUrl = baseUrl;
        AdminKey = adminKey;
        Functions = functions;
    }

    public string BaseUrl { get; }

    public AdminKey AdminKey { get; }

    public IReadOnlyList<FunctionDescriptor> Functions { get; }

    public IServiceProvider Services => _app.Services;

    public DemoSeedResult? Demo { get; private set; }

    /// <summary>The demo staff's development sign-in links, labelled, in the order the banner prints them.</summary>
    public IReadOnlyList<(string Label, string Link)> DemoSignIns { get; private set; } = [];

    /// <summary>A sign-in link for each of the demo school's admins and each demo counsellor with an email (the staff the seeder writes).</summary>
    public static IReadOnlyList<(string Label, string Link)> DemoSignInLinks(string baseUrl, DemoData demo) =>
    [
        .. demo.SchoolAdmins.Select(email => ("school admin", DevAuthentication.SignInLink(baseUrl, email))),
        .. demo.Counselors.Where(c => !string.IsNullOrEmpty(c.Email))
            .Select(c => ($"counsellor {c.Id} ({c.Name})", DevAuthentication.SignInLink(baseUrl, c.Email!))),
    ];

    public static async Task<RunnerApp> StartAsync(RunnerSettings settings, string[]? args = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args ?? [], ContentRootPath = AppContext.BaseDirectory });
        var baseUrl = $"http://127.0.0.1:{settings.Port}";
        var defaults = new Dictionary<string, string?> { ["Links:BaseUrl"] = baseUrl };
        foreach (var (name, schedule) in BkOutreach.Functions.Schedules.Defaults)
        {
            defaults[name] = schedule;
        }

        builder.Configuration.AddInMemoryCollection(defaults);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(settings.Settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("BkOutreach", LogLevel.Information);

        var host = HostJson.Load(Path.Combine(AppContext.BaseDirectory, "host.json"));
        host = settings.AdjustHost?.Invoke(host) ?? host;
        var azurite = await StartAzuriteIfNeededAsync(builder.Configuration, settings.Output, cancellationToken);
        try
        {
            var key = builder.Configuration["Admin:ApiKey"];
            var adminKey = new AdminKey(string.IsNullOrEmpty(key) ? AdminKey.Generate() : key);

            // The app checks the platform key itself, in both hosts: a generated one is handed to it as its setting.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Admin:ApiKey"] = adminKey.Value });
            var functions = FunctionCatalog.Discover([typeof(BkOutreach.Functions.Health.GetHealth).Assembly, .. settings.ExtraFunctionAssemblies]);

            if (settings.Clock is { } clock)
            {
                builder.Services.AddSingleton<TimeProvider>(new RunnerClock(clock));
            }

            settings.ConfigureServices?.Invoke(builder.Services);
            builder.Services.AddBkOutreach(builder.Configuration);
            builder.Services.AddMvcCore();
            builder.Services.AddSingleton<DevAuthentication>();
            builder.Services.AddSingleton<FunctionInvoker>();
            builder.Services.AddSingleton<TriggerRunner>();
            builder.Services.AddHostedService(sp => new TriggerHost(functions, sp.GetRequiredService<TriggerRunner>(), sp.GetRequiredService<StorageAccount>(), host, settings.RunTimers, sp.GetRequiredService<BkOutreach.Core.Health.QueueListeners>()));
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Limits.MaxRequestBodySize = host.MaxRequestBodySize;
                // IPv4 loopback only: ListenLocalhost would carry on with [::1] alone when 127.0.0.1:port is taken,
                // leaving the printed URL answered by another process.
                k.Listen(System.Net.IPAddress.Loopback, settings.Port);
            });

            var app = builder.Build();
            DevAuthentication.Map(app);
            var routes = HttpFunctionEndpoints.Map(app, functions, host);
            AdminFunctionsEndpoint.Map(app, functions);
            DevOutboxEndpoint.Map(app);
            await app.StartAsync(cancellationToken);

            var runner = new RunnerApp(app, azurite, baseUrl, adminKey, functions);
            var storageReady = app.Services.GetRequiredService<StorageInitializer>().Ready;
            await storageReady.WaitAsync(settings.WaitForStorage, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!storageReady.IsCompletedSuccessfully)
            {
                settings.Output.WriteLine($"Storage did not answer within {settings.WaitForStorage.TotalSeconds:0} s; serving anyway (see /api/health).");
            }

            if (settings.Demo)
            {
                await storageReady.WaitAsync(cancellationToken);
                var demo = DemoSeeder.Load(Path.Combine(RepoPaths.Root, "data", "demo", "demo-school.json"));
                runner.Demo = await app.Services.GetRequiredService<DemoSeeder>().SeedAsync(demo, cancellationToken);
                runner.DemoSignIns = DemoSignInLinks(baseUrl, demo);
            }

            runner.PrintBanner(settings, routes, key is null or "");
            return runner;
        }
        catch
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }

            throw;
        }
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    private static async Task<Azurite?> StartAzuriteIfNeededAsync(IConfiguration configuration, TextWriter output, CancellationToken cancellationToken)
    {
        var storage = new StorageOptions();
        StorageOptions.Bind(storage, configuration);
        if (!string.Equals(storage.ConnectionString?.Trim().TrimEnd(';'), "UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        int[] ports = [10000, 10001, 10002];
        var listening = ports.Where(Azurite.IsListening).ToList();
        if (listening.Count == ports.Length)
        {
            output.WriteLine("Storage: Azurite (or another emulator) already listens on 10000-10002; using it.");
            return null;
        }

        if (listening.Count > 0)
        {
            throw new InvalidOperationException($"Ports {string.Join(", ", listening)} are taken but not all of 10000-10002: stop what listens there or set AzureWebJobsStorage.");
        }

        output.WriteLine("Storage: starting Azurite on 10000-10002 (data in .azurite/) …");
        return await Azurite.StartAsync(10000, 10001, 10002, Path.Combine(RepoPaths.Root, ".azurite"), output, cancellationToken);
    }

    private void PrintBanner(RunnerSettings settings, IReadOnlyList<string> routes, bool generatedKey)
    {
        var o = settings.Output;
        var time = Services.GetRequiredService<TimeProvider>();
        var sms = Services.GetRequiredService<IOptions<SmsOptions>>().Value;
        o.WriteLine($"BkOutreach local runner (development tool) on {BaseUrl}; clock {time.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}; SMS provider {sms.Provider}.");
        o.WriteLine(generatedKey ? $"Admin key (generated; set Admin__ApiKey to fix it): {AdminKey.Value}" : "Admin key: from Admin__ApiKey.");
        o.WriteLine("Functions:");
        foreach (var route in routes)
        {
            o.WriteLine("  " + route);
        }

        foreach (var f in Functions.Where(f => f.Kind != TriggerKind.Http))
        {
            o.WriteLine($"  {f.Kind} {f.Name}: {(f.Kind == TriggerKind.Timer ? f.Timer!.Schedule : f.Queue!.QueueName)} (run now: POST {BaseUrl}/admin/functions/{f.Name})");
        }

        if (Demo is { } demo)
        {
            o.WriteLine($"Demo school {demo.SchoolId}: {demo.Counselors} counsellors, {demo.Guardians} families ({demo.NewGuardians} new).");
            if (demo.BookingLink is not null)
            {
                o.WriteLine($"Demo parent's booking link: {demo.BookingLink}");
            }

            o.WriteLine($"Open-slot feed: {BaseUrl}/api/calendar/{demo.SchoolId}/slots.ics");
            o.WriteLine($"Dashboard: {BaseUrl}/api/admin/schools/{demo.SchoolId}/dashboard");
            foreach (var (label, link) in DemoSignIns)
            {
                o.WriteLine($"Sign in as {label}: {link}");
            }
        }

        o.WriteLine($"Health: {BaseUrl}/api/health");
        o.WriteLine($"SMS outbox: {BaseUrl}/dev/outbox");
    }
}
