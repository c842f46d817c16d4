using System.Globalization;
using System.Text.RegularExpressions;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Staff;

/// <summary>One row of the weekly availability form, as typed: the ticked days, from, to and mode.</summary>
public sealed record ScheduleRow(int Index, IReadOnlyList<string> Days, string From, string To, string Mode)
{
    public bool IsEmpty => Days.Count == 0 && From.Length == 0 && To.Length == 0;

    public bool Has(string day) => Days.Contains(day, StringComparer.Ordinal);
}

/// <summary>
/// The "Jadwal saya" availability form exactly as the counsellor typed it (so it comes back filled in after
/// an error), its conversion into the counsellor document, and the input id of every field: validation
/// problems (<c>windows[1].from</c>) are shown on the input they are about (<c>w1-from</c>).
/// </summary>
public sealed partial record ScheduleForm
{
    public static readonly IReadOnlyList<string> WeekDays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    public static readonly IReadOnlyList<string> Modes = ["either", "in_person", "online"];

    /// <summary>The school's default policy (<see cref="DefaultAvailability"/>) instead of the rows.</summary>
    public bool UseDefault { get; init; }

    public IReadOnlyList<ScheduleRow> Rows { get; init; } = [];

    public string SlotMinutes { get; init; } = "";

    public string BufferMinutes { get; init; } = "";

    public string Seats { get; init; } = "";

    public string NoticeHours { get; init; } = "";

    public string HorizonDays { get; init; } = "";

    public string MeetingUrl { get; init; } = "";

    /// <summary>The version of the settings the form was made from (<see cref="SchoolDirectory.CounselorVersion"/>).</summary>
    public string Version { get; init; } = "";

    /// <summary>The form of stored settings, with one empty row to add a window.</summary>
    public static ScheduleForm From(CounselorSettings counselor, string version)
    {
        ArgumentNullException.ThrowIfNull(counselor);
        var windows = DefaultAvailability.For(counselor);
        var rows = windows.Select((w, i) => new ScheduleRow(i, [.. w.Days], w.From, w.To, w.Mode)).ToList();
        rows.Add(EmptyRow(rows.Count));
        return new ScheduleForm
        {
            UseDefault = counselor.Windows is not { Count: > 0 },
            Rows = rows,
            SlotMinutes = Number(counselor.SlotMinutes),
            BufferMinutes = Number(counselor.BufferMinutes),
            Seats = Number(counselor.Seats),
            NoticeHours = Number(counselor.MinimumNoticeHours),
            HorizonDays = Number(counselor.HorizonDays),
            MeetingUrl = counselor.MeetingUrl ?? "",
            Version = version,
        };
    }

    /// <summary>Reads the posted form; <paramref name="field"/> gives one value of a field, <paramref name="all"/> every value (ticked boxes).</summary>
    public static ScheduleForm Read(Func<string, string> field, Func<string, IReadOnlyList<string>> all)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(all);
        var count = int.TryParse(field("rows"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, 0, DocumentLimits.MaxWindows + 1) : 0;
        var rows = Enumerable.Range(0, count).Select(i => new ScheduleRow(
            i,
            [.. WeekDays.Where(d => all($"w{i}_days").Contains(d, StringComparer.Ordinal))],
            field($"w{i}_from"),
            field($"w{i}_to"),
            Modes.Contains(field($"w{i}_mode"), StringComparer.Ordinal) ? field($"w{i}_mode") : "either")).ToList();
        return new ScheduleForm
        {
            UseDefault = field("policy") == "default",
            Rows = rows,
            SlotMinutes = field("slot_minutes"),
            BufferMinutes = field("buffer_minutes"),
            Seats = field("seats"),
            NoticeHours = field("notice_hours"),
            HorizonDays = field("horizon_days"),
            MeetingUrl = field("meeting_url"),
            Version = field("version"),
        };
    }

    /// <summary>The same form with one more empty row (the "add a row" button), up to the limit of windows.</summary>
    public ScheduleForm WithRowAdded() =>
        Rows.Count > DocumentLimits.MaxWindows ? this : this with { Rows = [.. Rows, EmptyRow(Rows.Count)] };

    /// <summary>
    /// The counsellor document the form asks for, on top of <paramref name="current"/> (name, email and
    /// days off are not on this form), with the problems found reading it — the numbers and times the
    /// validator cannot see because they are not numbers or times. Empty rows are left out.
    /// </summary>
    public (CounselorSettings Settings, IReadOnlyList<(string Path, string Problem)> Problems) ToSettings(CounselorSettings current, Func<string, string> text)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<(string Path, string Problem)>();
        int Whole(string value, string path, int fallback)
        {
            if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }

            problems.Add((path, text("error_whole_number")));
            return fallback;
        }

        var windows = new List<AvailabilityWindow>();
        var rows = Rows.Where(r => !r.IsEmpty).ToList();
        foreach (var row in rows)
        {
            var path = $"windows[{windows.Count}]";
            if (!UseDefault)
            {
                if (row.Days.Count == 0)
                {
                    problems.Add((path + ".days", text("error_days")));
                }

                if (!Time().IsMatch(row.From))
                {
                    problems.Add((path + ".from", text("error_time")));
                }

                if (!Time().IsMatch(row.To))
                {
                    problems.Add((path + ".to", text("error_time")));
                }
                else if (Time().IsMatch(row.From) && string.CompareOrdinal(row.From, row.To) >= 0)
                {
                    problems.Add((path + ".to", text("error_to_after_from")));
                }
            }

            windows.Add(new AvailabilityWindow(row.Days, row.From, row.To, row.Mode));
        }

        var meetingUrl = MeetingUrl.Length == 0 ? null : MeetingUrl;
        if (meetingUrl is not null && !SchedulingValidation.IsMeetingUrl(meetingUrl))
        {
            problems.Add(("meetingUrl", text("error_meeting_url")));
        }

        var settings = current with
        {
            Windows = UseDefault ? [] : windows,
            SlotMinutes = Whole(SlotMinutes, "slotMinutes", current.SlotMinutes),
            BufferMinutes = Whole(BufferMinutes, "bufferMinutes", current.BufferMinutes),
            Seats = Whole(Seats, "seats", current.Seats),
            MinimumNoticeHours = Whole(NoticeHours, "minimumNoticeHours", current.MinimumNoticeHours),
            HorizonDays = Whole(HorizonDays, "horizonDays", current.HorizonDays),
            MeetingUrl = meetingUrl,
        };
        if (!UseDefault && windows.Count == 0)
        {
            problems.Add(("windows", text("error_no_rows")));
        }

        return (settings, problems);
    }

    /// <summary>
    /// The input a validation problem is about: <c>windows[i].from</c> → <c>w{row}-from</c> (i counts the
    /// non-empty rows, as sent), <c>slotMinutes</c> → <c>slot-minutes</c>, <c>daysOff[0].to</c> → <c>off-to</c>;
    /// anything else → the policy choice, the first question of the form.
    /// </summary>
    public string InputId(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var window = Window().Match(path);
        if (window.Success)
        {
            var sent = int.Parse(window.Groups["i"].Value, CultureInfo.InvariantCulture);
            var row = Rows.Where(r => !r.IsEmpty).Skip(sent).FirstOrDefault()?.Index ?? 0;
            return window.Groups["field"].Value switch
            {
                "days" => $"w{row}-day-Mon",
                "to" => $"w{row}-to",
                "mode" => $"w{row}-mode",
                _ => $"w{row}-from",
            };
        }

        var root = path.Split('.', '[')[0];
        return root switch
        {
            "windows" => "w0-from",
            "slotMinutes" => "slot-minutes",
            "bufferMinutes" => "buffer-minutes",
            "seats" => "seats",
            "minimumNoticeHours" => "notice-hours",
            "horizonDays" => "horizon-days",
            "meetingUrl" => "meeting-url",
            "daysOff" when path.EndsWith(".to", StringComparison.Ordinal) => "off-to",
            "daysOff" when path.EndsWith(".reason", StringComparison.Ordinal) => "off-reason",
            "daysOff" => "off-from",
            _ => "policy-own",
        };
    }

    /// <summary>Splits a validator problem <c>"windows[1].from: '25:00' is not…"</c> into its path and its message.</summary>
    public static (string Path, string Message) Split(string problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var colon = problem.IndexOf(": ", StringComparison.Ordinal);
        return colon <= 0 ? ("", problem) : (problem[..colon], problem[(colon + 2)..]);
    }

    private static ScheduleRow EmptyRow(int index) => new(index, [], "", "", "either");

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    private static partial Regex Time();

    [GeneratedRegex(@"^windows\[(?<i>\d+)\](\.(?<field>days|from|to|mode))?")]
    private static partial Regex Window();
}
