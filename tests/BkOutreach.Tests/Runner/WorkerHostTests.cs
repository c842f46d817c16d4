using System.Reflection;
using BkOutreach.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace BkOutreach.Tests.Runner;

/// <summary>
/// The function app's own bootstrap (what Program.cs runs), not the local runner's: a registration missing
/// there would fail in Azure at the first invocation, so it fails here.
/// </summary>
public sealed class WorkerHostTests
{
    [Fact]
    public void TheWorkerHostBuiltByProgramCs_ResolvesEveryFunctionClass()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Links:BaseUrl"] = "http://127.0.0.1:7071",
        });
        BkOutreachWorker.Configure(builder);
        using var host = builder.Build();

        var functionClasses = typeof(BkOutreachWorker).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))
            .ToList();
        var failures = new List<string>();
        using var scope = host.Services.CreateScope();
        foreach (var type in functionClasses)
        {
            try
            {
                Assert.NotNull(ActivatorUtilities.CreateInstance(scope.ServiceProvider, type));
            }
            catch (InvalidOperationException ex)
            {
                failures.Add($"{type.Name}: {ex.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Contains(functionClasses, t => t.Name == "HandleBookingEvents");
        Assert.Contains(functionClasses, t => t.Name == "SweepBookingEvents");
        Assert.True(functionClasses.Count >= 30, $"only {functionClasses.Count} function classes found");
    }
}
