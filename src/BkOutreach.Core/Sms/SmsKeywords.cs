namespace BkOutreach.Core.Sms;

public enum SmsKeyword
{
    /// <summary>Anything else: kept for the counsellor.</summary>
    Other,

    /// <summary>The sender asks to receive no more SMS.</summary>
    OptOut,

    /// <summary>The sender asks to receive SMS again after opting out.</summary>
    OptIn,
}

/// <summary>
/// Reply keywords. A reply is a keyword when, after dropping whitespace, punctuation and symbols (emoji)
/// around it, it is exactly one of them in any case: "berhenti", " STOP! ", "Stop." opt out; "STOP SMS"
/// and "jangan stop" are ordinary replies (a sentence is for the counsellor to read, not for a machine).
/// </summary>
public static class SmsKeywords
{
    private static readonly HashSet<string> OptOutWords = new(StringComparer.OrdinalIgnoreCase) { "BERHENTI", "STOP", "UNSUBSCRIBE" };
    private static readonly HashSet<string> OptInWords = new(StringComparer.OrdinalIgnoreCase) { "MULAI", "START" };

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

        var word = text[start..end];
        if (OptOutWords.Contains(word))
        {
            return SmsKeyword.OptOut;
        }

        return OptInWords.Contains(word) ? SmsKeyword.OptIn : SmsKeyword.Other;
    }
}
