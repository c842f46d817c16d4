namespace BkOutreach.Functions;

/// <summary>
/// Timer schedules come from app settings (six-field NCRONTAB, UTC: Flex Consumption has no time zone
/// setting, so local times are judged in code). <see cref="Defaults"/> are what the Bicep template sets and
/// what the local runner uses when a setting is absent.
/// </summary>
public static class Schedules
{
    public const string Dispatcher = "%DispatcherSchedule%";
    public const string Reminders = "%RemindersSchedule%";
    public const string BusyTimes = "%BusyTimesSchedule%";
    public const string BookingEventsSweep = "%BookingEventsSweepSchedule%";
    public const string WhatsAppFallbacks = "%WhatsAppFallbackSchedule%";
    public const string ParentAnswers = "%ParentAnswersSchedule%";

    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>
    {
        ["DispatcherSchedule"] = "0 */5 * * * *",
        ["RemindersSchedule"] = "0 */5 * * * *",
        ["BusyTimesSchedule"] = "0 */15 * * * *",
        ["BookingEventsSweepSchedule"] = "30 */2 * * * *",
        ["WhatsAppFallbackSchedule"] = "45 * * * * *",
        ["ParentAnswersSchedule"] = "15 */5 * * * *",
    };
}
