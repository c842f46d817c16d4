using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Configuration;

public enum SmsProvider
{
    /// <summary>Messages are stored in Table Storage and shown at /dev/outbox; nothing leaves the machine.</summary>
    Outbox,

    /// <summary>Azure Communication Services SMS REST API.</summary>
    Acs,
}

/// <summary>Settings section <c>Sms</c>.</summary>
public sealed class SmsOptions
{
    public const string Section = "Sms";

    public SmsProvider Provider { get; set; } = SmsProvider.Outbox;

    /// <summary>Sender throughput the whole deployment must stay under.</summary>
    public int MaxPerMinute { get; set; } = 600;

    public AcsSmsOptions Acs { get; set; } = new();
}

/// <summary>Settings section <c>Sms__Acs</c>.</summary>
public sealed class AcsSmsOptions
{
    /// <summary><c>endpoint=https://…;accesskey=…</c>: HMAC access-key authentication.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Endpoint for Entra ID (managed identity) authentication when no connection string is set.</summary>
    public string? Endpoint { get; set; }

    public string? From { get; set; }

    public string ApiVersion { get; set; } = "2021-03-07";

    public MessagingConnectOptions MessagingConnect { get; set; } = new();
}

/// <summary>Messaging Connect partner route; ACS reaches Indonesian (+62) numbers only through it.</summary>
public sealed class MessagingConnectOptions
{
    public string? Partner { get; set; }

    public string? ApiKey { get; set; }
}

internal sealed class SmsOptionsValidator : IValidateOptions<SmsOptions>
{
    public ValidateOptionsResult Validate(string? name, SmsOptions options)
    {
        var problems = new SettingsProblems();
        if (!Enum.IsDefined(options.Provider))
        {
            problems.Add("Sms__Provider", "must be Outbox or Acs.");
        }

        if (options.MaxPerMinute is < 1 or > 1_000_000)
        {
            problems.Add("Sms__MaxPerMinute", $"must be between 1 and 1000000, got {options.MaxPerMinute}.");
        }

        if (options.Provider == SmsProvider.Acs)
        {
            var acs = options.Acs;
            if (string.IsNullOrWhiteSpace(acs.ConnectionString) && string.IsNullOrWhiteSpace(acs.Endpoint))
            {
                problems.Add("Sms__Acs__ConnectionString", "is required when Sms__Provider is Acs (or set Sms__Acs__Endpoint to use the managed identity).");
            }

            if (!string.IsNullOrWhiteSpace(acs.Endpoint) && !Uri.TryCreate(acs.Endpoint, UriKind.Absolute, out _))
            {
                problems.Add("Sms__Acs__Endpoint", $"must be an absolute URL, got '{acs.Endpoint}'.");
            }

            if (string.IsNullOrWhiteSpace(acs.From))
            {
                problems.Add("Sms__Acs__From", "is required when Sms__Provider is Acs.");
            }

            var hasPartner = !string.IsNullOrWhiteSpace(acs.MessagingConnect.Partner);
            var hasKey = !string.IsNullOrWhiteSpace(acs.MessagingConnect.ApiKey);
            if (hasPartner != hasKey)
            {
                problems.Add(hasPartner ? "Sms__Acs__MessagingConnect__ApiKey" : "Sms__Acs__MessagingConnect__Partner", "Messaging Connect needs both Partner and ApiKey.");
            }
        }

        return problems.ToResult();
    }
}
