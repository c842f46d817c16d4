using BkOutreach.Core.Configuration;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Health;
using BkOutreach.Core.Links;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Sms.Acs;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers everything the app needs. The function app's Program.cs and the local runner both call
    /// this and nothing else, so the two hosts cannot wire the app differently. A host that wants another
    /// clock registers its <see cref="TimeProvider"/> first.
    /// </summary>
    public static IServiceCollection AddBkOutreach(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<StorageOptions>().Configure(o => StorageOptions.Bind(o, configuration)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        AddSection<LinksOptions, LinksOptionsValidator>(services, configuration, LinksOptions.Section);
        AddSection<SmsOptions, SmsOptionsValidator>(services, configuration, SmsOptions.Section);
        AddSection<GraphOptions, GraphOptionsValidator>(services, configuration, GraphOptions.Section);
        AddSection<AdminOptions, AdminOptionsValidator>(services, configuration, AdminOptions.Section);
        AddSection<AuthOptions, AuthOptionsValidator>(services, configuration, AuthOptions.Section);
        AddSection<WhatsApp.WhatsAppOptions, WhatsApp.WhatsAppOptionsValidator>(services, configuration, WhatsApp.WhatsAppOptions.Section);

        services.AddSingleton<StorageAccount>();
        services.AddSingleton<StorageInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageInitializer>());
        services.AddSingleton<HealthService>();
        services.AddSingleton<QueueListeners>();
        services.AddSingleton<StorageOutage>();
        services.AddSingleton<SigningKeyProvider>();
        services.AddSingleton<LinkTokens>();
        services.AddSingleton<SchoolDirectory>();
        services.AddSingleton<Demo.DemoSeeder>();
        services.AddSingleton<Booking.BookingEventQueue>();
        services.AddSingleton<Booking.BookingStore>();
        services.AddSingleton<Booking.BookingMessages>();
        services.AddSingleton<Booking.ReminderSchedule>();
        services.AddSingleton<Booking.BookingEventHandler>();
        services.AddSingleton<Booking.BookingEventSweep>();
        services.AddSingleton<Booking.BookingService>();
        services.AddSingleton<Booking.FollowUps>();
        services.AddSingleton<Booking.SmsReplyBooking>();
        services.AddSingleton<Participation.ParticipationFacts>();
        services.AddSingleton<Outreach.SurveyPrompts>();
        services.AddSingleton(_ => new Booking.PostThrottle(
            configuration.GetValue("Booking:PostsPerTokenPerMinute", 20),
            configuration.GetValue("Booking:PostsPerAddressPerMinute", 600)));
        services.AddSingleton(_ => new Booking.Pages.PageTemplates(Booking.Pages.PageTemplates.DefaultFolder));
        services.AddSingleton<Booking.Pages.BookingPages>();
        services.AddSingleton<Booking.Pages.PageFlow>();
        services.AddSingleton<Scheduling.SchoolAdmin>();
        services.TryAddSingleton<Scheduling.IPrayerBlackoutCalculator, Scheduling.PrayerBlackouts>();
        services.AddSingleton<Scheduling.SlotCalculator>();
        services.AddSingleton<Scheduling.SlotService>();
        services.AddSingleton<Calendar.CalendarFeeds>();
        services.TryAddSingleton<Scheduling.IBusyTimeSource, Graph.StoredBusyTime>();
        services.AddSingleton<Graph.CalendarTimers>();
        services.AddSingleton<Outreach.CampaignStore>();
        services.AddSingleton<Outreach.DefineCampaign>();
        services.AddSingleton<Outreach.CampaignDispatcher>();
        services.AddSingleton<Outreach.CampaignDueIndex>();
        services.AddSingleton<Outreach.CampaignPlanStore>();
        services.AddSingleton<Outreach.CampaignPlans>();
        services.AddSingleton<Outreach.SendLog>();
        services.AddSingleton<Outreach.SmsRateLimiter>();
        services.AddSingleton<Outreach.OptOutStore>();
        services.AddSingleton<Outreach.ImportRoster>();
        services.AddSingleton<Outreach.SendCampaignBatch>();
        services.AddSingleton<Outreach.HandleAcsEvents>();
        services.AddSingleton<Outreach.GuardianChannels>();
        services.AddSingleton<WhatsApp.WhatsAppWindow>();
        services.AddSingleton<WhatsApp.IWhatsAppWindow>(sp => sp.GetRequiredService<WhatsApp.WhatsAppWindow>());
        services.AddSingleton<Reliability.PoisonLog>();
        services.AddSingleton<Privacy.GuardianErasure>();
        services.AddSingleton<Outreach.ICampaignTemplates, Outreach.SmsCampaignTemplates>();
        services.AddCounselorCalendar();
        services.AddSingleton<Participation.DashboardRollups>();
        services.AddSingleton<Participation.ParticipationLog>();
        services.AddSingleton<Participation.PseudonymKeyProvider>();
        services.AddSingleton<Participation.ParticipationRecord>();
        services.AddSingleton<Participation.ParticipationExport>();
        services.AddSingleton<Participation.RecordSurveyReply>();
        services.AddSingleton<Participation.DashboardService>();
        services.AddSingleton<Access.PlatformKey>();
        services.AddSingleton<Access.SchoolKeys>();
        services.AddSingleton<Access.StaffDirectory>();
        services.AddSingleton<Access.FormTokens>();
        services.AddSingleton<Access.StaffAccess>();
        services.AddSingleton<Access.StaffAdmin>();
        services.AddSingleton<Access.StaffHome>();
        services.AddSingleton<Staff.StaffPages>();
        services.AddSingleton<Staff.StaffFrames>();
        services.AddSingleton<Staff.StaffRefusalPage>();
        services.AddSingleton<Staff.CampaignStatusBoard>();
        services.AddSingleton<Staff.CampaignComposer>();
        services.AddSingleton<Staff.CampaignPlanEditor>();
        services.AddSingleton<Staff.ParentMessages>();
        services.AddSingleton<Staff.ParentMessagesErasure>();
        services.AddSingleton<Staff.ParentMessagesPages>();
        services.AddSingleton<Staff.SmsParentReplySender>();
        services.TryAddSingleton<Staff.IParentReplySender, Staff.ChannelParentReplySender>();
        services.AddSingleton<Staff.SchedulePage>();
        services.AddSingleton<Staff.SchoolAdminViews>();
        services.AddSingleton<Staff.RosterUploads>();
        services.AddSingleton<Staff.GuardianList>();

        services.AddSingleton<OutboxSmsSender>();

        // A host (or a test) may register AcsSmsClientOptions (retries, transport) and a TokenCredential first.
        services.AddSingleton(sp => new AcsSmsSender(
            sp.GetRequiredService<IOptions<SmsOptions>>().Value.Acs,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AcsSmsSender>>(),
            sp.GetService<AcsSmsClientOptions>(),
            sp.GetService<Azure.Core.TokenCredential>()));
        services.AddSingleton(_ => new SmsTemplates(SmsTemplates.DefaultFolder));
        services.AddSingleton<ISmsSender>(sp => sp.GetRequiredService<IOptions<SmsOptions>>().Value.Provider switch
        {
            SmsProvider.Outbox => sp.GetRequiredService<OutboxSmsSender>(),
            SmsProvider.Acs => sp.GetRequiredService<AcsSmsSender>(),
            var other => throw new InvalidOperationException($"Sms__Provider '{other}' is not available in this build."),
        });
        AddWhatsApp(services);
        return services;
    }

    /// <summary>
    /// WhatsApp beside SMS: the same provider choice (ACS Advanced Messaging when <c>Sms__Provider=Acs</c> and
    /// WhatsApp is on, the outbox otherwise) and one two-channel sender that every message goes through.
    /// </summary>
    private static void AddWhatsApp(IServiceCollection services)
    {
        services.TryAddSingleton<WhatsApp.IWhatsAppWindow, WhatsApp.ClosedWhatsAppWindow>();
        services.AddSingleton<WhatsApp.WhatsAppTemplates>();
        services.AddSingleton<WhatsApp.WhatsAppDeliveryStore>();
        services.AddSingleton<WhatsApp.WhatsAppFacts>();
        services.AddSingleton<WhatsApp.TwoChannelSender>();
        services.AddSingleton<WhatsApp.ChannelAnswers>();
        services.AddSingleton<WhatsApp.OutboxWhatsAppSender>();
        services.AddSingleton(sp => new WhatsApp.AdvancedMessagingSender(
            sp.GetRequiredService<IOptions<SmsOptions>>().Value.Acs,
            sp.GetRequiredService<IOptions<WhatsApp.WhatsAppOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<WhatsApp.AdvancedMessagingSender>>(),
            sp.GetService<AcsSmsClientOptions>(),
            sp.GetService<Azure.Core.TokenCredential>()));
        services.AddSingleton<WhatsApp.IWhatsAppSender>(sp =>
            sp.GetRequiredService<IOptions<SmsOptions>>().Value.Provider == SmsProvider.Acs && sp.GetRequiredService<IOptions<WhatsApp.WhatsAppOptions>>().Value.Enabled
                ? sp.GetRequiredService<WhatsApp.AdvancedMessagingSender>()
                : sp.GetRequiredService<WhatsApp.OutboxWhatsAppSender>());
    }

    private static void AddSection<TOptions, TValidator>(IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
    }
}
