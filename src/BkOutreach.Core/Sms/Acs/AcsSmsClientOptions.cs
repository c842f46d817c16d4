using Azure.Core;

namespace BkOutreach.Core.Sms.Acs;

/// <summary>
/// Pipeline options of <see cref="AcsSmsSender"/>: retries (429 and 5xx, exponential, honouring
/// Retry-After), transport and diagnostics. Register one in the container to override the defaults
/// (tests shorten the delays or put a recording transport underneath).
/// </summary>
public sealed class AcsSmsClientOptions : ClientOptions
{
    public AcsSmsClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 4;
        Retry.Delay = TimeSpan.FromSeconds(1);
        Retry.MaxDelay = TimeSpan.FromSeconds(30);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(30);

        // Request bodies carry phone numbers and message texts: never into Azure SDK logs.
        Diagnostics.IsLoggingContentEnabled = false;
        Diagnostics.ApplicationId = "BkOutreach";
    }
}
