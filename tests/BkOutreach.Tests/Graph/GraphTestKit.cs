using BkOutreach.Core.Configuration;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Storage;
using BkOutreach.Tests.Fakes;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Kiota.Abstractions.Authentication;
using NodaTime;

namespace BkOutreach.Tests.Graph;

internal static class GraphTestKit
{
    public static GraphCounselorCalendar Calendar(FakeGraphServer fake) =>
        new(GraphClientBuilder.Create(
            new GraphOptions { Enabled = true, BaseUrl = fake.BaseUrl },
            new GraphTransport { Authentication = new AnonymousAuthenticationProvider() }));

    public static async Task<StorageAccount> StorageAsync()
    {
        var storage = new StorageAccount(
            Options.Create(new StorageOptions { ConnectionString = await TestAzurite.ConnectionStringAsync() }),
            []);
        await storage.Tables.CreateTableIfNotExistsAsync(StorageNames.BusyTimesTable);
        await storage.Tables.CreateTableIfNotExistsAsync(StorageNames.CalendarSyncTable);
        return storage;
    }

    /// <summary>A calendar-sync store on a table of its own, so no other test's rows fall due in this test.</summary>
    public static async Task<CalendarSyncStore> CalendarSyncStoreAsync(TimeProvider time)
    {
        var storage = await StorageAsync();
        var table = "calendarsync" + Guid.NewGuid().ToString("N")[..12];
        await storage.Tables.CreateTableIfNotExistsAsync(table);
        return new CalendarSyncStore(storage, time, table);
    }

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static Instant At(string iso) => Instant.FromDateTimeOffset(DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A Saturday-morning meeting at a school in Palembang (WIB, UTC+7).</summary>
    public static MeetingEvent Meeting(string bookingId, MeetingMode mode = MeetingMode.InPerson, string start = "2027-01-16T02:00:00Z") =>
        MeetingEvent.For(bookingId, At(start), At(start) + Duration.FromMinutes(30), "Asia/Jakarta", mode, "Siti Aminah", "XI IPA 1", "Ruang BK");
}
