using System.Net;
using System.Net.Sockets;
using BkOutreach.LocalRunner;

namespace BkOutreach.Tests.Infrastructure;

/// <summary>
/// One in-memory Azurite per test run, on free ports so it never collides with a developer's own
/// emulator; started on first use and stopped when the test process exits.
/// </summary>
public static class TestAzurite
{
    private static readonly Lazy<Task<Azurite>> Instance = new(StartAsync);

    public static async Task<string> ConnectionStringAsync() => (await Instance.Value).ConnectionString;

    public static async Task<Azurite> GetAsync() => await Instance.Value;

    public static int FreePort() => Azurite.FreePorts(1)[0];

    private static async Task<Azurite> StartAsync()
    {
        var azurite = await Azurite.StartOnFreePortsAsync(location: null, TextWriter.Null, CancellationToken.None);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        return azurite;
    }
}
