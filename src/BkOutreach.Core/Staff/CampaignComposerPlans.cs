using System.Globalization;
using Azure;
using BkOutreach.Core.Outreach;

namespace BkOutreach.Core.Staff;

/// <summary>A plan wave row as typed: kind (empty: not used), rule (<c>term_day</c> | <c>after_days</c> | <c>days_before_end</c>) and its number of days.</summary>
public sealed record PlanWaveInput(string Kind, string Rule, string Days);

/// <summary>The plan edit form as typed, with the version (ETag) of the plan the form was made from.</summary>
public sealed record PlanEditInput(bool Enabled, IReadOnlyList<PlanWaveInput> Waves, string Version)
{
    public static PlanEditInput FromForm(Func<string, string> field, int rows)
    {
        ArgumentNullException.ThrowIfNull(field);
        return new PlanEditInput(
            field("enabled") is "on" or "true" or "1",
            [.. Enumerable.Range(0, rows).Select(i => new PlanWaveInput(field($"wave-{i}-kind"), field($"wave-{i}-rule"), field($"wave-{i}-days")))],
            field("version"));
    }
}

/// <summary>A plan wave row as the edit page shows it.</summary>
public sealed record PlanWaveRow(int Index, int Number, IReadOnlyList<ChoiceOption> Kinds, IReadOnlyList<ChoiceOption> Rules, string Days, string KindError, string DaysError);

/// <summary>The plan edit page.</summary>
public sealed record PlanEditPage(string Id, string Name, string Href, bool Enabled, string Version, IReadOnlyList<PlanWaveRow> Rows, string EnabledError, string Window, IReadOnlyList<string> Campaigns);

/// <summary>A plan in the campaigns page's list.</summary>
public sealed record PlanListItem(string Id, string Name, bool Enabled, IReadOnlyList<string> Waves, IReadOnlyList<string> Campaigns, string Href);

/// <summary>What saving a plan did: saved, refused with problems on their fields, or refused because the plan changed since it was opened.</summary>
public sealed record PlanSaveOutcome(bool Saved, bool Stale, PlanEditPage Page, IReadOnlyList<FieldError> Errors);

/// <summary>
/// The campaign plans on the staff pages: the list, the recommended plan in one step, and editing a plan's
/// enabled flag and waves with PUT semantics (<see cref="CampaignPlans.PutAsync"/>: the rest of the plan is
/// kept as stored). An edit is guarded by the version the form was made from, so a change made meanwhile
/// (another admin, a script) is never overwritten unseen.
/// </summary>
public sealed class CampaignPlanEditor(CampaignPlans plans, CampaignPlanStore store, StaffPages pages, CampaignStatusBoard board)
{
    public const string Page = "campaign_plan";

    private static readonly string[] Rules = ["term_day", "after_days", "days_before_end"];

    public async Task<IReadOnlyList<PlanListItem>?> ListAsync(string schoolId, string lang, CancellationToken cancellationToken)
    {
        var listed = await plans.ListAsync(schoolId, cancellationToken);
        return listed.NotFound
            ? null
            : [.. listed.Value!.Select(v => new PlanListItem(v.Id, v.Plan.Name, v.Plan.Enabled, [.. v.Plan.Waves.Select(w => Describe(w, lang))], v.Campaigns, StaffPaths.CampaignPlan(schoolId, v.Id)))];
    }

    /// <summary>The recommended plan in one step (kept as it is when the school has it already).</summary>
    public Task<Result<CampaignPlanView>> AddRecommendedAsync(string schoolId, string lang, CancellationToken cancellationToken) =>
        plans.AddRecommendedAsync(schoolId, cancellationToken, lang);

    /// <summary>The edit page of a stored plan; null when the school has no such plan.</summary>
    public async Task<PlanEditPage?> OpenAsync(string schoolId, string planId, string lang, CancellationToken cancellationToken)
    {
        var plan = await store.GetAsync(schoolId, planId, cancellationToken);
        if (plan is null)
        {
            return null;
        }

        var input = new PlanEditInput(plan.Definition.Enabled, [.. plan.Definition.Waves.Select(ToInput)], plan.ETag.ToString());
        return await PageAsync(schoolId, plan, input, lang, [], cancellationToken);
    }

    /// <summary>Saves the typed enabled flag and waves over the stored plan if it is still the version the form was made from; null when the plan does not exist.</summary>
    public async Task<PlanSaveOutcome?> SaveAsync(string schoolId, string planId, PlanEditInput input, string lang, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var plan = await store.GetAsync(schoolId, planId, cancellationToken);
        if (plan is null)
        {
            return null;
        }

        var errors = new List<FieldError>();
        var waves = new List<PlanWave>();
        var rowOf = new List<int>();
        for (var i = 0; i < input.Waves.Count; i++)
        {
            var row = input.Waves[i];
            if (row.Kind.Length == 0)
            {
                continue;
            }

            if (!int.TryParse(row.Days, NumberStyles.None, CultureInfo.InvariantCulture, out var days))
            {
                errors.Add(new FieldError($"wave-{i}-days", Text(lang, "error_number")));
                continue;
            }

            waves.Add(row.Rule switch
            {
                "after_days" => new PlanWave(row.Kind, AfterDays: days),
                "days_before_end" => new PlanWave(row.Kind, DaysBeforeTermEnd: days),
                _ => new PlanWave(row.Kind, TermDay: days),
            });
            rowOf.Add(i);
        }

        if (input.Waves.All(w => w.Kind.Length == 0))
        {
            errors.Add(new FieldError("wave-0-kind", Text(lang, "error_no_wave")));
        }

        var stale = false;
        if (errors.Count == 0)
        {
            var etag = input.Version.Length > 0 ? new ETag(input.Version) : default;
            var result = etag == default
                ? Result<CampaignPlanView>.Stale()
                : await plans.PutAsync(schoolId, planId, plan.Definition with { Enabled = input.Enabled, Waves = waves }, cancellationToken, etag, lang);
            if (result.NotFound)
            {
                return null;
            }

            if (result.Succeeded)
            {
                var saved = await store.GetAsync(schoolId, planId, cancellationToken) ?? plan;
                return new PlanSaveOutcome(true, false, await PageAsync(schoolId, saved, input with { Version = saved.ETag.ToString() }, lang, [], cancellationToken), []);
            }

            stale = result.Conflict;
            errors.AddRange(stale
                ? [new FieldError("enabled", Text(lang, "error_stale"))]
                : result.Problems.Select(p => new FieldError(FieldOf(p, rowOf), CampaignComposer.MessageOf(p))));
        }

        // A stale edit comes back with what was typed over the plan as it is now: saving again is a conscious overwrite.
        var current = stale ? await store.GetAsync(schoolId, planId, cancellationToken) ?? plan : plan;
        var page = await PageAsync(schoolId, current, stale ? input with { Version = current.ETag.ToString() } : input, lang, errors, cancellationToken);
        return new PlanSaveOutcome(false, stale, page, errors);
    }

    /// <summary>A plan wave in words: "hari ke-7 semester", "7 hari setelah gelombang sebelumnya", "21 hari sebelum semester berakhir".</summary>
    public string Describe(PlanWave wave, string lang)
    {
        ArgumentNullException.ThrowIfNull(wave);
        var (rule, days) = RuleOf(wave);
        return $"{board.KindLabel(wave.Kind, lang)}: {string.Format(CultureInfo.InvariantCulture, Text(lang, "rule_" + rule + "_text"), days)}";
    }

    private static (string Rule, int Days) RuleOf(PlanWave wave) =>
        wave.AfterDays is { } a ? ("after_days", a) : wave.DaysBeforeTermEnd is { } b ? ("days_before_end", b) : ("term_day", wave.TermDay ?? 1);

    private static PlanWaveInput ToInput(PlanWave wave)
    {
        var (rule, days) = RuleOf(wave);
        return new PlanWaveInput(wave.Kind, rule, days.ToString(CultureInfo.InvariantCulture));
    }

    private static string FieldOf(string problem, IReadOnlyList<int> rowOf)
    {
        var path = problem.Split(':', 2)[0];
        if (path.StartsWith("waves[", StringComparison.Ordinal) && path.IndexOf(']', StringComparison.Ordinal) is > 6 and var close
            && int.TryParse(path[6..close], NumberStyles.None, CultureInfo.InvariantCulture, out var wave))
        {
            var row = wave < rowOf.Count ? rowOf[wave] : 0;
            return path[(close + 1)..] is ".termDay" or ".afterDays" or ".daysBeforeTermEnd" ? $"wave-{row}-days" : $"wave-{row}-kind";
        }

        return "wave-0-kind";
    }

    private async Task<PlanEditPage> PageAsync(string schoolId, CampaignPlan plan, PlanEditInput input, string lang, IReadOnlyList<FieldError> errors, CancellationToken cancellationToken)
    {
        string Error(string field) => errors.FirstOrDefault(e => e.Field == field)?.Message ?? "";
        var used = input.Waves.Select((w, i) => w.Kind.Length > 0 || w.Days.Length > 0 ? i + 1 : 0).DefaultIfEmpty(0).Max();
        var count = Math.Min(Math.Max(used + 1, 4), Schools.DocumentLimits.MaxWaves);
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var row = i < input.Waves.Count ? input.Waves[i] : new PlanWaveInput("", "term_day", "");
            var kinds = new List<ChoiceOption> { new("", Text(lang, "wave_none"), row.Kind.Length == 0) };
            kinds.AddRange(CampaignValidation.CampaignKinds.Select(k => new ChoiceOption(k, board.KindLabel(k, lang), k == row.Kind)));
            var rules = Rules.Select(r => new ChoiceOption(r, Text(lang, "rule_" + r), r == row.Rule || (r == "term_day" && !Rules.Contains(row.Rule)))).ToList();
            return new PlanWaveRow(i, i + 1, kinds, rules, row.Days, Error($"wave-{i}-kind"), Error($"wave-{i}-days"));
        }).ToList();
        var w = plan.Definition.BookingWindow;
        var window = w is null ? "" : string.Join(" – ", new[]
        {
            w.FromTermDay is { } f ? string.Format(CultureInfo.InvariantCulture, Text(lang, "rule_term_day_text"), f) : "",
            w.ToTermDay is { } t ? string.Format(CultureInfo.InvariantCulture, Text(lang, "rule_term_day_text"), t)
                : w.ToDaysBeforeTermEnd is { } b ? string.Format(CultureInfo.InvariantCulture, Text(lang, "rule_days_before_end_text"), b) : "",
        }.Where(s => s.Length > 0));
        var made = (await plans.ListAsync(schoolId, cancellationToken)).Value?.FirstOrDefault(v => v.Id == plan.Id)?.Campaigns ?? [];
        return new PlanEditPage(plan.Id, plan.Definition.Name, StaffPaths.CampaignPlan(schoolId, plan.Id), input.Enabled, input.Version, rows, Error("enabled"), window, made);
    }

    private string Text(string lang, string key) => pages.Text(Page, lang, key);
}
