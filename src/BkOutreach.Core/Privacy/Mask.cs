namespace BkOutreach.Core.Privacy;

/// <summary>What may appear in logs instead of personal data.</summary>
public static class Mask
{
    /// <summary><c>+6281234567890</c> → <c>+62812****7890</c>: enough to tell numbers apart in a log, not enough to call.</summary>
    public static string Phone(string? phone)
    {
        if (string.IsNullOrEmpty(phone))
        {
            return "";
        }

        if (phone.Length <= 8)
        {
            return new string('*', phone.Length);
        }

        // At least four characters stay hidden, however short the number.
        var shown = Math.Min(6, phone.Length - 8);
        return string.Concat(phone.AsSpan(0, shown), "****", phone.AsSpan(phone.Length - 4));
    }

    /// <summary>A name becomes its initials: <c>Siti Aminah</c> → <c>S. A.</c></summary>
    public static string Name(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "";
        }

        return string.Join(' ', name.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + "."));
    }
}
