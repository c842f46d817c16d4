namespace BkOutreach.Core.Sms;

/// <summary>
/// How many SMS segments a text costs. GSM-7 carries 160 characters in one segment and 153 per segment
/// when split (characters of the extension table count twice); anything outside GSM-7 is sent as UCS-2:
/// 70 in one segment, 67 per segment when split (characters outside the BMP count twice).
/// </summary>
public static class SmsSegments
{
    private const string Gsm7Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Gsm7Extension = "^{}\\[~]|€\f";

    public static bool IsGsm7(string text)
    {
        foreach (var c in text)
        {
            if (!Gsm7Basic.Contains(c) && !Gsm7Extension.Contains(c))
            {
                return false;
            }
        }

        return true;
    }

    public static int Count(string text)
    {
        if (text.Length == 0)
        {
            return 1;
        }

        if (IsGsm7(text))
        {
            var septets = text.Sum(c => Gsm7Extension.Contains(c) ? 2 : 1);
            return septets <= 160 ? 1 : (int)Math.Ceiling(septets / 153.0);
        }

        var units = text.Length;
        return units <= 70 ? 1 : (int)Math.Ceiling(units / 67.0);
    }
}
