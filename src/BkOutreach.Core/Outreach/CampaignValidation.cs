using System.Globalization;
using System.Text.Json;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using NodaTime;
using NodaTime.Text;
using static BkOutreach.Core.Schools.DocumentLimits;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Checks a campaign against its school and lists every problem, each naming the field. The admin route
/// calls <see cref="Validate"/> with <c>today</c> (the school's date); campaign plans reuse
/// <see cref="ValidateCommon"/> for the parts a plan shares with a campaign (name, template, audience,
/// wave kinds, sizes). What passes can always be dispatched: every wave has a date inside the term, the
/// booking window lies inside the term and has not ended, and the stored document fits one table property.
/// </summary>
public static class CampaignValidation
{
    /// <summary>The templates a campaign may send: transactional texts (confirmations, reminders, the opt-out reply) never go to a whole audience.</summary>
    public static readonly IReadOnlyList<string> CampaignKinds = [SmsTemplates.Outreach, SmsTemplates.FollowUp, Participation.SurveyTemplates.Barrier, Participation.SurveyTemplates.ChannelAndTime];

    public const int MaxAfterDays = 90;

    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Every problem of <paramref name="campaign"/> for <paramref name="school"/>; <paramref name="today"/> (the
    /// school's date) refuses windows that already ended; <paramref name="lang"/> <c>id</c> words them for the
    /// staff pages (<see cref="DocumentLimits.Say"/>).
    /// </summary>
    public static IReadOnlyList<string> Validate(CampaignDefinition campaign, SchoolSettings school, IReadOnlyCollection<string> counselorIds, IReadOnlyCollection<string> templates, LocalDate? today = null, string lang = "en")
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(school);
        var problems = ValidateCommon(campaign.Name, campaign.Template, campaign.Audience, campaign.Waves, counselorIds, templates, lang);

        var terms = school.Terms ?? [];
        var term = terms.FirstOrDefault(t => t is not null && string.Equals(t.Name, campaign.Term, StringComparison.Ordinal));
        (LocalDate First, LocalDate Last)? termDays = term is not null && ParseDate(term.FirstDay) is { } first && ParseDate(term.LastDay) is { } last ? (first, last) : null;
        if (term is null)
        {
            var names = string.Join(", ", terms.Where(t => t is not null).Select(t => t.Name));
            problems.Add(Say(lang, $"term: '{DocumentLimits.Echo(campaign.Term)}' is not one of the school's terms ({names}).", $"term: '{DocumentLimits.Echo(campaign.Term)}' bukan semester sekolah ini ({names})."));
        }

        var waves = campaign.Waves ?? [];
        for (var i = 0; i < waves.Count; i++)
        {
            if (waves[i] is not { } wave)
            {
                continue;
            }

            if (wave.SendOn is not null)
            {
                if (ParseDate(wave.SendOn) is { } sendOn)
                {
                    DocumentLimits.InRange(problems, $"waves[{i}].sendOn", sendOn, today, lang);
                }
                else
                {
                    problems.Add(Say(lang, $"waves[{i}].sendOn: '{DocumentLimits.Echo(wave.SendOn)}' is not a yyyy-MM-dd date.", $"waves[{i}].sendOn: '{DocumentLimits.Echo(wave.SendOn)}' bukan tanggal (yyyy-MM-dd)."));
                }
            }
            else if (wave.Kind == SmsTemplates.Outreach)
            {
                problems.Add(Say(lang, $"waves[{i}].sendOn: an outreach wave needs a date (yyyy-MM-dd).", $"waves[{i}].sendOn: gelombang ajakan perlu tanggal kirim (yyyy-MM-dd)."));
            }
            else if (wave.Kind is Participation.SurveyTemplates.Barrier or Participation.SurveyTemplates.ChannelAndTime && (i == 0 || wave.AfterDays is null))
            {
                problems.Add(Say(
                    lang,
                    $"waves[{i}]: a survey wave needs sendOn (yyyy-MM-dd) or, after another wave, afterDays (1-{MaxAfterDays}).",
                    $"waves[{i}]: gelombang survei perlu tanggal kirim (yyyy-MM-dd) atau, bila mengikuti gelombang lain, jumlah hari setelahnya (1-{MaxAfterDays})."));
            }
        }

        var from = ParseDate(campaign.BookingWindow?.From);
        var to = ParseDate(campaign.BookingWindow?.To);
        if (campaign.BookingWindow is null || from is null || to is null)
        {
            problems.Add(Say(lang, "bookingWindow: from and to are required dates (yyyy-MM-dd).", "bookingWindow: tanggal mulai dan tanggal akhir pemesanan wajib diisi (yyyy-MM-dd)."));
        }
        else if (BothInRange(problems, from.Value, to.Value, today, lang))
        {
            if (from > to)
            {
                problems.Add(Say(lang, "bookingWindow: from must not be after to.", "bookingWindow: tanggal mulai tidak boleh setelah tanggal akhir."));
            }
            else if (termDays is { } days && (from < days.First || to > days.Last))
            {
                problems.Add(Say(
                    lang,
                    $"bookingWindow: {Format(from.Value)}..{Format(to.Value)} is not inside the term {term!.Name} ({term.FirstDay}..{term.LastDay}).",
                    $"bookingWindow: {Format(from.Value)}..{Format(to.Value)} tidak berada di dalam semester {term.Name} ({term.FirstDay}..{term.LastDay})."));
            }

            if (today is { } t && to < t)
            {
                problems.Add(Say(lang, $"bookingWindow.to: {Format(to.Value)} has already passed (today is {Format(t)} at the school).", $"bookingWindow.to: {Format(to.Value)} sudah lewat (hari ini {Format(t)} di sekolah)."));
            }
        }

        // Only when every wave has a date can the waves' days be checked against the term and the window.
        if (termDays is { } termRange && to is not null && HasDates(waves))
        {
            var dates = WaveDates(campaign);
            for (var i = 0; i < dates.Count; i++)
            {
                var kind = waves[i].Kind;
                if (dates[i] < termRange.First || dates[i] > termRange.Last)
                {
                    problems.Add(Say(
                        lang,
                        $"waves[{i}]: goes out on {Format(dates[i])}, outside the term {term!.Name} ({term.FirstDay}..{term.LastDay}).",
                        $"waves[{i}]: terkirim pada {Format(dates[i])}, di luar semester {term.Name} ({term.FirstDay}..{term.LastDay})."));
                }
                else if (CampaignPlanResolver.IsBlackout(school, dates[i]))
                {
                    // A plan moves such a wave to the next day without a blackout; a campaign's date is the admin's own.
                    problems.Add(Say(
                        lang,
                        $"waves[{i}]: goes out on {Format(dates[i])}, a blackout day of the school (no messages are sent on holidays); pick another day.",
                        $"waves[{i}]: terkirim pada {Format(dates[i])}, hari libur sekolah (tidak ada kiriman pada hari libur); pilih hari lain."));
                }
                else if (kind is SmsTemplates.Outreach or SmsTemplates.FollowUp && dates[i] > to)
                {
                    problems.Add(Say(
                        lang,
                        $"waves[{i}]: goes out on {Format(dates[i])}, after the booking window ends ({Format(to!.Value)}); its links would not work.",
                        $"waves[{i}]: terkirim pada {Format(dates[i])}, setelah masa pemesanan berakhir ({Format(to.Value)}); tautannya tidak akan berfungsi."));
                }
            }
        }

        DocumentLimits.StoredSize(problems, JsonSerializer.Serialize(campaign, StoredJson).Length, lang);
        return problems;
    }

    /// <summary>
    /// The checks a campaign shares with a campaign plan: name, template (a campaign kind that exists),
    /// audience, the waves' kinds, order and <c>afterDays</c>, and the list sizes. A wave's date is the
    /// caller's to check (<c>sendOn</c> for a campaign; term days for a plan), except that the first wave
    /// cannot count <c>afterDays</c> from a wave before it.
    /// </summary>
    public static List<string> ValidateCommon(string? name, string? template, CampaignAudience? audience, IReadOnlyList<CampaignWave?>? waves, IReadOnlyCollection<string> counselorIds, IReadOnlyCollection<string> templates, string lang = "en")
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(name))
        {
            problems.Add(Say(lang, "name: is required.", "name: wajib diisi."));
        }

        DocumentLimits.Length(problems, "name", name, DocumentLimits.MaxNameLength, lang);

        var allowed = templates.Where(t => CampaignKinds.Contains(t, StringComparer.Ordinal)).ToList();
        if (template is null || !allowed.Contains(template, StringComparer.Ordinal))
        {
            problems.Add(Say(
                lang,
                $"template: '{DocumentLimits.Echo(template)}' is not a campaign template; use one of {string.Join(", ", allowed)} (confirmations, reminders and the opt-out reply are sent by the app itself, never to an audience).",
                $"template: '{DocumentLimits.Echo(template)}' bukan templat kampanye; pilih salah satu dari {string.Join(", ", allowed)} (konfirmasi, pengingat, dan balasan berhenti berlangganan dikirim aplikasi sendiri, tidak pernah ke seluruh sasaran)."));
        }

        if (audience?.CounselorId is { } counselor && !counselorIds.Contains(counselor))
        {
            problems.Add(Say(lang, $"audience.counselorId: '{DocumentLimits.Echo(counselor)}' is not a counsellor of this school.", $"audience.counselorId: '{DocumentLimits.Echo(counselor)}' bukan guru BK sekolah ini."));
        }

        if (audience?.Classes is { } classes)
        {
            DocumentLimits.Count(problems, "audience.classes", classes, DocumentLimits.MaxClasses, lang);
            for (var i = 0; i < classes.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(classes[i]))
                {
                    problems.Add(Say(lang, $"audience.classes[{i}]: a class name is required.", $"audience.classes[{i}]: nama kelas wajib diisi."));
                }

                DocumentLimits.Length(problems, $"audience.classes[{i}]", classes[i], DocumentLimits.MaxShortTextLength, lang);
            }
        }

        if (waves is null)
        {
            problems.Add(Say(lang, "waves: must be a list of waves, not null.", "waves: harus berupa daftar gelombang."));
            return problems;
        }

        if (waves.Count == 0)
        {
            problems.Add(Say(lang, "waves: at least one wave is required.", "waves: minimal satu gelombang."));
        }

        DocumentLimits.Count(problems, "waves", waves, DocumentLimits.MaxWaves, lang);
        for (var i = 0; i < waves.Count; i++)
        {
            var wave = waves[i];
            if (wave is null)
            {
                problems.Add(Say(lang, $"waves[{i}]: must be an object.", $"waves[{i}]: harus berupa objek."));
                continue;
            }

            switch (wave.Kind)
            {
                case SmsTemplates.FollowUp when i == 0:
                    problems.Add(Say(lang, $"waves[{i}]: a follow_up wave follows another wave; the first must be an outreach wave.", $"waves[{i}]: gelombang tindak lanjut mengikuti gelombang lain; gelombang pertama harus gelombang ajakan."));
                    break;
                case SmsTemplates.FollowUp when wave.AfterDays is not (>= 1 and <= MaxAfterDays):
                case SmsTemplates.Outreach or Participation.SurveyTemplates.Barrier or Participation.SurveyTemplates.ChannelAndTime when wave.AfterDays is not (null or (>= 1 and <= MaxAfterDays)):
                    problems.Add(Say(lang, $"waves[{i}].afterDays: must be between 1 and {MaxAfterDays}.", $"waves[{i}].afterDays: jumlah hari harus antara 1 dan {MaxAfterDays}."));
                    break;
                case SmsTemplates.Outreach or SmsTemplates.FollowUp or Participation.SurveyTemplates.Barrier or Participation.SurveyTemplates.ChannelAndTime:
                    break;
                default:
                    problems.Add(Say(lang, $"waves[{i}].kind: must be {string.Join(", ", CampaignKinds)}, got '{DocumentLimits.Echo(wave.Kind)}'.", $"waves[{i}].kind: harus salah satu dari {string.Join(", ", CampaignKinds)}, bukan '{DocumentLimits.Echo(wave.Kind)}'."));
                    break;
            }
        }

        return problems;
    }

    /// <summary>The local date each wave is due, in order: follow-ups count from the wave before them.</summary>
    public static IReadOnlyList<LocalDate> WaveDates(CampaignDefinition campaign)
    {
        var dates = new List<LocalDate>();
        foreach (var wave in campaign.Waves)
        {
            var sendOn = ParseDate(wave.SendOn);
            dates.Add(sendOn is null && dates.Count > 0
                ? dates[^1].PlusDays(wave.AfterDays ?? 7)
                : sendOn ?? throw new InvalidOperationException("A wave without a date passed validation."));
        }

        return dates;
    }

    /// <summary>When links of this campaign stop working: the end of the booking window's last day in the school's zone.</summary>
    public static Instant LinksExpireAt(CampaignDefinition campaign, DateTimeZone zone) =>
        (ParseDate(campaign.BookingWindow?.To) ?? throw new InvalidOperationException("No booking window."))
            .PlusDays(1).AtStartOfDayInZone(zone).ToInstant();

    public static LocalDate? ParseDate(string? value) =>
        value is not null && LocalDatePattern.Iso.Parse(value) is { Success: true } result ? result.Value : null;

    private static bool HasDates(IReadOnlyList<CampaignWave?> waves) =>
        waves.Count is > 0 and <= DocumentLimits.MaxWaves
        && waves.Select((w, i) => w is not null && (ParseDate(w.SendOn) is { } d
            ? d >= DocumentLimits.EarliestDate && d <= DocumentLimits.LatestEver
            : w.SendOn is null && i > 0 && w.AfterDays is >= 1 and <= MaxAfterDays)).All(ok => ok);

    private static bool BothInRange(List<string> problems, LocalDate from, LocalDate to, LocalDate? today, string lang)
    {
        var fromOk = DocumentLimits.InRange(problems, "bookingWindow.from", from, today, lang);
        var toOk = DocumentLimits.InRange(problems, "bookingWindow.to", to, today, lang);
        return fromOk && toOk;
    }

    public static string Format(LocalDate date) => LocalDatePattern.Iso.Format(date).ToString(CultureInfo.InvariantCulture);
}
