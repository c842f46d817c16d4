namespace BkOutreach.Core.Sms;

public enum SmsKeyword
{
    /// <summary>Anything else: kept for the counsellor.</summary>
    Other,

    /// <summary>The sender asks to receive no more messages (SMS or WhatsApp: an opt-out stops both).</summary>
    OptOut,

    /// <summary>The sender asks to receive messages again after opting out.</summary>
    OptIn,

    /// <summary>The sender wants the school's messages by SMS (reply <c>SMS</c>).</summary>
    UseSms,

    /// <summary>The sender wants the school's messages by WhatsApp (reply <c>WA</c> or <c>WHATSAPP</c>).</summary>
    UseWhatsApp,
}

/// <summary>
/// Reply keywords, the same by SMS and by WhatsApp. A reply is a keyword when, after dropping whitespace,
/// punctuation and symbols (emoji) around it, it is exactly one of them in any case: "berhenti", " STOP! ",
/// "Stop." opt out; "STOP SMS" and "jangan stop" are ordinary replies (a sentence is for the counsellor to
/// read, not for a machine). "SMS" and "WA" choose the channel the school's messages come by.
/// </summary>
public static class SmsKeywords
{
    private static readonly Dictionary<string, SmsKeyword> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        ["BERHENTI"] = SmsKeyword.OptOut,
        ["STOP"] = SmsKeyword.OptOut,
        ["UNSUBSCRIBE"] = SmsKeyword.OptOut,
        ["MULAI"] = SmsKeyword.OptIn,
        ["START"] = SmsKeyword.OptIn,
        ["SMS"] = SmsKeyword.UseSms,
        ["WA"] = SmsKeyword.UseWhatsApp,
        ["WHATSAPP"] = SmsKeyword.UseWhatsApp,
    };

    public static SmsKeyword Classify(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return SmsKeyword.Other;
        }

        var span = text.AsSpan();
        var start = 0;
        var end = span.Length;
        while (start < end && !char.IsLetterOrDigit(span[start]))
        {
            start++;
        }

        while (end > start && !char.IsLetterOrDigit(span[end - 1]))
        {
            end--;
        }

        return Words.TryGetValue(text[start..end], out var keyword) ? keyword : SmsKeyword.Other;
    }
}
