using Azure.Core;
using Azure.Identity;
using BkOutreach.Core.Configuration;
using Microsoft.Graph;
using Microsoft.Graph.Authentication;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;

namespace BkOutreach.Core.Graph;

/// <summary>
/// What tests (or a host) change about the way Graph is reached: the innermost handler, the
/// authentication and the retry policy. Production leaves all of them null.
/// </summary>
public sealed class GraphTransport
{
    public HttpMessageHandler? FinalHandler { get; init; }

    public IAuthenticationProvider? Authentication { get; init; }

    /// <summary>429/503/504 retry policy of the Graph middleware; null keeps the SDK default (3 retries, Retry-After honoured).</summary>
    public RetryHandlerOption? Retry { get; init; }
}

/// <summary>
/// Builds the <see cref="GraphServiceClient"/>: the HttpClient comes from <see cref="GraphClientFactory"/>
/// so the SDK middleware (retry with Retry-After on 429/503, redirects, compression) is in the pipeline,
/// and the base URL is <c>Graph__BaseUrl</c>.
/// </summary>
public static class GraphClientBuilder
{
    public const string Scope = "https://graph.microsoft.com/.default";

    public static GraphServiceClient Create(GraphOptions options, GraphTransport? transport = null)
    {
        transport ??= new GraphTransport();
        var handlers = GraphClientFactory.CreateDefaultHandlers();
        if (transport.Retry is { } retry)
        {
            var index = handlers.ToList().FindIndex(h => h is RetryHandler);
            var replacement = new RetryHandler(retry);
            if (index >= 0)
            {
                handlers[index].Dispose();
                handlers[index] = replacement;
            }
            else
            {
                handlers.Insert(0, replacement);
            }
        }

        var baseUrl = options.BaseUrl.TrimEnd('/');
        var httpClient = GraphClientFactory.Create(handlers, finalHandler: transport.FinalHandler);
        var authentication = transport.Authentication ?? CreateAuthentication(options, new Uri(baseUrl).Host);
        return new GraphServiceClient(httpClient, authentication, baseUrl);
    }

    /// <summary>Client secret when <c>Graph__ClientSecret</c> is set, else the managed identity (user-assigned when <c>Graph__ClientId</c> is set).</summary>
    public static TokenCredential CreateCredential(GraphOptions options) =>
        !string.IsNullOrWhiteSpace(options.ClientSecret)
            ? new ClientSecretCredential(options.TenantId, options.ClientId, options.ClientSecret)
            : new ManagedIdentityCredential(string.IsNullOrWhiteSpace(options.ClientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(options.ClientId));

    private static AzureIdentityAuthenticationProvider CreateAuthentication(GraphOptions options, string host) =>
        new(CreateCredential(options), [host], null, true, [Scope]);
}
