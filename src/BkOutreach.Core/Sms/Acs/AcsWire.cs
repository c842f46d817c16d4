using System.Text.Json.Serialization;

namespace BkOutreach.Core.Sms.Acs;

// The JSON of the ACS SMS REST API (api-version 2021-03-07 and later), as far as we use it.

internal sealed record AcsSendResponse([property: JsonPropertyName("value")] IReadOnlyList<AcsSendResponseItem>? Value);

internal sealed record AcsSendResponseItem(
    [property: JsonPropertyName("to")] string? To,
    [property: JsonPropertyName("messageId")] string? MessageId,
    [property: JsonPropertyName("httpStatusCode")] int HttpStatusCode,
    [property: JsonPropertyName("repeatabilityResult")] string? RepeatabilityResult,
    [property: JsonPropertyName("successful")] bool Successful,
    [property: JsonPropertyName("errorMessage")] string? ErrorMessage);

internal sealed record AcsErrorResponse([property: JsonPropertyName("error")] AcsError? Error);

internal sealed record AcsError(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message);
