using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BkOutreach.Core.Schools;
using NodaTime;

namespace BkOutreach.Core.Outreach;

/// <summary>A plan turned into one term's campaign: the definition with dates, and its late and skipped waves.</summary>
public sealed record ResolvedCampaign(CampaignDefinition Definition, IReadOnlyList<int> LateWaves, IReadOnlyList<int> SkippedWaves);

/// <summary>
/// Turns a plan into a term's campaign (pure; dates are the school's local dates). Rules, stated once here:
/// <list type="bullet">
/// <item>the campaign id is <c>{planId}-{term name in lower case, every non-alphanumeric as '-'}</c>;</item>
/// <item><c>termDay: n</c> is the term's first day + n − 1; <c>daysBeforeTermEnd: n</c> is its last day − n;
/// <c>afterDays: n</c> counts from the day the previous wave goes (or went) out;</item>
/// <item>a due day on a blackout day moves to the next day that is not one;</item>
/// <item>a day that has passed when the campaign is made or changed (<c>today</c>) becomes today: the wave
/// goes at the next open sending window (but not before the wave listed before it), and is marked late;</item>
/// <item>a wave whose day falls after the term's last day is skipped (never sent); so is every wave not yet
/// out when the plan is disabled or deleted;</item>
/// <item>a wave that went out is kept exactly as it was, whatever the plan says now.</item>
/// </list>
/// </summary>
public static class CampaignPlanResolver
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string CampaignId(string planId, string termName) =>
        planId + "-" + new string([.. termName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);

    /// <summary>A term's first and last day; null when either is not a date.</summary>
    public static (LocalDate First, LocalDate Last)? DatesOf(Term term) =>
        CampaignValidation.ParseDate(term.FirstDay) is { } first && CampaignValidation.ParseDate(term.LastDay) is { } last ? (first, last) : null;

    /// <summary>The day a wave is due before blackouts are considered; null when the wave names no day.</summary>
    public static LocalDate? PlannedDay(PlanWave wave, LocalDate? previous, LocalDate first, LocalDate last) =>
        wave.TermDay is { } day ? first.PlusDays(day - 1)
        : wave.DaysBeforeTermEnd is { } before ? last.PlusDays(-before)
        : wave.AfterDays is { } after && previous is { } p ? p.PlusDays(after)
        : null;

    public static bool IsBlackout(SchoolSettings school, LocalDate day) =>
        school.Blackouts.Any(b => CampaignValidation.ParseDate(b.From) is { } from
            && day >= from && day <= (CampaignValidation.ParseDate(b.To) ?? from));

    /// <summary>The day itself, or the next day that is not a blackout day.</summary>
    public static LocalDate NextAllowedDay(SchoolSettings school, LocalDate day)
    {
        // Bounded: blackouts are finite ranges, so at most one step per blackout day.
        for (var i = 0; i < 3660 && IsBlackout(school, day); i++)
        {
            day = day.PlusDays(1);
        }

        return day;
    }

    /// <summary>
    /// What a plan-made campaign was resolved from: the plan, the term and the school's blackouts. When any
    /// of them changes, the dispatcher resolves the campaign again (its waves not yet out follow).
    /// </summary>
    public static string VersionOf(CampaignPlanDefinition? plan, Term term, SchoolSettings school) =>
        plan is null
            ? DeletedVersion
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { plan, term, school.Blackouts }, Json))))[..20];

    /// <summary>The version of a campaign whose plan was deleted (resolved once more, to skip what had not gone out).</summary>
    public const string DeletedVersion = "deleted";

    /// <param name="plan">The plan; null when it was deleted (its waves not yet out are skipped).</param>
    /// <param name="today">The school's local date when made or changed; null to resolve without moving passed days (validation).</param>
    /// <param name="existing">The campaign as stored, when it exists.</param>
    /// <param name="dispatched">The waves of <paramref name="existing"/> that went out, with the local day they did.</param>
    public static ResolvedCampaign Resolve(
        CampaignPlanDefinition? plan,
        SchoolSettings school,
        Term term,
        LocalDate? today,
        Campaign? existing = null,
        IReadOnlyDictionary<int, LocalDate>? dispatched = null)
    {
        var (first, last) = DatesOf(term) ?? throw new InvalidOperationException($"Term '{term.Name}' has no valid dates.");
        dispatched ??= new Dictionary<int, LocalDate>();
        var planWaves = plan?.Waves ?? [];
        var stopped = plan is null || !plan.Enabled;
        // A deleted plan's campaign keeps every wave it listed (those not yet out marked skipped below), as a disabled one does.
        var listed = plan is null && existing is not null ? existing.Definition.Waves.Count : planWaves.Count;
        var count = Math.Max(listed, dispatched.Count == 0 ? 0 : dispatched.Keys.Max() + 1);
        var waves = new List<CampaignWave>(count);
        var late = new List<int>();
        var skipped = new List<int>();
        LocalDate? previous = null;
        for (var i = 0; i < count; i++)
        {
            if (existing is not null && i < existing.Definition.Waves.Count && dispatched.TryGetValue(i, out var wentOut))
            {
                waves.Add(existing.Definition.Waves[i]);
                if (existing.LateWaves.Contains(i))
                {
                    late.Add(i);
                }

                previous = wentOut;
                continue;
            }

            if (i >= planWaves.Count)
            {
                if (existing is null || i >= existing.Definition.Waves.Count)
                {
                    break;
                }

                // Beyond a shortened plan, before a wave that went out: kept in place (wave numbers name sends), never sent.
                waves.Add(existing.Definition.Waves[i]);
                skipped.Add(i);
                continue;
            }

            var wave = planWaves[i];
            var day = NextAllowedDay(school, PlannedDay(wave, previous, first, last) ?? first);
            if (today is { } now && day < now)
            {
                // Late: goes at the next open window, but never before the wave listed before it.
                day = NextAllowedDay(school, previous is { } p && p > now ? p : now);
                late.Add(i);
            }

            if (stopped || day > last)
            {
                skipped.Add(i);
            }

            waves.Add(new CampaignWave(wave.Kind, CampaignValidation.Format(day), wave.AfterDays));
            previous = day;
        }

        // A deleted plan's campaign keeps the window its parents were given.
        var window = plan is null && existing?.Definition.BookingWindow is { } kept ? kept : BookingWindow(plan?.BookingWindow, waves, skipped, first, last);
        var definition = new CampaignDefinition
        {
            Name = plan is null ? existing?.Definition.Name ?? "" : string.IsNullOrWhiteSpace(plan.Name) ? "" : $"{plan.Name} · {term.Name}",
            Term = term.Name,
            Template = plan?.Template ?? existing?.Definition.Template ?? "outreach",
            Audience = plan is null ? existing?.Definition.Audience : plan.Audience,
            Waves = waves,
            BookingWindow = window,
            SmsReplyBooking = plan?.SmsReplyBooking ?? existing?.Definition.SmsReplyBooking ?? false,
        };
        return new ResolvedCampaign(definition, late, skipped);
    }

    private static DateWindow BookingWindow(PlanBookingWindow? window, IReadOnlyList<CampaignWave> waves, IReadOnlyList<int> skipped, LocalDate first, LocalDate last)
    {
        var days = waves.Select((w, i) => (Day: CampaignValidation.ParseDate(w.SendOn), Index: i)).ToList();
        var firstWave = days.Where(d => d.Day is not null).Select(d => d.Day!.Value).DefaultIfEmpty(first).Min();
        var lastSent = days.Where(d => d.Day is not null && !skipped.Contains(d.Index)).Select(d => d.Day!.Value).DefaultIfEmpty(first).Max();
        var from = window?.FromTermDay is { } f ? first.PlusDays(f - 1) : firstWave;
        var to = window?.ToTermDay is { } t ? first.PlusDays(t - 1)
            : window?.ToDaysBeforeTermEnd is { } b ? last.PlusDays(-b)
            : last;
        to = LocalDate.Min(LocalDate.Max(to, lastSent), last);
        from = LocalDate.Min(LocalDate.Max(from, first), to);
        return new DateWindow(CampaignValidation.Format(from), CampaignValidation.Format(to));
    }
}
