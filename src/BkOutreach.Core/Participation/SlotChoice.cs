using NodaTime;

namespace BkOutreach.Core.Participation;

/// <summary>When in the week a meeting falls, as the study asked parents (weekday evening, Saturday, Sunday).</summary>
public enum SlotKind
{
    WeekdayEvening,
    Saturday,
    Sunday,
    WeekdayDaytime,
}

/// <summary>
/// The kind of slot a parent chose and how they meet (<c>in_person</c> or <c>online</c>). Rule, on the
/// school's clock: Saturday and Sunday by day; Monday–Friday from <see cref="EveningStarts"/> on is a
/// weekday evening (after school and office hours), earlier is weekday daytime. Stored as the value of
/// <c>booked</c> and <c>rescheduled</c> facts: <c>{kind}:{mode}</c>, e.g. <c>weekday_evening:online</c>.
/// </summary>
public sealed record SlotChoice(SlotKind Kind, string Mode)
{
    public static readonly LocalTime EveningStarts = new(16, 0);

    public static SlotKind KindOf(LocalDateTime localStart) => localStart.DayOfWeek switch
    {
        IsoDayOfWeek.Saturday => SlotKind.Saturday,
        IsoDayOfWeek.Sunday => SlotKind.Sunday,
        _ => localStart.TimeOfDay >= EveningStarts ? SlotKind.WeekdayEvening : SlotKind.WeekdayDaytime,
    };

    /// <summary>The choice of a meeting starting at <paramref name="start"/> in the school's <paramref name="timeZone"/>.</summary>
    public static SlotChoice Of(DateTimeOffset start, string timeZone, string mode)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) ?? throw new ArgumentException($"Unknown time zone '{timeZone}'.", nameof(timeZone));
        return new SlotChoice(KindOf(Instant.FromDateTimeOffset(start).InZone(zone).LocalDateTime), mode);
    }

    public static string ToWire(SlotKind kind) => kind switch
    {
        SlotKind.WeekdayEvening => "weekday_evening",
        SlotKind.Saturday => "saturday",
        SlotKind.Sunday => "sunday",
        SlotKind.WeekdayDaytime => "weekday_daytime",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static SlotChoice? TryParse(string? value)
    {
        var parts = (value ?? "").Split(':');
        if (parts.Length != 2)
        {
            return null;
        }

        SlotKind? kind = parts[0] switch
        {
            "weekday_evening" => SlotKind.WeekdayEvening,
            "saturday" => SlotKind.Saturday,
            "sunday" => SlotKind.Sunday,
            "weekday_daytime" => SlotKind.WeekdayDaytime,
            _ => null,
        };
        return kind is null ? null : new SlotChoice(kind.Value, parts[1]);
    }

    public string ToValue() => $"{ToWire(Kind)}:{Mode}";
}
