using System.Collections.Concurrent;
using BkOutreach.Core;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Sms.Acs;
using BkOutreach.Core.Storage;
using BkOutreach.Core.WhatsApp;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.WhatsApp;

/// <summary>
/// An SMS provider with repeatability: every attempt is kept, and only the first attempt under a key is
/// "delivered". It outlives the app instances of a test, as the real provider outlives a restart.
/// </summary>
public sealed class RepeatableSmsProvider : ISmsSender
{
    private readonly ConcurrentDictionary<string, SmsMessage> _delivered = new(StringComparer.Ordinal);

    public ConcurrentQueue<SmsMessage> Attempts { get; } = new();

    public IReadOnlyCollection<SmsMessage> Delivered => [.. _delivered.Values];

    public int MaxBatchSize => 100;

    public Task<IReadOnlyList<SmsSendResult>> SendAsync(IReadOnlyList<SmsMessage> messages, CancellationToken cancellationToken)
    {
        var results = new List<SmsSendResult>(messages.Count);
        foreach (var m in messages)
        {
            Attempts.Enqueue(m);
            var first = _delivered.TryAdd(m.IdempotencyKey, m);
            results.Add(new SmsSendResult(m.IdempotencyKey, SmsSendStatus.Accepted, "sms-" + OutboxSmsSender.RowKeyFor(m.IdempotencyKey)[..12], null, WasRepeat: !first));
        }

        return Task.FromResult<IReadOnlyList<SmsSendResult>>(results);
    }
}

/// <summary>
/// The app's services on their own Azurite with a fake clock, WhatsApp on against <see cref="FakeAdvancedMessagingServer"/>
/// (HMAC over the same ACS connection string SMS uses) and SMS into a <see cref="RepeatableSmsProvider"/>.
/// <see cref="StartInstanceAsync"/> makes another app instance on the same storage and providers: a restart,
/// or a second instance running at the same time.
/// </summary>
public sealed class WhatsAppHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset SchoolMorning = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    private readonly Azurite _azurite;
    private readonly List<ServiceProvider> _instances = [];

    private WhatsAppHarness(Azurite azurite, FakeTimeProvider clock, FakeAdvancedMessagingServer whatsApp)
    {
        _azurite = azurite;
        Clock = clock;
        WhatsApp = whatsApp;
    }

    public FakeTimeProvider Clock { get; }

    public FakeAdvancedMessagingServer WhatsApp { get; }

    public RepeatableSmsProvider Sms { get; } = new();

    public static async Task<WhatsAppHarness> StartAsync()
    {
        var azurite = await Azurite.StartOnFreePortsAsync(null, TextWriter.Null, CancellationToken.None);
        var clock = new FakeTimeProvider(SchoolMorning);
        return new WhatsAppHarness(azurite, clock, await FakeAdvancedMessagingServer.StartAsync(clock));
    }

    /// <summary>A new app instance (its own container and in-memory state) on the shared storage.</summary>
    public async Task<ServiceProvider> StartInstanceAsync(string apiVersion = WhatsAppOptions.DefaultApiVersion)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["Links:BaseUrl"] = "https://bk.example.sch.id",
            ["Links:SigningKey"] = Convert.ToBase64String(new byte[32]),
            ["Sms:Provider"] = "Acs",
            ["Sms:Acs:ConnectionString"] = WhatsApp.ConnectionString,
            ["Sms:Acs:From"] = "+15550001111",

            // The rate limiter waits on the (fake) clock when a second is full; these tests are not about rates.
            ["Sms:MaxPerMinute"] = "60000",
            ["WhatsApp:ChannelRegistrationId"] = WhatsApp.ChannelRegistrationId,
            ["WhatsApp:ApiVersion"] = apiVersion,
            ["WhatsApp:Templates:outreach:id"] = "bk_outreach_id",
            ["WhatsApp:Templates:outreach:en"] = "bk_outreach_en",
            ["WhatsApp:Templates:follow_up:id"] = "bk_follow_up_id",
            ["WhatsApp:Templates:booking_confirmation:id"] = "bk_confirmation_id",
            ["WhatsApp:Templates:reminder:id"] = "bk_reminder_id",
            ["WhatsApp:Templates:feedback:id"] = "bk_feedback_id",
            ["WhatsApp:Templates:slot_offer:id"] = "bk_slot_offer_id",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        var retries = new AcsSmsClientOptions();
        retries.Retry.Delay = TimeSpan.FromMilliseconds(20);
        retries.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        services.AddSingleton(retries);
        services.AddBkOutreach(configuration);
        services.AddSingleton<ISmsSender>(Sms);
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<StorageAccount>().EnsureCreatedAsync(CancellationToken.None);
        _instances.Add(provider);
        return provider;
    }

    /// <summary>A school open for sending now, a counsellor, <paramref name="families"/> guardians and an outreach campaign.</summary>
    public static async Task<(string SchoolId, Campaign Campaign, IReadOnlyList<Guardian> Guardians)> SeedAsync(IServiceProvider app, int families)
    {
        var directory = app.GetRequiredService<SchoolDirectory>();
        var schoolId = "sch-" + Guid.NewGuid().ToString("N")[..10];
        await directory.PutSchoolAsync(schoolId, new SchoolSettings { Name = "MA Aisyiyah 1 Palembang", TimeZone = "Asia/Jakarta" }, CancellationToken.None);
        await directory.PutCounselorAsync(schoolId, "bk-1", new CounselorSettings { Name = "Ibu Rahma" }, CancellationToken.None);
        var guardians = new List<Guardian>();
        for (var i = 0; i < families; i++)
        {
            var (guardian, _) = await directory.UpsertGuardianAsync(schoolId, $"+6281310{i:000000}", $"Wali {i}", "id", [new Student($"S{i}", $"Siswa {i}", "X IPA 1", "bk-1")], CancellationToken.None);
            guardians.Add(guardian);
        }

        var campaign = await app.GetRequiredService<CampaignStore>().CreateAsync(schoolId, new CampaignDefinition
        {
            Name = "Kenal BK",
            Term = "2026/2027 Genap",
            Waves = [new CampaignWave("outreach", "2027-01-11")],
            BookingWindow = new DateWindow("2027-01-11", "2027-01-31"),
        }, CancellationToken.None);
        return (schoolId, campaign, guardians);
    }

    public static Task<BatchOutcome> SendAsync(IServiceProvider app, Campaign campaign, IEnumerable<Guardian> guardians) =>
        app.GetRequiredService<SendCampaignBatch>().ExecuteAsync(new SendBatch(campaign.SchoolId, campaign.Id, 0, [.. guardians.Select(g => g.Id)]), CancellationToken.None);

    public static Task<AcsEventsOutcome> PostEventsAsync(IServiceProvider app, string json) =>
        app.GetRequiredService<HandleAcsEvents>().ExecuteAsync(AcsEvents.Parse(json), CancellationToken.None);

    public static Task<FallbackSweep> SweepAsync(IServiceProvider app) =>
        app.GetRequiredService<TwoChannelSender>().SweepAsync(CancellationToken.None);

    /// <summary>An instance goes away (crash, scale-in): its container and everything in memory with it.</summary>
    public async Task StopInstanceAsync(ServiceProvider app)
    {
        _instances.Remove(app);
        await app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _instances)
        {
            await app.DisposeAsync();
        }

        await WhatsApp.DisposeAsync();
        await _azurite.DisposeAsync();
    }
}
