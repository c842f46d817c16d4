using BkOutreach.Core;
using BkOutreach.Functions.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace BkOutreach.Functions;

/// <summary>The function app's whole bootstrap, callable from Program.cs and from the test that builds the real worker host.</summary>
public static class BkOutreachWorker
{
    public static FunctionsApplicationBuilder Configure(FunctionsApplicationBuilder builder)
    {
        builder.ConfigureFunctionsWebApplication();

        // Outermost: a storage outage anywhere below (the access step included) answers 503 with Retry-After.
        builder.UseMiddleware<StorageOutageMiddleware>();

        // After the ASP.NET Core integration's own middleware (which provides the HttpContext): every HTTP function's access rule.
        builder.UseMiddleware<AccessMiddleware>();
        builder.Services.AddBkOutreach(builder.Configuration);
        return builder;
    }
}
