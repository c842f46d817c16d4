namespace BkOutreach.Core.Storage;

/// <summary>Every table and queue the app uses; all are created at start-up.</summary>
public static class StorageNames
{
    public const string SchoolsTable = "schools";
    public const string CounselorsTable = "counselors";
    public const string GuardiansTable = "guardians";
    public const string CampaignsTable = "campaigns";
    public const string CampaignPlansTable = "campaignplans";
    public const string OutboxTable = "outbox";
    public const string SecretsTable = "secrets";
    public const string BookingsTable = "bookings";
    public const string RateLimitTable = "ratelimit";
    public const string OptOutsTable = "optouts";
    public const string SendsTable = "sends";
    public const string WavesTable = "waves";
    public const string LinksTable = "links";
    public const string BusyTimesTable = "busytimes";
    public const string CalendarSyncTable = "calendarsync";
    public const string AcsEventsTable = "acsevents";
    public const string RepliesTable = "replies";
    public const string ReminderScheduleTable = "reminderschedule";
    public const string ParticipationTable = "participation";
    public const string PoisonTable = "poisonlog";
    public const string StaffTable = "staff";
    public const string SchoolKeysTable = "schoolkeys";
    public const string CampaignDueTable = "campaigndue";
    public const string ParentMessagesTable = "parentmessages";
    public const string RosterUploadsTable = "rosteruploads";
    public const string WhatsAppDeliveriesTable = "wadeliveries";
    public const string WhatsAppFallbacksTable = "wafallbacks";
    public const string DashboardRollupsTable = "dashboardrollups";

    public static IReadOnlyList<string> Tables { get; } =
        [SchoolsTable, CounselorsTable, GuardiansTable, CampaignsTable, CampaignPlansTable, OutboxTable, SecretsTable, BookingsTable, RateLimitTable, OptOutsTable, SendsTable, WavesTable, LinksTable, BusyTimesTable, CalendarSyncTable, AcsEventsTable, RepliesTable, ReminderScheduleTable, ParticipationTable, PoisonTable, StaffTable, SchoolKeysTable, CampaignDueTable, ParentMessagesTable, RosterUploadsTable, WhatsAppDeliveriesTable, WhatsAppFallbacksTable, DashboardRollupsTable];

    public static IReadOnlyList<string> Queues { get; } = [Outreach.OutreachQueues.SendQueue, Booking.BookingQueues.EventsQueue];
}
