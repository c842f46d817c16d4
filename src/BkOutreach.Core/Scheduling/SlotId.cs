using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace BkOutreach.Core.Scheduling;

/// <summary>
/// Names a slot in links, forms and feeds: <c>{counselorId}.{yyyyMMddTHHmm}.{minutes}</c>, the start in the
/// school's local time (e.g. <c>bk-1.20270116T0800.30</c>). It is URL-safe, the same for the same slot on
/// every computation, and has exactly one spelling: <see cref="TryParse"/> accepts only what
/// <see cref="ToString"/> writes. Counsellor ids are 1–64 characters of letters, digits, '-', '_' and '.'.
/// </summary>
public sealed record SlotId
{
    public const int MaxCounselorIdLength = 64;
    private const int MaxMinutes = 1440;
    private static readonly LocalDateTimePattern StartPattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuuMMdd'T'HHmm");

    public SlotId(string counselorId, LocalDateTime start, int minutes)
    {
        if (!IsValidCounselorId(counselorId))
        {
            throw new ArgumentException($"'{counselorId}' cannot be part of a slot id.", nameof(counselorId));
        }

        if (start.Second != 0 || start.NanosecondOfSecond != 0 || start.Year is < 1000 or > 9999)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, "Slots start on a whole minute in years 1000–9999.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, MaxMinutes);
        CounselorId = counselorId;
        Start = start;
        Minutes = minutes;
    }

    public string CounselorId { get; }

    /// <summary>Local start in the school's zone.</summary>
    public LocalDateTime Start { get; }

    public int Minutes { get; }

    public LocalDateTime End => Start.PlusMinutes(Minutes);

    public static bool IsValidCounselorId([NotNullWhen(true)] string? id) =>
        id is { Length: > 0 and <= MaxCounselorIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out SlotId? id)
    {
        id = null;
        if (text is null || text.Length > MaxCounselorIdLength + 20)
        {
            return false;
        }

        // The counsellor id may itself contain dots, so split off the two fixed parts from the right.
        var minutesDot = text.LastIndexOf('.');
        if (minutesDot <= 0)
        {
            return false;
        }

        var startDot = text.LastIndexOf('.', minutesDot - 1);
        if (startDot <= 0)
        {
            return false;
        }

        var counselorId = text[..startDot];
        var startText = text[(startDot + 1)..minutesDot];
        var minutesText = text[(minutesDot + 1)..];
        if (!IsValidCounselorId(counselorId)
            || minutesText.Length is 0 or > 4
            || !minutesText.All(char.IsAsciiDigit)
            || !int.TryParse(minutesText, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || minutes is < 1 or > MaxMinutes)
        {
            return false;
        }

        var start = StartPattern.Parse(startText);
        if (!start.Success)
        {
            return false;
        }

        var candidate = new SlotId(counselorId, start.Value, minutes);
        if (!string.Equals(candidate.ToString(), text, StringComparison.Ordinal))
        {
            return false;
        }

        id = candidate;
        return true;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{CounselorId}.{StartPattern.Format(Start)}.{Minutes}");
}
