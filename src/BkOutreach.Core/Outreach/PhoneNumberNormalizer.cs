using PhoneNumbers;

namespace BkOutreach.Core.Outreach;

/// <summary>A phone number as SMS needs it (E.164), or why it cannot be one.</summary>
public sealed record PhoneNumberResult(string? E164, string? Error)
{
    public bool IsValid => E164 is not null;

    public static PhoneNumberResult Valid(string e164) => new(e164, null);

    public static PhoneNumberResult Invalid(string error) => new(null, error);
}

/// <summary>
/// Turns what schools type into rosters into E.164 mobile numbers. A number without a country code is
/// Indonesian, whichever way it is written: <c>0812…</c> (trunk prefix), <c>62812…</c>, <c>+62 812-…</c>,
/// <c>0062 812…</c> (international prefix) or <c>812…</c>, with spaces, dots, dashes, slashes or
/// parentheses. Numbers of other countries must be written with <c>+</c>. Only numbers that can receive
/// SMS pass: mobiles (and numbers a country does not tell apart from mobiles); landlines and invalid numbers are refused with a reason.
/// </summary>
public static class PhoneNumberNormalizer
{
    public const string Missing = "phone number is missing";
    public const string NotValid = "not a valid number";
    public const string Landline = "landline cannot receive SMS";
    public const string NotMobile = "this kind of number cannot receive SMS";

    private const string Indonesia = "ID";
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public static PhoneNumberResult Normalize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return PhoneNumberResult.Invalid(Missing);
        }

        var compact = Compact(raw);
        if (compact.Length == 0)
        {
            return PhoneNumberResult.Invalid(NotValid);
        }

        // "0062812…" is "+62…" dialled with the international prefix 00 (a national number never starts
        // with 00). Other countries stay "+ only": Indonesian carriers' prefixes also start with 00 (001,
        // 007, 008), so what follows 00 is a country code for sure only when it is 62.
        if (compact.StartsWith("0062", StringComparison.Ordinal))
        {
            compact = compact[2..];
        }

        // "62812…" is the country code typed without '+': a national number never starts with 62
        // (mobiles start with 08 or 8, landlines with 0 + area code).
        if (compact[0] != '+' && compact.StartsWith("62", StringComparison.Ordinal) && compact.Length >= 10)
        {
            compact = "+" + compact;
        }

        PhoneNumber number;
        try
        {
            number = Util.Parse(compact, Indonesia);
        }
        catch (NumberParseException)
        {
            return PhoneNumberResult.Invalid(NotValid);
        }

        if (!Util.IsValidNumber(number))
        {
            return PhoneNumberResult.Invalid(NotValid);
        }

        return Util.GetNumberType(number) switch
        {
            PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE => PhoneNumberResult.Valid(Util.Format(number, PhoneNumberFormat.E164)),
            PhoneNumberType.FIXED_LINE => PhoneNumberResult.Invalid(Landline),
            _ => PhoneNumberResult.Invalid(NotMobile),
        };
    }

    /// <summary>Keeps digits and a leading '+'; drops separators and a spreadsheet's leading apostrophe.</summary>
    private static string Compact(string raw)
    {
        Span<char> buffer = stackalloc char[Math.Min(raw.Length, 64)];
        var length = 0;
        foreach (var c in raw.Trim().TrimStart('\''))
        {
            if (length == buffer.Length)
            {
                return "";
            }

            if (char.IsAsciiDigit(c) || (c == '+' && length == 0))
            {
                buffer[length++] = c;
            }
            else if (!(char.IsWhiteSpace(c) || c is '.' or '-' or '(' or ')' or '/' or '\u2013' or '\u2010'))
            {
                return "";
            }
        }

        return new string(buffer[..length]);
    }
}
