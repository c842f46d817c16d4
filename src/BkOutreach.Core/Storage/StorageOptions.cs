using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Storage;

/// <summary>
/// Setting <c>AzureWebJobsStorage</c>, the same one the Functions host uses: either a connection string as
/// its value, or identity-based children (<c>__accountName</c>, <c>__tableServiceUri</c>,
/// <c>__queueServiceUri</c>, <c>__credential</c>, <c>__clientId</c>) reached with a token credential.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "AzureWebJobsStorage";

    public string? ConnectionString { get; set; }

    public string? AccountName { get; set; }

    public Uri? TableServiceUri { get; set; }

    public Uri? QueueServiceUri { get; set; }

    /// <summary><c>managedidentity</c> to use only the managed identity; anything else means DefaultAzureCredential.</summary>
    public string? Credential { get; set; }

    public string? ClientId { get; set; }

    public bool UsesIdentity => string.IsNullOrWhiteSpace(ConnectionString);

    public Uri ResolvedTableUri => TableServiceUri ?? new Uri($"https://{AccountName}.table.core.windows.net");

    public Uri ResolvedQueueUri => QueueServiceUri ?? new Uri($"https://{AccountName}.queue.core.windows.net");

    public static void Bind(StorageOptions options, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        options.ConnectionString = section.Value;
        options.AccountName = section["accountName"];
        options.TableServiceUri = ParseUri(section["tableServiceUri"]);
        options.QueueServiceUri = ParseUri(section["queueServiceUri"]);
        options.Credential = section["credential"];
        options.ClientId = section["clientId"];
        if (string.IsNullOrWhiteSpace(options.ConnectionString) && string.IsNullOrWhiteSpace(options.AccountName)
            && options.TableServiceUri is null && options.QueueServiceUri is null)
        {
            options.ConnectionString = "UseDevelopmentStorage=true";
        }
    }

    private static Uri? ParseUri(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (!options.UsesIdentity)
        {
            return ValidateOptionsResult.Success;
        }

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AccountName) && (options.TableServiceUri is null || options.QueueServiceUri is null))
        {
            problems.Add("AzureWebJobsStorage__accountName: is required for identity-based storage unless both AzureWebJobsStorage__tableServiceUri and AzureWebJobsStorage__queueServiceUri are set.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
