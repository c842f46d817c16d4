using System.Text;
using System.Text.Json;

namespace BkOutreach.Core.Access;

/// <summary>
/// Reads the signed-in user from <c>X-MS-CLIENT-PRINCIPAL</c>, the header App Service Authentication sets
/// (and strips from what clients send; the local runner does the same): base64 of
/// <c>{ "auth_typ", "name_typ", "role_typ", "claims": [{ "typ", "val" }] }</c>. Staff are known by email,
/// compared in lower case.
/// </summary>
public static class ClientPrincipal
{
    public const string Header = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>Claims that carry the sign-in email, most specific first; then the claim <c>name_typ</c> names.</summary>
    private static readonly string[] EmailClaims =
    [
        "preferred_username",
        "email",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "upn",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    ];

    /// <summary>The principal as the platform encodes it (tests, and the runner's sign-in emulation).</summary>
    public static string Encode(string email, string authType = "aad")
    {
        var json = JsonSerializer.Serialize(new
        {
            auth_typ = authType,
            name_typ = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
            role_typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
            claims = new[]
            {
                new { typ = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", val = email },
                new { typ = "preferred_username", val = email },
                new { typ = "name", val = email },
            },
        });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>The email of the principal, in lower case; null when the header is absent, malformed or has no email.</summary>
    public static string? EmailOf(string? header)
    {
        if (string.IsNullOrWhiteSpace(header) || header.Length > 16 * 1024)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(Convert.FromBase64String(header.Trim()));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var values = new List<(string Type, string Value)>();
            foreach (var claim in claims.EnumerateArray())
            {
                if (claim.ValueKind == JsonValueKind.Object
                    && claim.TryGetProperty("typ", out var typ) && typ.ValueKind == JsonValueKind.String
                    && claim.TryGetProperty("val", out var val) && val.ValueKind == JsonValueKind.String)
                {
                    values.Add((typ.GetString()!, val.GetString()!));
                }
            }

            var nameType = root.TryGetProperty("name_typ", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            foreach (var type in EmailClaims.Append(nameType).OfType<string>())
            {
                var found = values.FirstOrDefault(c => string.Equals(c.Type, type, StringComparison.OrdinalIgnoreCase) && StaffEmail.IsValid(c.Value.Trim()));
                if (found.Value is not null)
                {
                    return StaffEmail.Normalize(found.Value);
                }
            }

            return null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }
}

/// <summary>Staff emails: one spelling (trimmed, lower case) and characters that are safe in table keys.</summary>
public static class StaffEmail
{
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    /// <summary>local@domain.tld, at most 254 characters, no spaces, and none of <c>| / \ # ?</c> or control characters (table keys).</summary>
    public static bool IsValid(string? email)
    {
        if (string.IsNullOrEmpty(email) || email.Length > 254)
        {
            return false;
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != email.LastIndexOf('@') || at == email.Length - 1)
        {
            return false;
        }

        var domain = email[(at + 1)..];
        var dot = domain.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && dot < domain.Length - 1 && !domain.EndsWith('.')
            && email.All(c => !char.IsWhiteSpace(c) && !char.IsControl(c) && c is not ('|' or '/' or '\\' or '#' or '?'));
    }
}
