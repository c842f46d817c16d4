using System.Diagnostics.CodeAnalysis;

namespace BkOutreach.Core.Scheduling;

/// <summary>How a meeting happens; on the wire <c>in_person</c>, <c>online</c> or <c>either</c> (parent's choice).</summary>
public enum MeetingMode
{
    Either,
    InPerson,
    Online,
}

public static class MeetingModes
{
    public static string ToWire(this MeetingMode mode) => mode switch
    {
        MeetingMode.InPerson => "in_person",
        MeetingMode.Online => "online",
        MeetingMode.Either => "either",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static bool TryParse([NotNullWhen(true)] string? text, out MeetingMode mode)
    {
        switch (text)
        {
            case "in_person":
                mode = MeetingMode.InPerson;
                return true;
            case "online":
                mode = MeetingMode.Online;
                return true;
            case "either":
                mode = MeetingMode.Either;
                return true;
            default:
                mode = MeetingMode.Either;
                return false;
        }
    }
}
