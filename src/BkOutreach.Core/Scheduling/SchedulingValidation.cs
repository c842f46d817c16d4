using System.Globalization;
using System.Text.Json;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Scheduling;

/// <summary>
/// Checks school and counsellor documents before they are stored (the admin routes answer 400 with all of
/// them). Every problem is reported, each starting with the JSON path of the field it is about, so an admin
/// can fix everything in one go. Nulls where a value is needed, dates outside
/// <see cref="DocumentLimits"/>' range and sizes past its limits are problems too, so a stored document can
/// always be used later. The admin routes pass <c>today</c> (the school's date), which bounds how far ahead a
/// date may lie; readers of stored documents (the slot calculator) leave it out.
/// </summary>
public static class SchedulingValidation
{
    public const int MinSlotMinutes = 5;
    public const int MaxSlotMinutes = 240;
    public const int MaxBufferMinutes = 120;
    public const int MaxSeats = 50;
    public const int MaxNoticeHours = 720;
    public const int MaxHorizonDays = 180;
    public const int MaxPrayerMarginMinutes = 120;

    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web);

    /// <summary>What the admin route checks before storing a school: <see cref="Validate(SchoolSettings, LocalDate?)"/> and the stored document's size.</summary>
    public static IReadOnlyList<string> ValidateForStorage(SchoolSettings school, LocalDate today)
    {
        var problems = Validate(school, today).ToList();
        if (double.IsFinite(school.Latitude) && double.IsFinite(school.Longitude))
        {
            DocumentLimits.StoredSize(problems, JsonSerializer.Serialize(school, StoredJson).Length);
        }

        return problems;
    }

    /// <summary>What the admin route checks before storing a counsellor: <see cref="Validate(CounselorSettings, LocalDate?)"/> and the stored document's size.</summary>
    public static IReadOnlyList<string> ValidateForStorage(CounselorSettings counselor, LocalDate? today = null)
    {
        var problems = Validate(counselor, today).ToList();
        DocumentLimits.StoredSize(problems, JsonSerializer.Serialize(counselor, StoredJson).Length);
        return problems;
    }

    public static IReadOnlyList<string> Validate(SchoolSettings school, LocalDate? today = null)
    {
        ArgumentNullException.ThrowIfNull(school);
        var problems = new List<string>();

        if (string.IsNullOrWhiteSpace(school.Name))
        {
            problems.Add("name: required.");
        }

        DocumentLimits.Length(problems, "name", school.Name, DocumentLimits.MaxNameLength);

        if (!ScheduleText.TryGetZone(school.TimeZone, out _))
        {
            problems.Add($"timeZone: '{DocumentLimits.Echo(school.TimeZone)}' is not an IANA time zone (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura).");
        }

        if (!(school.Latitude is >= -90.0 and <= 90.0))
        {
            problems.Add($"latitude: {Number(school.Latitude)} is outside -90..90.");
        }

        if (!(school.Longitude is >= -180.0 and <= 180.0))
        {
            problems.Add($"longitude: {Number(school.Longitude)} is outside -180..180.");
        }

        if (school.Language is not ("id" or "en"))
        {
            problems.Add($"language: '{DocumentLimits.Echo(school.Language)}' is not 'id' or 'en'.");
        }

        CheckWindow("sendingWindow", school.SendingWindow, problems);

        if (school.Terms is null)
        {
            problems.Add("terms: must be a list ([] for none), not null.");
        }

        var terms = school.Terms ?? [];
        DocumentLimits.Count(problems, "terms", terms, DocumentLimits.MaxTerms);
        foreach (var name in terms.Where(t => t?.Name is not null).GroupBy(t => t.Name.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            problems.Add($"terms: the name '{DocumentLimits.Echo(name)}' is used more than once; campaigns name their term.");
        }

        for (var i = 0; i < terms.Count; i++)
        {
            var path = $"terms[{i}]";
            var term = terms[i];
            if (term is null)
            {
                problems.Add($"{path}: must be an object.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(term.Name))
            {
                problems.Add($"{path}.name: required.");
            }

            DocumentLimits.Length(problems, path + ".name", term.Name, DocumentLimits.MaxNameLength);
            CheckDateRange(path, "firstDay", term.FirstDay, "lastDay", term.LastDay, required: true, today, problems);
        }

        CheckTermsApart(terms, problems);

        if (school.Blackouts is null)
        {
            problems.Add("blackouts: must be a list ([] for none), not null.");
        }

        var blackouts = school.Blackouts ?? [];
        DocumentLimits.Count(problems, "blackouts", blackouts, DocumentLimits.MaxBlackouts);
        for (var i = 0; i < blackouts.Count; i++)
        {
            var blackout = blackouts[i];
            if (blackout is null)
            {
                problems.Add($"blackouts[{i}]: must be an object.");
                continue;
            }

            CheckDateRange($"blackouts[{i}]", "from", blackout.From, "to", blackout.To, required: false, today, problems);
            DocumentLimits.Length(problems, $"blackouts[{i}].reason", blackout.Reason, DocumentLimits.MaxShortTextLength);
        }

        if (school.PrayerBlackouts is { } prayers)
        {
            CheckMargin("prayerBlackouts.dhuhr", prayers.Dhuhr, problems);
            CheckMargin("prayerBlackouts.asr", prayers.Asr, problems);
            CheckMargin("prayerBlackouts.maghrib", prayers.Maghrib, problems);
            CheckMargin("prayerBlackouts.isha", prayers.Isha, problems);
            CheckWindow("prayerBlackouts.jumatan", prayers.Jumatan, problems);
        }


        return problems;
    }

    public static IReadOnlyList<string> Validate(CounselorSettings counselor, LocalDate? today = null)
    {
        ArgumentNullException.ThrowIfNull(counselor);
        var problems = new List<string>();

        if (string.IsNullOrWhiteSpace(counselor.Name))
        {
            problems.Add("name: required.");
        }

        DocumentLimits.Length(problems, "name", counselor.Name, DocumentLimits.MaxNameLength);
        if (counselor.Email is { } email && (email.Length > 254 || email.IndexOf('@', StringComparison.Ordinal) is <= 0 || email.EndsWith('@') || email.Any(char.IsWhiteSpace)))
        {
            problems.Add($"email: '{DocumentLimits.Echo(email)}' is not an email address or UPN.");
        }

        Range(problems, "slotMinutes", counselor.SlotMinutes, MinSlotMinutes, MaxSlotMinutes);
        Range(problems, "bufferMinutes", counselor.BufferMinutes, 0, MaxBufferMinutes);
        Range(problems, "seats", counselor.Seats, 1, MaxSeats);
        Range(problems, "minimumNoticeHours", counselor.MinimumNoticeHours, 0, MaxNoticeHours);
        Range(problems, "horizonDays", counselor.HorizonDays, 1, MaxHorizonDays);

        if (counselor.Windows is null)
        {
            problems.Add("windows: must be a list (omit it or send [] for the default policy), not null.");
        }

        var windows = counselor.Windows ?? [];
        DocumentLimits.Count(problems, "windows", windows, DocumentLimits.MaxWindows);
        var parsed = new List<(int Index, IsoDayOfWeek Day, LocalTime From, LocalTime To)>();
        for (var i = 0; i < windows.Count; i++)
        {
            var path = $"windows[{i}]";
            var window = windows[i];
            if (window is null)
            {
                problems.Add($"{path}: must be an object.");
                continue;
            }

            var days = new List<IsoDayOfWeek>();
            if (window.Days is not { Count: > 0 })
            {
                problems.Add($"{path}.days: at least one of Mon, Tue, Wed, Thu, Fri, Sat, Sun.");
            }
            else if (window.Days.Count > 7)
            {
                problems.Add($"{path}.days: {window.Days.Count} items; at most 7.");
            }
            else
            {
                for (var d = 0; d < window.Days.Count; d++)
                {
                    if (ScheduleText.TryParseDay(window.Days[d], out var day))
                    {
                        days.Add(day);
                    }
                    else
                    {
                        problems.Add($"{path}.days[{d}]: '{DocumentLimits.Echo(window.Days[d])}' is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun.");
                    }
                }
            }

            if (!MeetingModes.TryParse(window.Mode, out _))
            {
                problems.Add($"{path}.mode: '{DocumentLimits.Echo(window.Mode)}' is not in_person, online or either.");
            }

            if (CheckWindow(path, new TimeWindow(window.From, window.To), problems) is var (from, to))
            {
                if (counselor.SlotMinutes is >= MinSlotMinutes and <= MaxSlotMinutes && Period.Between(from, to, PeriodUnits.Minutes).Minutes < counselor.SlotMinutes)
                {
                    problems.Add($"{path}: {window.From}–{window.To} is shorter than slotMinutes ({counselor.SlotMinutes}).");
                }

                parsed.AddRange(days.Distinct().Select(day => (i, day, from, to)));
            }
        }

        CheckDaysOff(counselor.DaysOff, today, problems);
        CheckMeetingUrl(counselor.MeetingUrl, problems);

        // Overlapping windows would offer overlapping slots of one counsellor; make the admin pick one.
        foreach (var group in parsed.GroupBy(w => w.Day))
        {
            var sorted = group.OrderBy(w => w.From).ToList();
            for (var k = 1; k < sorted.Count; k++)
            {
                if (sorted[k].From < sorted[k - 1].To && sorted[k].Index != sorted[k - 1].Index)
                {
                    problems.Add($"windows[{sorted[k].Index}]: overlaps windows[{sorted[k - 1].Index}] on {group.Key}.");
                }
            }
        }

        return problems;
    }

    private static void CheckDaysOff(IReadOnlyList<DayOff>? daysOff, LocalDate? today, List<string> problems)
    {
        if (daysOff is null)
        {
            problems.Add("daysOff: must be a list ([] for none), not null.");
            return;
        }

        DocumentLimits.Count(problems, "daysOff", daysOff, DocumentLimits.MaxDaysOff);
        for (var i = 0; i < daysOff.Count; i++)
        {
            if (daysOff[i] is not { } day)
            {
                problems.Add($"daysOff[{i}]: must be an object.");
                continue;
            }

            CheckDateRange($"daysOff[{i}]", "from", day.From, "to", day.To, required: false, today, problems);
            DocumentLimits.Length(problems, $"daysOff[{i}].reason", day.Reason, DocumentLimits.MaxShortTextLength);
        }
    }

    /// <summary>
    /// The online-meeting link goes to parents by SMS and on their page, so only a plain https address of a
    /// named host is accepted: no other scheme, no user name or password in it, no spaces, and short enough
    /// for the reminder's budget.
    /// </summary>
    private static void CheckMeetingUrl(string? url, List<string> problems)
    {
        if (url is null)
        {
            return;
        }

        if (url.Length > DocumentLimits.MaxMeetingUrlLength)
        {
            problems.Add($"meetingUrl: {url.Length} characters; at most {DocumentLimits.MaxMeetingUrlLength}.");
        }
        else if (!IsMeetingUrl(url))
        {
            problems.Add($"meetingUrl: '{DocumentLimits.Echo(url)}' is not an https link (e.g. https://meet.google.com/abc-defg-hij); omit it or send null for none.");
        }
    }

    /// <summary>An absolute https URL of a named host, without user info, spaces or control characters.</summary>
    public static bool IsMeetingUrl(string? url) =>
        url is { Length: > 0 }
        && !url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttps
        && uri.HostNameType == UriHostNameType.Dns
        && uri.Host.Contains('.', StringComparison.Ordinal)
        && uri.UserInfo.Length == 0;

    private static (LocalTime From, LocalTime To)? CheckWindow(string path, TimeWindow? window, List<string> problems)
    {
        if (window is null)
        {
            problems.Add($"{path}: required.");
            return null;
        }

        var fromOk = ScheduleText.TryParseTime(window.From, out var from);
        var toOk = ScheduleText.TryParseTime(window.To, out var to);
        if (!fromOk)
        {
            problems.Add($"{path}.from: '{DocumentLimits.Echo(window.From)}' is not an HH:mm time.");
        }

        if (!toOk)
        {
            problems.Add($"{path}.to: '{DocumentLimits.Echo(window.To)}' is not an HH:mm time.");
        }

        if (!fromOk || !toOk)
        {
            return null;
        }

        if (from >= to)
        {
            problems.Add($"{path}: from ({window.From}) must be before to ({window.To}).");
            return null;
        }

        return (from, to);
    }

    /// <summary>
    /// Terms may not share a day (a date belongs to one term: its campaigns, its slots), nor names that give one
    /// campaign id (a plan's campaign for a term is <c>{planId}-{term name in lower case, non-alphanumerics as '-'}</c>,
    /// so "Kelas A/B" and "Kelas A-B" would share one campaign).
    /// </summary>
    private static void CheckTermsApart(IReadOnlyList<Term> terms, List<string> problems)
    {
        var named = terms.Where(t => !string.IsNullOrWhiteSpace(t?.Name)).ToList();
        foreach (var clash in named
            .GroupBy(t => Outreach.CampaignPlanResolver.CampaignId("", t.Name.Trim()), StringComparer.Ordinal)
            .Select(g => g.Select(t => t.Name.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList())
            .Where(names => names.Count > 1))
        {
            problems.Add($"terms: the names {string.Join(" and ", clash.Select(n => $"'{DocumentLimits.Echo(n)}'"))} give the same campaign id ('{DocumentLimits.Echo(Outreach.CampaignPlanResolver.CampaignId("", clash[0]).TrimStart('-'))}'); rename one so each term keeps a campaign of its own.");
        }

        var dated = named
            .Select(t => (Term: t, Dates: ScheduleText.TryParseDate(t.FirstDay, out var first) && ScheduleText.TryParseDate(t.LastDay, out var last) && first <= last ? (first, last) : ((LocalDate, LocalDate)?)null))
            .Where(t => t.Dates is not null)
            .OrderBy(t => t.Dates!.Value.Item1)
            .ToList();
        for (var i = 1; i < dated.Count; i++)
        {
            // The earlier term reaching furthest is the one a later start can fall into.
            var earlier = dated.Take(i).MaxBy(t => t.Dates!.Value.Item2);
            var later = dated[i];
            if (later.Dates!.Value.Item1 <= earlier.Dates!.Value.Item2)
            {
                problems.Add($"terms: '{DocumentLimits.Echo(later.Term.Name)}' ({later.Term.FirstDay}..{later.Term.LastDay}) overlaps '{DocumentLimits.Echo(earlier.Term.Name)}' ({earlier.Term.FirstDay}..{earlier.Term.LastDay}); a day belongs to one term.");
            }
        }
    }

    private static void CheckDateRange(string path, string fromName, string? fromText, string toName, string? toText, bool required, LocalDate? today, List<string> problems)
    {
        var fromOk = ScheduleText.TryParseDate(fromText, out var from);
        if (!fromOk)
        {
            problems.Add($"{path}.{fromName}: '{DocumentLimits.Echo(fromText)}' is not a yyyy-MM-dd date.");
        }
        else
        {
            fromOk = DocumentLimits.InRange(problems, $"{path}.{fromName}", from, today);
        }

        if (toText is null && !required)
        {
            return;
        }

        var toOk = ScheduleText.TryParseDate(toText, out var to);
        if (!toOk)
        {
            problems.Add($"{path}.{toName}: '{DocumentLimits.Echo(toText)}' is not a yyyy-MM-dd date.");
        }
        else
        {
            toOk = DocumentLimits.InRange(problems, $"{path}.{toName}", to, today);
        }

        if (fromOk && toOk && from > to)
        {
            problems.Add($"{path}: {fromName} ({fromText}) is after {toName} ({toText}).");
        }
        else if (fromOk && toOk && Period.Between(from, to, PeriodUnits.Days).Days >= DocumentLimits.MaxRangeDays)
        {
            problems.Add($"{path}: {fromText}..{toText} is longer than {DocumentLimits.MaxRangeDays} days.");
        }
    }

    private static void CheckMargin(string path, PrayerMargin? margin, List<string> problems)
    {
        if (margin is null)
        {
            problems.Add($"{path}: required when prayerBlackouts is given.");
            return;
        }

        Range(problems, path + ".before", margin.Before, 0, MaxPrayerMarginMinutes);
        Range(problems, path + ".after", margin.After, 0, MaxPrayerMarginMinutes);
    }

    private static void Range(List<string> problems, string path, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{path}: {value} is outside {min}..{max}.");
        }
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
