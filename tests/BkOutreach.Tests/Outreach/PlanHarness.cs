using System.Collections.Concurrent;
using System.Text.Json;
using BkOutreach.Core;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using BkOutreach.LocalRunner;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Outreach;

/// <summary>A message the recording provider took, with the fake clock's time.</summary>
public sealed record RecordedSms(string To, string Key, string Body, DateTimeOffset At);

/// <summary>An SMS provider that keeps what it was given (each key once, as a provider with repeatability would).</summary>
public sealed class RecordingSmsSender(TimeProvider time) : ISmsSender
{
    public ConcurrentQueue<RecordedSms> Sent { get; } = new();

    public int MaxBatchSize => 100;

    public Task<IReadOnlyList<SmsSendResult>> SendAsync(IReadOnlyList<SmsMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var m in messages)
        {
            Sent.Enqueue(new RecordedSms(m.To, m.IdempotencyKey, m.Body, time.GetUtcNow()));
        }

        return Task.FromResult<IReadOnlyList<SmsSendResult>>([.. messages.Select(m => new SmsSendResult(m.IdempotencyKey, SmsSendStatus.Accepted, Guid.NewGuid().ToString("N"), null))]);
    }
}

/// <summary>
/// The app's services (as the host wires them) on their own in-memory Azurite and a fake clock, with the
/// timer and queue work driven by hand: <see cref="TickAsync"/> runs the dispatcher as the timer would and
/// then sends every queued batch, as the queue function would, at the same instant.
/// </summary>
public sealed class PlanHarness : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static int _schools;

    private readonly Azurite? _azurite;

    private PlanHarness(Azurite? azurite, ServiceProvider services, FakeTimeProvider time, RecordingSmsSender sms)
    {
        _azurite = azurite;
        Services = services;
        Time = time;
        Sms = sms;
    }

    public ServiceProvider Services { get; }

    public FakeTimeProvider Time { get; }

    public RecordingSmsSender Sms { get; }

    public string ConnectionString { get; private init; } = "";

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>
    /// Starts on a new Azurite, or on <paramref name="connectionString"/> (a second app instance on the same
    /// storage); <paramref name="configure"/> adds services (a storage pipeline policy that counts round trips).
    /// </summary>
    public static async Task<PlanHarness> StartAsync(DateTimeOffset start, string? connectionString = null, Action<IServiceCollection>? configure = null)
    {
        var azurite = connectionString is null ? await Azurite.StartOnFreePortsAsync(null, TextWriter.Null, CancellationToken.None) : null;
        var connection = connectionString ?? azurite!.ConnectionString;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connection,
            ["Links:BaseUrl"] = "http://127.0.0.1:7071",
            ["Links:SigningKey"] = Convert.ToBase64String(new byte[32]),
        }).Build();
        var time = new FakeTimeProvider(start);
        var sms = new RecordingSmsSender(time);
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddBkOutreach(configuration);
        services.AddSingleton<ISmsSender>(sms);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<StorageAccount>().EnsureCreatedAsync(CancellationToken.None);
        return new PlanHarness(azurite, provider, time, sms) { ConnectionString = connection };
    }

    /// <summary>A school with <paramref name="families"/> guardians (one child each, counsellor bk-1).</summary>
    public async Task<string> CreateSchoolAsync(SchoolSettings school, int families)
    {
        var schoolId = "sch-" + Guid.NewGuid().ToString("N")[..10];
        var prefix = Interlocked.Increment(ref _schools) % 100;
        var directory = Get<SchoolDirectory>();
        await directory.PutSchoolAsync(schoolId, school, CancellationToken.None);
        await directory.PutCounselorAsync(schoolId, "bk-1", new CounselorSettings { Name = "Ibu Rahma" }, CancellationToken.None);
        for (var i = 0; i < families; i++)
        {
            await directory.UpsertGuardianAsync(schoolId, $"+628131{prefix:00}{i:00000}", $"Wali {i}", "id", [new Student($"S{i}", $"Siswa {i}", "X IPA 1", "bk-1")], CancellationToken.None);
        }

        return schoolId;
    }

    /// <summary>One timer run at the current fake instant, then every batch it queued, sent at that instant.</summary>
    public async Task<IReadOnlyList<WaveDispatch>> TickAsync()
    {
        var dispatched = await Get<CampaignDispatcher>().DispatchDueAsync(CancellationToken.None);
        await DrainAsync();
        return dispatched;
    }

    /// <summary>Runs the queue function on every visible <c>sms-send</c> message, as the host would.</summary>
    public async Task DrainAsync()
    {
        var queue = Get<StorageAccount>().Queue(OutreachQueues.SendQueue);
        var sender = Get<SendCampaignBatch>();
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(32)).Value;
            if (messages.Length == 0)
            {
                return;
            }

            foreach (var message in messages)
            {
                await sender.ExecuteAsync(message.Body.ToObjectFromJson<SendBatch>(Json)!, CancellationToken.None);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
