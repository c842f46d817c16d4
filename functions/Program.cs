using BkOutreach.Functions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = BkOutreachWorker.Configure(FunctionsApplication.CreateBuilder(args));
builder.Build().Run();
