using BkOutreach.Core.Access;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Sms;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Events;

/// <summary>
/// <c>POST /api/events/acs</c>: the Event Grid webhook for SMS delivery reports and inbound SMS. Answers the
/// subscription handshake (Event Grid schema, and the CloudEvents OPTIONS handshake); everything else 200
/// once handled, so Event Grid retries only real failures.
/// </summary>
public sealed class AcsEventsWebhook(HandleAcsEvents handle)
{
    [Function(nameof(AcsEventsWebhook))]
    [Access(AccessScope.Platform)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "events/acs")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (HttpMethods.IsOptions(request.Method))
        {
            request.HttpContext.Response.Headers["WebHook-Allowed-Origin"] = request.Headers["WebHook-Request-Origin"].FirstOrDefault() ?? "eventgrid.azure.net";
            return new OkResult();
        }

        if (request.ContentLength > HttpJson.MaxBodyBytes)
        {
            return HttpJson.Problem(StatusCodes.Status413PayloadTooLarge, "body_too_large", ["Event Grid batches are at most 1 MB."]);
        }

        if (!request.HasJsonContentType() && !(request.ContentType?.StartsWith("application/cloudevents", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            return HttpJson.Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", ["Event Grid sends application/json."]);
        }

        using var reader = new StreamReader(request.Body);
        IReadOnlyList<AcsEvent> events;
        try
        {
            events = AcsEvents.Parse(await reader.ReadToEndAsync(cancellationToken));
        }
        catch (FormatException ex)
        {
            return HttpJson.Problem(StatusCodes.Status400BadRequest, "invalid_events", [ex.Message]);
        }

        var outcome = await handle.ExecuteAsync(events, cancellationToken);
        return outcome.ValidationResponse is { } validation
            ? new ContentResult { Content = validation, ContentType = "application/json", StatusCode = StatusCodes.Status200OK }
            : new OkObjectResult(new { processed = outcome.Processed, repeated = outcome.Repeated, ignored = outcome.Ignored });
    }
}
