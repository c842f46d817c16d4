using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Scheduling;

/// <summary>
/// The "after school and at weekends" policy for a counsellor who set no windows: Saturday and Sunday
/// 08:00–12:00 and Monday–Thursday 19:30–21:00 (after Isya), local time, in person or online as the parent
/// prefers. 70% of parents in the study could not come during working hours, so nothing falls in them;
/// Friday evening is left out because families keep it for the weekend and for Friday gatherings.
/// </summary>
public static class DefaultAvailability
{
    public static IReadOnlyList<AvailabilityWindow> Windows { get; } =
    [
        new(["Sat", "Sun"], "08:00", "12:00", "either"),
        new(["Mon", "Tue", "Wed", "Thu"], "19:30", "21:00", "either"),
    ];

    /// <summary>The counsellor's own windows, or the default policy when they set none.</summary>
    public static IReadOnlyList<AvailabilityWindow> For(CounselorSettings counselor) =>
        counselor.Windows is { Count: > 0 } windows ? windows : Windows;
}
