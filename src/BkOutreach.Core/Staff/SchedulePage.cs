using System.Globalization;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Booking.Pages;
using BkOutreach.Core.Graph;
using BkOutreach.Core.Scheduling;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Staff;

/// <summary>One slot of the preview, as the parent's page lists it.</summary>
public sealed record PreviewSlot(string Time, string Mode, int Remaining, int Capacity);

/// <summary>One day of the two-week preview: its slots and, in words, why some time or the whole day has none.</summary>
public sealed record PreviewDay(string Date, IReadOnlyList<PreviewSlot> Slots, IReadOnlyList<string> Notes, string Closed);

/// <summary>A booked meeting on the schedule page.</summary>
public sealed record ScheduleMeeting(
    string BookingId,
    string Time,
    string Students,
    string Guardian,
    string Mode,
    string Link,
    bool Started,
    string Attendance,
    string AttendancePath,
    bool OutsideSchedule,
    string Calendar);

public sealed record MeetingDay(string Date, IReadOnlyList<ScheduleMeeting> Meetings);

/// <summary>A day off as listed (with its index for the remove button).</summary>
public sealed record DayOffView(int Index, string From, string To, string Reason);

/// <summary>What the days-off form was sent with, for showing it again after an error.</summary>
public sealed record DayOffForm(string From, string To, string Reason);

public enum ScheduleSaveStatus
{
    Saved,
    Invalid,

    /// <summary>Someone saved these settings after the form was opened; nothing was written.</summary>
    Stale,
    Missing,
}

public sealed record ScheduleSave(ScheduleSaveStatus Status, IReadOnlyList<FieldError> Errors);

public enum AttendanceMark
{
    Marked,
    NotStarted,
    Unknown,
}

/// <summary>
/// The counsellor's "Jadwal saya" page: the availability form (written through <see cref="SchoolAdmin"/>, the
/// same validation and document as the JSON route, guarded by the settings' version), the next two weeks'
/// slots from the same <see cref="SlotService"/> the parents' page uses, with prayer gaps, blackouts and days
/// off explained, personal days off, upcoming meetings with attendance, the private feed and whether
/// Microsoft 365 is connected. A change of availability never cancels a booked meeting; the page lists the
/// ones that now lie outside it.
/// </summary>
public sealed class SchedulePage(
    SchoolDirectory directory,
    SchoolAdmin admin,
    SlotService slots,
    SlotCalculator calculator,
    IPrayerBlackoutCalculator prayers,
    BookingStore bookings,
    BookingService bookingService,
    FollowUps followUps,
    ICounselorCalendar calendar,
    CalendarSyncStore calendarSync,
    StaffPages pages)
{
    public const string Page = "schedule";

    private readonly bool _allowed = Allow(pages);

    /// <summary>Days shown in the preview: the two weeks parents are most likely to book in.</summary>
    public const int PreviewDays = 14;

    /// <summary>How long a started meeting stays on the page for its attendance to be marked.</summary>
    public const int AttendanceDays = 7;

    /// <summary>The values the template reads, or null when the school or counsellor does not exist.</summary>
    public async Task<Dictionary<string, object?>?> ValuesAsync(
        string schoolId, string counselorId, string lang, ScheduleForm? form, DayOffForm? dayOff, IReadOnlyList<FieldError> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        var view = school is null ? null : (await admin.GetCounselorAsync(schoolId, counselorId, cancellationToken)).Value;
        if (school is null || view is null)
        {
            return null;
        }

        var counselor = view.Settings;
        var zone = DateTimeZoneProviders.Tzdb[school.TimeZone];
        var query = await slots.QueryAsync(schoolId, school, counselorId, counselor, null, cancellationToken);
        var meetings = await MeetingsAsync(schoolId, counselorId, school, query, zone, lang, cancellationToken);
        var outside = meetings.SelectMany(d => d.Meetings.Where(m => m.OutsideSchedule).Select(m => $"{d.Date} {m.Time}")).ToList();
        var root = StaffPaths.Schedule(schoolId, counselorId);
        var shown = form is null ? ScheduleForm.From(counselor, view.Version) : form.Version.Length == 0 ? form with { Version = view.Version } : form;
        return new Dictionary<string, object?>
        {
            ["form"] = shown,
            ["err"] = ErrorMap(shown, errors),
            ["numbers"] = new List<NumberField>
            {
                new("slot-minutes", "slot_minutes", Text(lang, "slot_minutes"), "", shown.SlotMinutes),
                new("buffer-minutes", "buffer_minutes", Text(lang, "buffer_minutes"), "", shown.BufferMinutes),
                new("seats", "seats", Text(lang, "seats"), Text(lang, "seats_hint"), shown.Seats),
                new("notice-hours", "notice_hours", Text(lang, "notice_hours"), "", shown.NoticeHours),
                new("horizon-days", "horizon_days", Text(lang, "horizon_days"), "", shown.HorizonDays),
            },
            ["week_days"] = ScheduleForm.WeekDays.Select(d => new DayChoice(d, Text(lang, "day_" + d.ToLowerInvariant()))).ToList(),
            ["modes"] = ScheduleForm.Modes.Select(m => new DayChoice(m, Text(lang, "mode_" + m))).ToList(),
            ["default_policy"] = string.Join("; ", DefaultAvailability.Windows.Select(w => $"{string.Join(", ", w.Days.Select(d => Text(lang, "day_" + d.ToLowerInvariant())))} {w.From}–{w.To}")),
            ["preview"] = Preview(school, counselorId, counselor, query, zone, lang),
            ["meeting_days"] = meetings,
            ["outside"] = outside,
            ["days_off"] = counselor.DaysOff.Select((d, i) => new DayOffView(i, d.From, d.To ?? d.From, d.Reason ?? "")).ToList(),
            ["day_off"] = dayOff ?? new DayOffForm("", "", ""),
            ["version"] = view.Version,
            ["feed_url"] = view.FeedUrl,
            ["m365"] = calendar.IsEnabled && !string.IsNullOrEmpty(counselor.Email),
            ["m365_email"] = counselor.Email ?? "",
            ["meeting_url"] = counselor.MeetingUrl ?? "",
            ["path"] = root,
            ["days_off_path"] = root + "/days-off",
            ["feed_path"] = root + "/feed",
            ["zone"] = MeetingText.ZoneAbbreviation(school.TimeZone),
        };
    }

    /// <summary>Saves the availability form; errors name the input they are about, in the page's language.</summary>
    public async Task<ScheduleSave> SaveAsync(string schoolId, string counselorId, ScheduleForm form, string lang, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var current = await directory.GetCounselorAsync(schoolId, counselorId, cancellationToken);
        if (current is null)
        {
            return new ScheduleSave(ScheduleSaveStatus.Missing, []);
        }

        var (settings, problems) = form.ToSettings(current, key => Text(lang, key));
        if (problems.Count > 0)
        {
            return new ScheduleSave(ScheduleSaveStatus.Invalid, Errors(problems, form, lang));
        }

        return await WriteAsync(schoolId, counselorId, settings, form.Version, form, lang, cancellationToken);
    }

    /// <summary>Adds a day off (or a range of days); the slots of those days disappear at once, booked meetings stay.</summary>
    public async Task<ScheduleSave> AddDayOffAsync(string schoolId, string counselorId, DayOffForm dayOff, string version, string lang, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dayOff);
        var current = await directory.GetCounselorAsync(schoolId, counselorId, cancellationToken);
        if (current is null)
        {
            return new ScheduleSave(ScheduleSaveStatus.Missing, []);
        }

        var problems = new List<(string, string)>();
        if (!ScheduleText.TryParseDate(dayOff.From, out _))
        {
            problems.Add(("daysOff.from", Text(lang, "error_date")));
        }

        if (dayOff.To.Length > 0 && !ScheduleText.TryParseDate(dayOff.To, out _))
        {
            problems.Add(("daysOff.to", Text(lang, "error_date")));
        }
        else if (dayOff.To.Length > 0 && string.CompareOrdinal(dayOff.To, dayOff.From) < 0)
        {
            problems.Add(("daysOff.to", Text(lang, "error_off_to_after_from")));
        }

        var form = new ScheduleForm();
        if (problems.Count > 0)
        {
            return new ScheduleSave(ScheduleSaveStatus.Invalid, Errors(problems, form, lang));
        }

        var added = new DayOff(dayOff.From, dayOff.To.Length == 0 || dayOff.To == dayOff.From ? null : dayOff.To, dayOff.Reason.Length == 0 ? null : dayOff.Reason);
        var settings = current with { DaysOff = [.. current.DaysOff, added] };
        return await WriteAsync(schoolId, counselorId, settings, version, form, lang, cancellationToken);
    }

    /// <summary>Removes the day off at <paramref name="index"/> of the version the page showed.</summary>
    public async Task<ScheduleSave> RemoveDayOffAsync(string schoolId, string counselorId, int index, string version, string lang, CancellationToken cancellationToken)
    {
        var current = await directory.GetCounselorAsync(schoolId, counselorId, cancellationToken);
        if (current is null || index < 0 || index >= current.DaysOff.Count)
        {
            return new ScheduleSave(current is null ? ScheduleSaveStatus.Missing : ScheduleSaveStatus.Stale, []);
        }

        var settings = current with { DaysOff = [.. current.DaysOff.Where((_, i) => i != index)] };
        return await WriteAsync(schoolId, counselorId, settings, version, new ScheduleForm(), lang, cancellationToken);
    }

    /// <summary>A new private feed address; the old one stops working at once (the same use case as the JSON route).</summary>
    public async Task<bool> NewFeedLinkAsync(string schoolId, string counselorId, CancellationToken cancellationToken) =>
        (await admin.RotateFeedKeyAsync(schoolId, counselorId, cancellationToken)).Succeeded;

    /// <summary>
    /// Marks attendance of one of this counsellor's meetings (the same use case as the JSON route: only once
    /// it has started). A booking id of another school or counsellor is unknown here.
    /// </summary>
    public async Task<AttendanceMark> MarkAttendanceAsync(string schoolId, string counselorId, string bookingId, Attendance attendance, CancellationToken cancellationToken)
    {
        if (!BookingStore.TryPartitionOf(bookingId, out var partition) || partition != $"{schoolId}|{counselorId}")
        {
            return AttendanceMark.Unknown;
        }

        var result = await followUps.MarkAttendanceAsync(bookingId, attendance, cancellationToken);
        return result.Outcome switch
        {
            AttendanceOutcome.NotStarted => AttendanceMark.NotStarted,
            AttendanceOutcome.UnknownBooking => AttendanceMark.Unknown,
            _ => AttendanceMark.Marked,
        };
    }

    /// <summary>Every input id of the page with its error message, empty when it has none (templates read <c>err[id]</c>).</summary>
    public static Dictionary<string, string> ErrorMap(ScheduleForm form, IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(errors);
        var ids = new List<string> { "policy-own", "slot-minutes", "buffer-minutes", "seats", "notice-hours", "horizon-days", "meeting-url", "off-from", "off-to", "off-reason", "meetings", "feed-confirm" };
        ids.AddRange(form.Rows.SelectMany(r => new[] { $"w{r.Index}-day-Mon", $"w{r.Index}-from", $"w{r.Index}-to", $"w{r.Index}-mode" }));
        var map = ids.ToDictionary(id => id, _ => "", StringComparer.Ordinal);
        foreach (var error in errors)
        {
            map[error.Field] = map.TryGetValue(error.Field, out var shown) && shown.Length > 0 ? shown : error.Message;
        }

        return map;
    }

    public string Text(string lang, string key) => _allowed ? pages.Text(Page, lang, key) : key;

    private static bool Allow(StaffPages pages)
    {
        pages.Allow<ScheduleForm>();
        pages.Allow<ScheduleRow>();
        pages.Allow<PreviewDay>();
        pages.Allow<PreviewSlot>();
        pages.Allow<MeetingDay>();
        pages.Allow<ScheduleMeeting>();
        pages.Allow<DayOffView>();
        pages.Allow<DayOffForm>();
        pages.Allow<DayChoice>();
        pages.Allow<NumberField>();
        return true;
    }

    private async Task<ScheduleSave> WriteAsync(string schoolId, string counselorId, CounselorSettings settings, string version, ScheduleForm form, string lang, CancellationToken cancellationToken)
    {
        var result = await admin.PutCounselorAsync(schoolId, counselorId, settings, cancellationToken, version);
        if (result.NotFound)
        {
            return new ScheduleSave(ScheduleSaveStatus.Missing, []);
        }

        if (result.Conflict)
        {
            return new ScheduleSave(ScheduleSaveStatus.Stale, [new FieldError("policy-own", Text(lang, "error_stale"))]);
        }

        return result.Problems.Count > 0
            ? new ScheduleSave(ScheduleSaveStatus.Invalid, Errors(result.Problems.Select(ScheduleForm.Split).ToList(), form, lang))
            : new ScheduleSave(ScheduleSaveStatus.Saved, []);
    }

    /// <summary>Problems as field errors: one per input (the first problem of each), each on the input it is about.</summary>
    private List<FieldError> Errors(IReadOnlyList<(string Path, string Problem)> problems, ScheduleForm form, string lang) =>
        [.. problems
            .Select(p => new FieldError(form.InputId(p.Path), lang == "en" || p.Path.Length == 0 ? p.Problem : Localise(p.Path, p.Problem, lang)))
            .GroupBy(e => e.Field, StringComparer.Ordinal)
            .Select(g => g.First())];

    /// <summary>The validator writes English; range problems of the numbers get the page's words, others keep the validator's with the field's name.</summary>
    private string Localise(string path, string problem, string lang) => path switch
    {
        "slotMinutes" => string.Format(CultureInfo.InvariantCulture, Text(lang, "error_range"), SchedulingValidation.MinSlotMinutes, SchedulingValidation.MaxSlotMinutes),
        "bufferMinutes" => string.Format(CultureInfo.InvariantCulture, Text(lang, "error_range"), 0, SchedulingValidation.MaxBufferMinutes),
        "seats" => string.Format(CultureInfo.InvariantCulture, Text(lang, "error_range"), 1, SchedulingValidation.MaxSeats),
        "minimumNoticeHours" => string.Format(CultureInfo.InvariantCulture, Text(lang, "error_range"), 0, SchedulingValidation.MaxNoticeHours),
        "horizonDays" => string.Format(CultureInfo.InvariantCulture, Text(lang, "error_range"), 1, SchedulingValidation.MaxHorizonDays),
        _ when problem.Contains("overlaps", StringComparison.Ordinal) => Text(lang, "error_overlap"),
        _ when problem.Contains("shorter than slotMinutes", StringComparison.Ordinal) => Text(lang, "error_shorter_than_slot"),
        _ when path.StartsWith("meetingUrl", StringComparison.Ordinal) => Text(lang, "error_meeting_url"),
        _ when path.StartsWith("daysOff", StringComparison.Ordinal) => Text(lang, "error_date"),
        _ => problem,
    };

    private List<PreviewDay> Preview(SchoolSettings school, string counselorId, CounselorSettings counselor, SlotQuery query, DateTimeZone zone, string lang)
    {
        var today = query.Now.InZone(zone).Date;
        var open = calculator.OpenSlots(query).Where(s => s.Start.Date < today.PlusDays(PreviewDays)).GroupBy(s => s.Start.Date).ToDictionary(g => g.Key, g => g.ToList());
        var windows = DefaultAvailability.For(counselor);
        var days = new List<PreviewDay>();
        for (var date = today; date < today.PlusDays(PreviewDays); date = date.PlusDays(1))
        {
            var day = ScheduleForm.WeekDays[(int)date.DayOfWeek - 1];
            var todays = windows.Where(w => w.Days.Contains(day, StringComparer.Ordinal)).ToList();
            var slotsOfDay = open.TryGetValue(date, out var list)
                ? list.Select(s => new PreviewSlot(PageText.TimeRange(s.Start, s.End), PageText.Mode(s.Mode, lang), s.Remaining, s.Capacity)).ToList()
                : [];
            var closed = Closed(date, school, counselor, lang);
            var notes = new List<string>();
            if (closed.Length == 0 && todays.Count > 0)
            {
                foreach (var gap in prayers.For(date, school))
                {
                    if (todays.Any(w => gap.Overlaps(date + ScheduleText.ParseTime(w.From), date + ScheduleText.ParseTime(w.To))))
                    {
                        notes.Add($"{PrayerName(gap.Name, lang)} {Clock(gap.Start)}–{Clock(gap.End)}");
                    }
                }
            }

            if (closed.Length == 0 && todays.Count > 0 && slotsOfDay.Count == 0)
            {
                notes.Add(Text(lang, date == today ? "note_none_today" : "note_none_left"));
            }

            if (closed.Length > 0 || todays.Count > 0)
            {
                days.Add(new PreviewDay(PageText.Date(date, lang), slotsOfDay, notes, closed));
            }
        }

        return days;
    }

    /// <summary>Why a whole day has no slots: the school's blackout (with its reason), the counsellor's day off, or no term.</summary>
    private string Closed(LocalDate date, SchoolSettings school, CounselorSettings counselor, string lang)
    {
        static bool Within(LocalDate date, string from, string? to) =>
            ScheduleText.TryParseDate(from, out var f) && ScheduleText.TryParseDate(to ?? from, out var t) && f <= date && date <= t;

        if (school.Blackouts.FirstOrDefault(b => Within(date, b.From, b.To)) is { } blackout)
        {
            return string.IsNullOrWhiteSpace(blackout.Reason) ? Text(lang, "closed_blackout") : blackout.Reason;
        }

        if (counselor.DaysOff.FirstOrDefault(d => Within(date, d.From, d.To)) is { } off)
        {
            return Text(lang, "closed_day_off") + (string.IsNullOrWhiteSpace(off.Reason) ? "" : ": " + off.Reason);
        }

        return school.Terms.Count > 0 && !school.Terms.Any(t => Within(date, t.FirstDay, t.LastDay)) ? Text(lang, "closed_no_term") : "";
    }

    private string PrayerName(string name, string lang) =>
        string.Join(" + ", name.Split('+').Select(part => Text(lang, "prayer_" + part)));

    private async Task<List<MeetingDay>> MeetingsAsync(string schoolId, string counselorId, SchoolSettings school, SlotQuery query, DateTimeZone zone, string lang, CancellationToken cancellationToken)
    {
        var now = query.Now;
        var since = now - Duration.FromDays(AttendanceDays);
        var guardians = new Dictionary<string, Guardian?>(StringComparer.Ordinal);
        var days = new List<MeetingDay>();
        var root = StaffPaths.Counselor(schoolId, counselorId);
        foreach (var group in (await bookings.ListAsync(schoolId, counselorId, cancellationToken))
            .Where(b => b.Status == BookingStatus.Confirmed && Instant.FromDateTimeOffset(b.End) >= since)
            .GroupBy(b => Instant.FromDateTimeOffset(b.Start).InZone(zone).Date))
        {
            var rows = new List<ScheduleMeeting>();
            foreach (var booking in group)
            {
                if (!guardians.TryGetValue(booking.GuardianId, out var guardian))
                {
                    guardian = guardians[booking.GuardianId] = await directory.GetGuardianAsync(schoolId, booking.GuardianId, cancellationToken);
                }

                var start = Instant.FromDateTimeOffset(booking.Start);
                var end = Instant.FromDateTimeOffset(booking.End);
                var students = guardian?.Students.Where(s => booking.StudentIds.Count == 0 || booking.StudentIds.Contains(s.Id)).Select(s => $"{s.Name} ({s.Class})") ?? [];
                var started = start <= now;
                rows.Add(new ScheduleMeeting(
                    booking.Id,
                    PageText.TimeRange(start.InZone(zone), end.InZone(zone)),
                    string.Join(", ", students) is { Length: > 0 } names ? names : string.Join(", ", booking.Classes),
                    guardian?.Name ?? "-",
                    PageText.Mode(MeetingModes.TryParse(booking.Mode, out var mode) ? mode : Scheduling.MeetingMode.InPerson, lang),
                    await bookingService.JoinUrlAsync(booking, cancellationToken) ?? "",
                    started,
                    booking.Attendance switch
                    {
                        Attendance.Attended => Text(lang, "attended"),
                        Attendance.NoShow => Text(lang, "no_show"),
                        _ => "",
                    },
                    $"{root}/meetings/{Uri.EscapeDataString(booking.Id)}/attendance",
                    !started && !calculator.Covers(query, start, end),
                    await CalendarStateAsync(booking, lang, cancellationToken)));
            }

            days.Add(new MeetingDay(PageText.Date(group.Key, lang), rows));
        }

        return days;
    }

    private async Task<string> CalendarStateAsync(Booking.Booking booking, string lang, CancellationToken cancellationToken)
    {
        if (!calendar.IsEnabled)
        {
            return "";
        }

        var state = await calendarSync.GetStateAsync(booking.Id, cancellationToken);
        return state switch
        {
            null => Text(lang, "calendar_waiting"),
            { LastError: not null } => Text(lang, "calendar_failed"),
            { EventId: not null } => Text(lang, "calendar_synced"),
            _ => Text(lang, "calendar_waiting"),
        };
    }

    private static string Clock(LocalDateTime time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);
}

/// <summary>A number input of the availability form.</summary>
public sealed record NumberField(string Id, string Name, string Label, string Hint, string Value);

/// <summary>A value and its words, for checkboxes and selects.</summary>
public sealed record DayChoice(string Value, string Label);
