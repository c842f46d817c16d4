using System.Globalization;
using BkOutreach.Core.Schools;
using NodaTime;
using static BkOutreach.Core.Schools.DocumentLimits;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Checks a plan and lists every problem, each naming its field. What a plan shares with a campaign (name,
/// template, audience, wave kinds and their order, booking window) is checked by
/// <see cref="CampaignValidation"/> itself, on the campaign the plan makes for each of the school's terms;
/// here only what is a plan's own: the relative days, and that every wave falls inside every term.
/// </summary>
public static class CampaignPlanValidation
{
    public const int MaxTermDay = 366;
    public const int MaxAfterDays = 90;

    /// <summary>Stands in for the school's terms when it has none yet, so the shared checks still run.</summary>
    private static readonly Term SampleTerm = new("plan check", "2000-01-03", "2000-06-30");

    /// <summary>
    /// Every problem of <paramref name="plan"/>; <paramref name="lang"/> <c>id</c> words them for the staff pages
    /// (<see cref="DocumentLimits.Say"/>). A wave or booking window outside a term is a problem only for a plan
    /// that makes campaigns (enabled) and a term not over by <paramref name="today"/> (the school's date): a
    /// short term added later must not stop an admin from changing or switching off the plan, nor a term long
    /// gone from editing it.
    /// </summary>
    public static IReadOnlyList<string> Validate(CampaignPlanDefinition plan, SchoolSettings school, IReadOnlyCollection<string> counselorIds, IReadOnlyCollection<string> templates, string lang = "en", LocalDate? today = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(school);
        var problems = new List<string>();
        var waves = plan.Waves ?? [];
        for (var i = 0; i < waves.Count; i++)
        {
            problems.AddRange(WaveProblems(waves[i], i, lang));
        }

        var window = plan.BookingWindow;
        if (window?.FromTermDay is < 1 or > MaxTermDay)
        {
            problems.Add(Say(lang, $"bookingWindow.fromTermDay: must be between 1 and {MaxTermDay}.", $"bookingWindow.fromTermDay: harus antara 1 dan {MaxTermDay}."));
        }

        if (window?.ToTermDay is < 1 or > MaxTermDay)
        {
            problems.Add(Say(lang, $"bookingWindow.toTermDay: must be between 1 and {MaxTermDay}.", $"bookingWindow.toTermDay: harus antara 1 dan {MaxTermDay}."));
        }

        if (window?.ToDaysBeforeTermEnd is < 0 or > MaxTermDay)
        {
            problems.Add(Say(lang, $"bookingWindow.toDaysBeforeTermEnd: must be between 0 and {MaxTermDay}.", $"bookingWindow.toDaysBeforeTermEnd: harus antara 0 dan {MaxTermDay}."));
        }

        if (window is { ToTermDay: not null, ToDaysBeforeTermEnd: not null })
        {
            problems.Add(Say(lang, "bookingWindow: give toTermDay or toDaysBeforeTermEnd, not both.", "bookingWindow: isi hari akhir pemesanan atau jumlah hari sebelum semester berakhir, jangan keduanya."));
        }

        if (window is { FromTermDay: { } from, ToTermDay: { } to } && from > to)
        {
            problems.Add(Say(lang, "bookingWindow: fromTermDay must not be after toTermDay.", "bookingWindow: hari mulai pemesanan tidak boleh setelah hari akhirnya."));
        }

        if (problems.Count > 0 || waves.Count == 0)
        {
            // The shared checks need days to resolve; they still run on the fields that need none.
            var shared = CampaignValidation.Validate(Sample(plan, SampleTerm), WithTerm(school, SampleTerm), counselorIds, templates, lang: lang);
            return [.. problems.Concat(shared.Where(p => !p.StartsWith("term:", StringComparison.Ordinal))).Distinct(StringComparer.Ordinal)];
        }

        var terms = plan.Enabled
            ? school.Terms.Where(t => CampaignPlanResolver.DatesOf(t) is { } dates && !(dates.Last < today)).ToList()
            : [];
        foreach (var term in terms)
        {
            problems.AddRange(FitProblems(plan, school, term, lang));
            problems.AddRange(CampaignValidation.Validate(CampaignPlanResolver.Resolve(plan, school, term, today: null).Definition, school, counselorIds, templates, lang: lang)
                .Where(p => !p.StartsWith("term:", StringComparison.Ordinal)));
        }

        if (terms.Count == 0)
        {
            problems.AddRange(CampaignValidation.Validate(Sample(plan, SampleTerm), WithTerm(school, SampleTerm), counselorIds, templates, lang: lang)
                .Where(p => !p.StartsWith("term:", StringComparison.Ordinal)));
        }

        return [.. problems.Distinct(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> WaveProblems(PlanWave wave, int i, string lang)
    {
        if (wave is null)
        {
            yield return Say(lang, $"waves[{i}]: must be an object.", $"waves[{i}]: harus berupa objek.");
            yield break;
        }

        if (wave.SendOn is not null)
        {
            yield return Say(lang, $"waves[{i}].sendOn: a plan has no dates; give termDay, afterDays or daysBeforeTermEnd.", $"waves[{i}].sendOn: rencana tidak memakai tanggal; isi hari ke-berapa semester, jumlah hari setelah gelombang sebelumnya, atau jumlah hari sebelum semester berakhir.");
        }

        var given = (wave.TermDay is null ? 0 : 1) + (wave.AfterDays is null ? 0 : 1) + (wave.DaysBeforeTermEnd is null ? 0 : 1);
        if (given != 1)
        {
            yield return Say(lang, $"waves[{i}]: give exactly one of termDay, afterDays or daysBeforeTermEnd.", $"waves[{i}]: isi tepat satu dari hari ke-berapa semester, jumlah hari setelah gelombang sebelumnya, atau jumlah hari sebelum semester berakhir.");
        }

        if (wave.TermDay is < 1 or > MaxTermDay)
        {
            yield return Say(lang, $"waves[{i}].termDay: must be between 1 (the term's first day) and {MaxTermDay}.", $"waves[{i}].termDay: harus antara 1 (hari pertama semester) dan {MaxTermDay}.");
        }

        if (wave.AfterDays is < 1 or > MaxAfterDays)
        {
            yield return Say(lang, $"waves[{i}].afterDays: must be between 1 and {MaxAfterDays}.", $"waves[{i}].afterDays: jumlah hari harus antara 1 dan {MaxAfterDays}.");
        }

        if (wave.AfterDays is not null && i == 0)
        {
            yield return Say(lang, $"waves[{i}].afterDays: the first wave follows no other; give termDay or daysBeforeTermEnd.", $"waves[{i}].afterDays: gelombang pertama tidak mengikuti gelombang lain; isi hari ke-berapa semester atau jumlah hari sebelum semester berakhir.");
        }

        if (wave.DaysBeforeTermEnd is < 0 or > MaxTermDay)
        {
            yield return Say(lang, $"waves[{i}].daysBeforeTermEnd: must be between 0 (the term's last day) and {MaxTermDay}.", $"waves[{i}].daysBeforeTermEnd: harus antara 0 (hari terakhir semester) dan {MaxTermDay}.");
        }
    }

    /// <summary>Every wave's day (after blackouts) and the booking window must lie inside the term.</summary>
    private static IEnumerable<string> FitProblems(CampaignPlanDefinition plan, SchoolSettings school, Term term, string lang)
    {
        var (first, last) = CampaignPlanResolver.DatesOf(term)!.Value;
        var length = Period.Between(first, last, PeriodUnits.Days).Days + 1;
        LocalDate? previous = null;
        for (var i = 0; i < plan.Waves.Count; i++)
        {
            var planned = CampaignPlanResolver.PlannedDay(plan.Waves[i], previous, first, last) ?? first;
            var day = CampaignPlanResolver.NextAllowedDay(school, planned);
            if (planned < first || planned > last)
            {
                var days = length.ToString(CultureInfo.InvariantCulture);
                yield return Say(
                    lang,
                    $"waves[{i}]: falls on {CampaignValidation.Format(planned)}, outside term '{term.Name}' ({term.FirstDay} to {term.LastDay}, {days} days).",
                    $"waves[{i}]: jatuh pada {CampaignValidation.Format(planned)}, di luar semester '{term.Name}' ({term.FirstDay} sampai {term.LastDay}, {days} hari).");
            }
            else if (day > last)
            {
                yield return Say(
                    lang,
                    $"waves[{i}]: due on {CampaignValidation.Format(planned)}, a blackout day, and no day after it is left in term '{term.Name}'.",
                    $"waves[{i}]: jatuh pada {CampaignValidation.Format(planned)}, hari tanpa kiriman, dan tidak ada hari sesudahnya yang tersisa di semester '{term.Name}'.");
            }

            previous = day;
        }

        if (plan.BookingWindow is { } w)
        {
            foreach (var (field, value) in new[] { ("fromTermDay", w.FromTermDay), ("toTermDay", w.ToTermDay) })
            {
                if (value is { } d and >= 1 && d > length)
                {
                    var (day, days) = (d.ToString(CultureInfo.InvariantCulture), length.ToString(CultureInfo.InvariantCulture));
                    yield return Say(
                        lang,
                        $"bookingWindow.{field}: day {day} is after the end of term '{term.Name}' ({days} days).",
                        $"bookingWindow.{field}: hari ke-{day} setelah akhir semester '{term.Name}' ({days} hari).");
                }
            }

            if (w.ToDaysBeforeTermEnd is { } b and >= 0 && b >= length)
            {
                var (before, days) = (b.ToString(CultureInfo.InvariantCulture), length.ToString(CultureInfo.InvariantCulture));
                yield return Say(
                    lang,
                    $"bookingWindow.toDaysBeforeTermEnd: {before} days before the end is before the start of term '{term.Name}' ({days} days).",
                    $"bookingWindow.toDaysBeforeTermEnd: {before} hari sebelum akhir jatuh sebelum awal semester '{term.Name}' ({days} hari).");
            }
        }
    }

    /// <summary>The plan as a campaign of the sample term, for the checks that need no real term.</summary>
    private static CampaignDefinition Sample(CampaignPlanDefinition plan, Term term)
    {
        var waves = (plan.Waves ?? []).Select((w, i) => new PlanWave(w?.Kind ?? "", TermDay: i + 1, AfterDays: w?.AfterDays)).ToList();
        var resolved = CampaignPlanResolver.Resolve(plan with { Waves = waves, BookingWindow = null }, new SchoolSettings(), term, today: null).Definition;
        return resolved with { Waves = [.. resolved.Waves.Select((w, i) => w with { AfterDays = (plan.Waves ?? [])[i]?.AfterDays ?? w.AfterDays })] };
    }

    private static SchoolSettings WithTerm(SchoolSettings school, Term term) => school with { Terms = [term] };
}
