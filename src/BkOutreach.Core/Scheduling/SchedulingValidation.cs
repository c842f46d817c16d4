using System.Globalization;
using System.Text.Json;
using BkOutreach.Core.Schools;
using NodaTime;
using static BkOutreach.Core.Schools.DocumentLimits;

namespace BkOutreach.Core.Scheduling;

/// <summary>
/// Checks school and counsellor documents before they are stored (the admin routes answer 400 with all of
/// them). Every problem is reported, each starting with the JSON path of the field it is about, so an admin
/// can fix everything in one go. Nulls where a value is needed, dates outside
/// <see cref="DocumentLimits"/>' range and sizes past its limits are problems too, so a stored document can
/// always be used later. The admin routes pass <c>today</c> (the school's date), which bounds how far ahead a
/// date may lie; readers of stored documents (the slot calculator) leave it out. <c>lang</c> <c>id</c> words
/// every problem for the staff pages (<see cref="DocumentLimits.Say"/>); the JSON routes keep the English.
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

    /// <summary>What the admin route checks before storing a school: <see cref="Validate(SchoolSettings, LocalDate?, string)"/> and the stored document's size.</summary>
    public static IReadOnlyList<string> ValidateForStorage(SchoolSettings school, LocalDate today, string lang = "en")
    {
        var problems = Validate(school, today, lang).ToList();
        if (double.IsFinite(school.Latitude) && double.IsFinite(school.Longitude))
        {
            DocumentLimits.StoredSize(problems, JsonSerializer.Serialize(school, StoredJson).Length, lang);
        }

        return problems;
    }

    /// <summary>What the admin route checks before storing a counsellor: <see cref="Validate(CounselorSettings, LocalDate?, string)"/> and the stored document's size.</summary>
    public static IReadOnlyList<string> ValidateForStorage(CounselorSettings counselor, LocalDate? today = null, string lang = "en")
    {
        var problems = Validate(counselor, today, lang).ToList();
        DocumentLimits.StoredSize(problems, JsonSerializer.Serialize(counselor, StoredJson).Length, lang);
        return problems;
    }

    public static IReadOnlyList<string> Validate(SchoolSettings school, LocalDate? today = null, string lang = "en")
    {
        ArgumentNullException.ThrowIfNull(school);
        var problems = new List<string>();

        if (string.IsNullOrWhiteSpace(school.Name))
        {
            problems.Add(Required("name", lang));
        }

        DocumentLimits.Length(problems, "name", school.Name, DocumentLimits.MaxNameLength, lang);

        if (!ScheduleText.TryGetZone(school.TimeZone, out _))
        {
            var zone = DocumentLimits.Echo(school.TimeZone);
            problems.Add(Say(
                lang,
                $"timeZone: '{zone}' is not an IANA time zone (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura).",
                $"timeZone: '{zone}' bukan zona waktu yang dikenal; pilih misalnya Asia/Jakarta (WIB), Asia/Makassar (WITA) atau Asia/Jayapura (WIT)."));
        }

        if (!(school.Latitude is >= -90.0 and <= 90.0))
        {
            problems.Add(Say(lang, $"latitude: {Number(school.Latitude)} is outside -90..90.", $"latitude: {Number(school.Latitude)} harus antara -90 dan 90."));
        }

        if (!(school.Longitude is >= -180.0 and <= 180.0))
        {
            problems.Add(Say(lang, $"longitude: {Number(school.Longitude)} is outside -180..180.", $"longitude: {Number(school.Longitude)} harus antara -180 dan 180."));
        }

        if (school.Language is not ("id" or "en"))
        {
            var language = DocumentLimits.Echo(school.Language);
            problems.Add(Say(lang, $"language: '{language}' is not 'id' or 'en'.", $"language: '{language}' tidak dikenal; pilih 'id' (Bahasa Indonesia) atau 'en' (English)."));
        }

        CheckWindow("sendingWindow", school.SendingWindow, problems, lang);

        if (school.Terms is null)
        {
            problems.Add(NotAList("terms", lang));
        }

        var terms = school.Terms ?? [];
        DocumentLimits.Count(problems, "terms", terms, DocumentLimits.MaxTerms, lang);
        foreach (var name in terms.Where(t => t?.Name is not null).GroupBy(t => t.Name.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            var shown = DocumentLimits.Echo(name);
            problems.Add(Say(
                lang,
                $"terms: the name '{shown}' is used more than once; campaigns name their term.",
                $"terms: nama '{shown}' dipakai lebih dari sekali; kampanye menyebut semesternya dengan nama, jadi setiap semester perlu nama sendiri."));
        }

        for (var i = 0; i < terms.Count; i++)
        {
            var path = $"terms[{i}]";
            var term = terms[i];
            if (term is null)
            {
                problems.Add(NotAnObject(path, lang));
                continue;
            }

            if (string.IsNullOrWhiteSpace(term.Name))
            {
                problems.Add(Required(path + ".name", lang));
            }

            DocumentLimits.Length(problems, path + ".name", term.Name, DocumentLimits.MaxNameLength, lang);
            CheckDateRange(path, "firstDay", term.FirstDay, "lastDay", term.LastDay, required: true, today, problems, lang);
        }

        CheckTermsApart(terms, problems, lang);

        if (school.Blackouts is null)
        {
            problems.Add(NotAList("blackouts", lang));
        }

        var blackouts = school.Blackouts ?? [];
        DocumentLimits.Count(problems, "blackouts", blackouts, DocumentLimits.MaxBlackouts, lang);
        for (var i = 0; i < blackouts.Count; i++)
        {
            var blackout = blackouts[i];
            if (blackout is null)
            {
                problems.Add(NotAnObject($"blackouts[{i}]", lang));
                continue;
            }

            CheckDateRange($"blackouts[{i}]", "from", blackout.From, "to", blackout.To, required: false, today, problems, lang);
            DocumentLimits.Length(problems, $"blackouts[{i}].reason", blackout.Reason, DocumentLimits.MaxShortTextLength, lang);
        }

        if (school.PrayerBlackouts is { } prayers)
        {
            CheckMargin("prayerBlackouts.dhuhr", prayers.Dhuhr, problems, lang);
            CheckMargin("prayerBlackouts.asr", prayers.Asr, problems, lang);
            CheckMargin("prayerBlackouts.maghrib", prayers.Maghrib, problems, lang);
            CheckMargin("prayerBlackouts.isha", prayers.Isha, problems, lang);
            CheckWindow("prayerBlackouts.jumatan", prayers.Jumatan, problems, lang);
        }

        return problems;
    }

    public static IReadOnlyList<string> Validate(CounselorSettings counselor, LocalDate? today = null, string lang = "en")
    {
        ArgumentNullException.ThrowIfNull(counselor);
        var problems = new List<string>();

        if (string.IsNullOrWhiteSpace(counselor.Name))
        {
            problems.Add(Required("name", lang));
        }

        DocumentLimits.Length(problems, "name", counselor.Name, DocumentLimits.MaxNameLength, lang);
        if (counselor.Email is { } email && (email.Length > 254 || email.IndexOf('@', StringComparison.Ordinal) is <= 0 || email.EndsWith('@') || email.Any(char.IsWhiteSpace)))
        {
            var shown = DocumentLimits.Echo(email);
            problems.Add(Say(lang, $"email: '{shown}' is not an email address or UPN.", $"email: '{shown}' bukan alamat email yang benar (nama@domain, tanpa spasi)."));
        }

        Range(problems, "slotMinutes", counselor.SlotMinutes, MinSlotMinutes, MaxSlotMinutes, lang);
        Range(problems, "bufferMinutes", counselor.BufferMinutes, 0, MaxBufferMinutes, lang);
        Range(problems, "seats", counselor.Seats, 1, MaxSeats, lang);
        Range(problems, "minimumNoticeHours", counselor.MinimumNoticeHours, 0, MaxNoticeHours, lang);
        Range(problems, "horizonDays", counselor.HorizonDays, 1, MaxHorizonDays, lang);

        if (counselor.Windows is null)
        {
            problems.Add(Say(
                lang,
                "windows: must be a list (omit it or send [] for the default policy), not null.",
                "windows: harus berupa daftar (kosongkan, atau kirim [] untuk jadwal bawaan), tidak boleh null."));
        }

        var windows = counselor.Windows ?? [];
        DocumentLimits.Count(problems, "windows", windows, DocumentLimits.MaxWindows, lang);
        var parsed = new List<(int Index, IsoDayOfWeek Day, LocalTime From, LocalTime To)>();
        for (var i = 0; i < windows.Count; i++)
        {
            var path = $"windows[{i}]";
            var window = windows[i];
            if (window is null)
            {
                problems.Add(NotAnObject(path, lang));
                continue;
            }

            var days = new List<IsoDayOfWeek>();
            if (window.Days is not { Count: > 0 })
            {
                problems.Add(Say(lang, $"{path}.days: at least one of Mon, Tue, Wed, Thu, Fri, Sat, Sun.", $"{path}.days: isi paling sedikit satu hari: Mon, Tue, Wed, Thu, Fri, Sat atau Sun (Senin sampai Minggu)."));
            }
            else if (window.Days.Count > 7)
            {
                problems.Add(Say(lang, $"{path}.days: {window.Days.Count} items; at most 7.", $"{path}.days: {window.Days.Count} hari; paling banyak 7."));
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
                        var typed = DocumentLimits.Echo(window.Days[d]);
                        problems.Add(Say(
                            lang,
                            $"{path}.days[{d}]: '{typed}' is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun.",
                            $"{path}.days[{d}]: '{typed}' bukan hari yang dikenal; pakai Mon, Tue, Wed, Thu, Fri, Sat atau Sun (Senin sampai Minggu)."));
                    }
                }
            }

            if (!MeetingModes.TryParse(window.Mode, out _))
            {
                var mode = DocumentLimits.Echo(window.Mode);
                problems.Add(Say(
                    lang,
                    $"{path}.mode: '{mode}' is not in_person, online or either.",
                    $"{path}.mode: '{mode}' tidak dikenal; pakai in_person (tatap muka), online (daring) atau either (keduanya)."));
            }

            if (CheckWindow(path, new TimeWindow(window.From, window.To), problems, lang) is var (from, to))
            {
                if (counselor.SlotMinutes is >= MinSlotMinutes and <= MaxSlotMinutes && Period.Between(from, to, PeriodUnits.Minutes).Minutes < counselor.SlotMinutes)
                {
                    problems.Add(Say(
                        lang,
                        $"{path}: {window.From}–{window.To} is shorter than slotMinutes ({counselor.SlotMinutes}).",
                        $"{path}: {window.From}–{window.To} lebih pendek dari satu sesi pertemuan ({counselor.SlotMinutes} menit)."));
                }

                parsed.AddRange(days.Distinct().Select(day => (i, day, from, to)));
            }
        }

        CheckDaysOff(counselor.DaysOff, today, problems, lang);
        CheckMeetingUrl(counselor.MeetingUrl, problems, lang);

        // Overlapping windows would offer overlapping slots of one counsellor; make the admin pick one.
        foreach (var group in parsed.GroupBy(w => w.Day))
        {
            var sorted = group.OrderBy(w => w.From).ToList();
            for (var k = 1; k < sorted.Count; k++)
            {
                if (sorted[k].From < sorted[k - 1].To && sorted[k].Index != sorted[k - 1].Index)
                {
                    problems.Add(Say(
                        lang,
                        $"windows[{sorted[k].Index}]: overlaps windows[{sorted[k - 1].Index}] on {group.Key}.",
                        $"windows[{sorted[k].Index}]: bertumpang tindih dengan windows[{sorted[k - 1].Index}] pada hari {Booking.Pages.PageText.Day(group.Key, "id")}."));
                }
            }
        }

        return problems;
    }

    private static void CheckDaysOff(IReadOnlyList<DayOff>? daysOff, LocalDate? today, List<string> problems, string lang)
    {
        if (daysOff is null)
        {
            problems.Add(NotAList("daysOff", lang));
            return;
        }

        DocumentLimits.Count(problems, "daysOff", daysOff, DocumentLimits.MaxDaysOff, lang);
        for (var i = 0; i < daysOff.Count; i++)
        {
            if (daysOff[i] is not { } day)
            {
                problems.Add(NotAnObject($"daysOff[{i}]", lang));
                continue;
            }

            CheckDateRange($"daysOff[{i}]", "from", day.From, "to", day.To, required: false, today, problems, lang);
            DocumentLimits.Length(problems, $"daysOff[{i}].reason", day.Reason, DocumentLimits.MaxShortTextLength, lang);
        }
    }

    /// <summary>
    /// The online-meeting link goes to parents by SMS and on their page, so only a plain https address of a
    /// named host is accepted: no other scheme, no user name or password in it, no spaces, and short enough
    /// for the reminder's budget.
    /// </summary>
    private static void CheckMeetingUrl(string? url, List<string> problems, string lang)
    {
        if (url is null)
        {
            return;
        }

        if (url.Length > DocumentLimits.MaxMeetingUrlLength)
        {
            DocumentLimits.Length(problems, "meetingUrl", url, DocumentLimits.MaxMeetingUrlLength, lang);
        }
        else if (!IsMeetingUrl(url))
        {
            var shown = DocumentLimits.Echo(url);
            problems.Add(Say(
                lang,
                $"meetingUrl: '{shown}' is not an https link (e.g. https://meet.google.com/abc-defg-hij); omit it or send null for none.",
                $"meetingUrl: '{shown}' bukan tautan https (misalnya https://meet.google.com/abc-defg-hij); kosongkan bila tidak ada."));
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

    private static (LocalTime From, LocalTime To)? CheckWindow(string path, TimeWindow? window, List<string> problems, string lang)
    {
        if (window is null)
        {
            problems.Add(Required(path, lang));
            return null;
        }

        var fromOk = ScheduleText.TryParseTime(window.From, out var from);
        var toOk = ScheduleText.TryParseTime(window.To, out var to);
        if (!fromOk)
        {
            problems.Add(NotATime(path + ".from", window.From, lang));
        }

        if (!toOk)
        {
            problems.Add(NotATime(path + ".to", window.To, lang));
        }

        if (!fromOk || !toOk)
        {
            return null;
        }

        if (from >= to)
        {
            problems.Add(Say(lang, $"{path}: from ({window.From}) must be before to ({window.To}).", $"{path}: jam mulai ({window.From}) harus sebelum jam selesai ({window.To})."));
            return null;
        }

        return (from, to);
    }

    /// <summary>
    /// Terms may not share a day (a date belongs to one term: its campaigns, its slots), nor names that give one
    /// campaign id (a plan's campaign for a term is <c>{planId}-{term name in lower case, non-alphanumerics as '-'}</c>,
    /// so "Kelas A/B" and "Kelas A-B" would share one campaign).
    /// </summary>
    private static void CheckTermsApart(IReadOnlyList<Term> terms, List<string> problems, string lang)
    {
        var named = terms.Where(t => !string.IsNullOrWhiteSpace(t?.Name)).ToList();
        foreach (var clash in named
            .GroupBy(t => Outreach.CampaignPlanResolver.CampaignId("", t.Name.Trim()), StringComparer.Ordinal)
            .Select(g => g.Select(t => t.Name.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList())
            .Where(names => names.Count > 1))
        {
            var id = DocumentLimits.Echo(Outreach.CampaignPlanResolver.CampaignId("", clash[0]).TrimStart('-'));
            string Names(string and) => string.Join(and, clash.Select(n => $"'{DocumentLimits.Echo(n)}'"));
            problems.Add(Say(
                lang,
                $"terms: the names {Names(" and ")} give the same campaign id ('{id}'); rename one so each term keeps a campaign of its own.",
                $"terms: nama {Names(" dan ")} menghasilkan kode kampanye yang sama ('{id}'); ganti salah satu nama agar setiap semester punya kampanyenya sendiri."));
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
                var (one, other) = (DocumentLimits.Echo(later.Term.Name), DocumentLimits.Echo(earlier.Term.Name));
                problems.Add(Say(
                    lang,
                    $"terms: '{one}' ({later.Term.FirstDay}..{later.Term.LastDay}) overlaps '{other}' ({earlier.Term.FirstDay}..{earlier.Term.LastDay}); a day belongs to one term.",
                    $"terms: '{one}' ({later.Term.FirstDay} sampai {later.Term.LastDay}) bertumpang tindih dengan '{other}' ({earlier.Term.FirstDay} sampai {earlier.Term.LastDay}); satu hari hanya boleh masuk satu semester."));
            }
        }
    }

    private static void CheckDateRange(string path, string fromName, string? fromText, string toName, string? toText, bool required, LocalDate? today, List<string> problems, string lang)
    {
        var fromOk = ScheduleText.TryParseDate(fromText, out var from);
        if (!fromOk)
        {
            problems.Add(NotADate($"{path}.{fromName}", fromText, lang));
        }
        else
        {
            fromOk = DocumentLimits.InRange(problems, $"{path}.{fromName}", from, today, lang);
        }

        if (toText is null && !required)
        {
            return;
        }

        var toOk = ScheduleText.TryParseDate(toText, out var to);
        if (!toOk)
        {
            problems.Add(NotADate($"{path}.{toName}", toText, lang));
        }
        else
        {
            toOk = DocumentLimits.InRange(problems, $"{path}.{toName}", to, today, lang);
        }

        if (fromOk && toOk && from > to)
        {
            problems.Add(Say(
                lang,
                $"{path}: {fromName} ({fromText}) is after {toName} ({toText}).",
                $"{path}: {fromText} jatuh setelah {(toName == "lastDay" ? "hari terakhir" : "tanggal selesai")} ({toText})."));
        }
        else if (fromOk && toOk && Period.Between(from, to, PeriodUnits.Days).Days >= DocumentLimits.MaxRangeDays)
        {
            problems.Add(Say(
                lang,
                $"{path}: {fromText}..{toText} is longer than {DocumentLimits.MaxRangeDays} days.",
                $"{path}: {fromText} sampai {toText} lebih dari {DocumentLimits.MaxRangeDays} hari."));
        }
    }

    private static void CheckMargin(string path, PrayerMargin? margin, List<string> problems, string lang)
    {
        if (margin is null)
        {
            problems.Add(Say(lang, $"{path}: required when prayerBlackouts is given.", $"{path}: wajib diisi bila jeda waktu salat diatur."));
            return;
        }

        Range(problems, path + ".before", margin.Before, 0, MaxPrayerMarginMinutes, lang);
        Range(problems, path + ".after", margin.After, 0, MaxPrayerMarginMinutes, lang);
    }

    private static void Range(List<string> problems, string path, int value, int min, int max, string lang)
    {
        if (value < min || value > max)
        {
            problems.Add(Say(lang, $"{path}: {value} is outside {min}..{max}.", $"{path}: {value} harus antara {min} dan {max}."));
        }
    }

    private static string Required(string path, string lang) => Say(lang, $"{path}: required.", $"{path}: wajib diisi.");

    private static string NotAList(string path, string lang) => Say(lang, $"{path}: must be a list ([] for none), not null.", $"{path}: harus berupa daftar ([] bila tidak ada), tidak boleh null.");

    private static string NotAnObject(string path, string lang) => Say(lang, $"{path}: must be an object.", $"{path}: harus berupa objek.");

    private static string NotATime(string path, string? text, string lang) =>
        Say(lang, $"{path}: '{DocumentLimits.Echo(text)}' is not an HH:mm time.", $"{path}: '{DocumentLimits.Echo(text)}' bukan jam (JJ:mm, misalnya 07:30).");

    private static string NotADate(string path, string? text, string lang) =>
        Say(lang, $"{path}: '{DocumentLimits.Echo(text)}' is not a yyyy-MM-dd date.", $"{path}: '{DocumentLimits.Echo(text)}' bukan tanggal (tttt-bb-hh).");

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
