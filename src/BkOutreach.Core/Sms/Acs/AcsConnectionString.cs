namespace BkOutreach.Core.Sms.Acs;

/// <summary>
/// An ACS connection string, <c>endpoint=https://…/;accesskey=…</c>. Keys are case-insensitive and the
/// order is free; the access key is base64 and is the HMAC secret (decoded).
/// </summary>
public sealed record AcsConnectionString(Uri Endpoint, byte[] AccessKey)
{
    public static AcsConnectionString Parse(string connectionString)
    {
        string? endpoint = null;
        string? key = null;
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var name = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (name.Equals("endpoint", StringComparison.OrdinalIgnoreCase))
            {
                endpoint = value;
            }
            else if (name.Equals("accesskey", StringComparison.OrdinalIgnoreCase))
            {
                key = value;
            }
        }

        if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            throw new FormatException("Sms__Acs__ConnectionString: needs endpoint=https://<resource>.communication.azure.com/.");
        }

        if (string.IsNullOrEmpty(key))
        {
            throw new FormatException("Sms__Acs__ConnectionString: needs accesskey=<base64 key>.");
        }

        byte[] keyBytes;
        try
        {
            keyBytes = Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            throw new FormatException("Sms__Acs__ConnectionString: accesskey must be base64.");
        }

        return new AcsConnectionString(uri, keyBytes);
    }
}
