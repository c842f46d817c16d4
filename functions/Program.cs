using BkOutreach.Core;
using BkOutreach.Functions.Http;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<StorageOutageMiddleware>();
builder.Services.AddBkOutreach(builder.Configuration);
builder.Build().Run();
