using BkOutreach.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Graph;

public static class GraphServiceCollectionExtensions
{
    /// <summary>
    /// The counsellor calendar: <see cref="GraphCounselorCalendar"/> when <c>Graph__Enabled</c> is true,
    /// else <see cref="NoCounselorCalendar"/> (callers check <see cref="ICounselorCalendar.IsEnabled"/>).
    /// A host or test that registers a <see cref="GraphTransport"/> first changes how Graph is reached.
    /// </summary>
    public static IServiceCollection AddCounselorCalendar(this IServiceCollection services)
    {
        services.TryAddSingleton(new GraphTransport());
        services.TryAddSingleton<ICounselorCalendar>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GraphOptions>>().Value;
            return options.Enabled
                ? new GraphCounselorCalendar(GraphClientBuilder.Create(options, sp.GetRequiredService<GraphTransport>()))
                : NoCounselorCalendar.Instance;
        });
        services.TryAddSingleton<BusyTimeStore>();
        services.TryAddSingleton<BusyTimeSync>();
        services.TryAddSingleton<CalendarSyncStore>();
        services.TryAddSingleton<CalendarSyncProcessor>();
        return services;
    }
}
