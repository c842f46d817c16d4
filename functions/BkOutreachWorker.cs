using BkOutreach.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace BkOutreach.Functions;

/// <summary>The function app's whole bootstrap, callable from Program.cs and from the test that builds the real worker host.</summary>
public static class BkOutreachWorker
{
    public static FunctionsApplicationBuilder Configure(FunctionsApplicationBuilder builder)
    {
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddBkOutreach(builder.Configuration);
        return builder;
    }
}
