using Azure;
using BkOutreach.Core.Schools;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// A plan as the routes show it, with the campaigns it has made so far and its <see cref="Version"/> (the
/// stored row's ETag): a PUT with <c>If-Match</c> of that version replaces the plan only if nobody saved it since.
/// </summary>
public sealed record CampaignPlanView(string Id, CampaignPlanDefinition Plan, IReadOnlyList<string> Campaigns, bool Created = false)
{
    public string? Version { get; init; }
}

/// <summary>
/// The campaign-plan use cases and the work the dispatcher does with plans each tick
/// (<see cref="MaterializeAsync"/>): every enabled plan gets exactly one campaign per term, made at the
/// latest when its first wave is due (from <see cref="LeadDays"/> before the term starts), inserted under its
/// deterministic id so that concurrent dispatchers and retries cannot make twins; a campaign whose plan,
/// term or blackouts changed is resolved again, ETag-guarded, with its waves that went out kept as they were.
/// </summary>
public sealed partial class CampaignPlans(
    SchoolDirectory directory,
    CampaignStore campaigns,
    CampaignPlanStore plans,
    ICampaignTemplates templates,
    Storage.StorageAccount storage,
    TimeProvider time,
    ILogger<CampaignPlans> logger)
{
    /// <summary>A term's campaign appears this many days before the term starts (so admins see it coming).</summary>
    public const int LeadDays = 14;

    private const int MaxReplaceAttempts = 5;

    /// <summary>
    /// Creates or replaces a plan (PUT semantics). With <paramref name="ifMatch"/> (the ETag the editor read)
    /// the replace happens only if the plan is still as read; otherwise nothing is saved and the answer is
    /// <see cref="Result{T}.Stale"/> (also when the plan was deleted meanwhile).
    /// </summary>
    public async Task<Result<CampaignPlanView>> PutAsync(string schoolId, string planId, CampaignPlanDefinition plan, CancellationToken cancellationToken, Azure.ETag? ifMatch = null, string lang = "en")
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<CampaignPlanView>.Missing();
        }

        var problems = await ProblemsAsync(schoolId, planId, plan, school, lang, cancellationToken);
        if (problems.Count > 0)
        {
            return Result<CampaignPlanView>.Invalid(problems);
        }

        bool created;
        ETag version;
        if (ifMatch is { } etag)
        {
            if (await plans.TryReplaceAsync(new CampaignPlan(planId, schoolId, plan), etag, cancellationToken) is not { } replaced)
            {
                return Result<CampaignPlanView>.Stale();
            }

            (created, version) = (false, replaced);
        }
        else
        {
            (created, version) = await plans.PutAsync(new CampaignPlan(planId, schoolId, plan), cancellationToken);
        }

        return Result<CampaignPlanView>.Ok(await ViewAfterChangeAsync(schoolId, school, new CampaignPlan(planId, schoolId, plan), created, cancellationToken) with { Version = version.ToString() });
    }

    /// <summary>
    /// The recommended plan (<see cref="RecommendedPlan"/>) in one step, under id <c>kenali-guru-bk</c>. A school
    /// that has a plan under that id keeps it as it is (the answer says so with <c>Created = false</c>).
    /// </summary>
    public async Task<Result<CampaignPlanView>> AddRecommendedAsync(string schoolId, CancellationToken cancellationToken, string lang = "en")
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        if (school is null)
        {
            return Result<CampaignPlanView>.Missing();
        }

        if (await plans.GetAsync(schoolId, RecommendedPlan.Id, cancellationToken) is { } existing)
        {
            return Result<CampaignPlanView>.Ok(new CampaignPlanView(existing.Id, existing.Definition, await CampaignIdsAsync(schoolId, existing.Id, cancellationToken)) { Version = existing.ETag.ToString() });
        }

        var problems = await ProblemsAsync(schoolId, RecommendedPlan.Id, RecommendedPlan.Definition, school, lang, cancellationToken);
        if (problems.Count > 0)
        {
            return Result<CampaignPlanView>.Invalid(problems);
        }

        var plan = new CampaignPlan(RecommendedPlan.Id, schoolId, RecommendedPlan.Definition);
        if (await plans.TryAddAsync(plan, cancellationToken) is { } version)
        {
            return Result<CampaignPlanView>.Ok(await ViewAfterChangeAsync(schoolId, school, plan, created: true, cancellationToken) with { Version = version.ToString() });
        }

        // Another request added it first: that plan is the one kept.
        var kept = await plans.GetAsync(schoolId, RecommendedPlan.Id, cancellationToken) ?? plan;
        return Result<CampaignPlanView>.Ok(await ViewAfterChangeAsync(schoolId, school, kept, created: false, cancellationToken) with { Version = kept.ETag.ToString() });
    }

    public async Task<Result<IReadOnlyList<CampaignPlanView>>> ListAsync(string schoolId, CancellationToken cancellationToken)
    {
        if (await directory.GetSchoolAsync(schoolId, cancellationToken) is null)
        {
            return Result<IReadOnlyList<CampaignPlanView>>.Missing();
        }

        var made = (await campaigns.ListAsync(schoolId, cancellationToken)).Where(c => c.PlanId is not null).ToList();
        return Result<IReadOnlyList<CampaignPlanView>>.Ok([.. (await plans.ListAsync(schoolId, cancellationToken))
            .OrderBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => new CampaignPlanView(p.Id, p.Definition, [.. made.Where(c => c.PlanId == p.Id).Select(c => c.Id).Order(StringComparer.Ordinal)]) { Version = p.ETag.ToString() })]);
    }

    /// <summary>Deletes the plan: its campaigns stay (with their evidence), their waves not yet out are skipped.</summary>
    public async Task<Result<CampaignPlanView>> DeleteAsync(string schoolId, string planId, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        var plan = school is null ? null : await plans.GetAsync(schoolId, planId, cancellationToken);
        if (school is null || plan is null || !await plans.DeleteAsync(schoolId, planId, cancellationToken))
        {
            return Result<CampaignPlanView>.Missing();
        }

        // Stopped now; should this stop be cut short, the dispatcher's next tick finishes it (the plan is gone).
        await MaterializeAsync(schoolId, school, Now(), cancellationToken);
        return Result<CampaignPlanView>.Ok(new CampaignPlanView(planId, plan.Definition, await CampaignIdsAsync(schoolId, planId, cancellationToken)));
    }

    /// <summary>
    /// The dispatcher's plan work for one school: makes each enabled plan's campaign for every term that has not
    /// ended once the term is <see cref="LeadDays"/> away, and resolves again every plan-made campaign whose plan,
    /// term or blackouts changed (a deleted or disabled plan's waves not yet out are skipped). Returns the ids
    /// of the campaigns it made.
    /// </summary>
    public async Task<IReadOnlyList<string>> MaterializeAsync(string schoolId, SchoolSettings school, Instant now, CancellationToken cancellationToken)
    {
        var zone = SendingWindow.ZoneOf(school);
        var today = now.InZone(zone).Date;
        var schoolPlans = await plans.ListAsync(schoolId, cancellationToken);
        var planMade = (await campaigns.ListAsync(schoolId, cancellationToken)).Where(c => c.PlanId is not null).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var created = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in schoolPlans)
        {
            foreach (var term in school.Terms)
            {
                if (CampaignPlanResolver.DatesOf(term) is not { } dates || dates.Last < today)
                {
                    continue;
                }

                var id = CampaignPlanResolver.CampaignId(plan.Id, term.Name);
                seen.Add(id);
                if (planMade.TryGetValue(id, out var campaign))
                {
                    if (campaign.PlanId == plan.Id && campaign.PlanVersion != CampaignPlanResolver.VersionOf(plan.Definition, term, school))
                    {
                        await ApplyAsync(school, campaign, plan.Definition, term, today, cancellationToken);
                    }

                    continue;
                }

                if (!plan.Definition.Enabled || today < dates.First.PlusDays(-LeadDays))
                {
                    continue;
                }

                var resolved = CampaignPlanResolver.Resolve(plan.Definition, school, term, today);
                var made = new Campaign(id, schoolId, resolved.Definition)
                {
                    PlanId = plan.Id,
                    PlanVersion = CampaignPlanResolver.VersionOf(plan.Definition, term, school),
                    LateWaves = resolved.LateWaves,
                    SkippedWaves = resolved.SkippedWaves,
                };
                if (await campaigns.TryAddAsync(made, cancellationToken))
                {
                    created.Add(id);
                    LogCreated(logger, id, plan.Id, term.Name, resolved.LateWaves.Count);
                }
            }
        }

        // Campaigns whose plan is gone, or whose term the school no longer has (renamed or removed): their
        // waves not yet out never go (a renamed term gets its own campaign above).
        foreach (var campaign in planMade.Values.Where(c => !seen.Contains(c.Id) && c.PlanVersion != CampaignPlanResolver.DeletedVersion))
        {
            var term = school.Terms.FirstOrDefault(t => string.Equals(t.Name, campaign.Definition.Term, StringComparison.Ordinal) && CampaignPlanResolver.DatesOf(t) is not null);
            if (term is null || !schoolPlans.Any(p => p.Id == campaign.PlanId))
            {
                var window = campaign.Definition.BookingWindow;
                term ??= new Term(campaign.Definition.Term, window?.From ?? "", window?.To ?? "");
                if (CampaignPlanResolver.DatesOf(term) is not null)
                {
                    await ApplyAsync(school, campaign, null, term, today, cancellationToken);
                }
            }
        }

        return created;
    }

    /// <summary>
    /// When the dispatcher must next make one of these plans' campaigns: the start of the day (in the school's
    /// zone) <see cref="LeadDays"/> before each term that has not ended and has no campaign of an enabled plan
    /// yet. One that is already due (its making failed or raced this visit) is looked at again a minute later.
    /// Null when no campaign is still to be made.
    /// </summary>
    public static Instant? NextCampaignDue(IEnumerable<CampaignPlan> schoolPlans, SchoolSettings school, IReadOnlySet<string> campaignIds, Instant now)
    {
        var zone = SendingWindow.ZoneOf(school);
        var today = now.InZone(zone).Date;
        Instant? next = null;
        foreach (var plan in schoolPlans.Where(p => p.Definition.Enabled))
        {
            foreach (var term in school.Terms)
            {
                if (CampaignPlanResolver.DatesOf(term) is not { } dates || dates.Last < today || campaignIds.Contains(CampaignPlanResolver.CampaignId(plan.Id, term.Name)))
                {
                    continue;
                }

                var at = dates.First.PlusDays(-LeadDays).AtStartOfDayInZone(zone).ToInstant();
                at = at > now ? at : now + Duration.FromMinutes(1);
                next = next is { } n && n <= at ? n : at;
            }
        }

        return next;
    }

    /// <summary>Resolves a plan-made campaign again and replaces it if nobody changed it meanwhile (ETag), re-reading on a conflict.</summary>
    private async Task ApplyAsync(SchoolSettings school, Campaign campaign, CampaignPlanDefinition? plan, Term term, LocalDate today, CancellationToken cancellationToken)
    {
        var version = CampaignPlanResolver.VersionOf(plan, term, school);
        var zone = SendingWindow.ZoneOf(school);
        for (var attempt = 0; attempt < MaxReplaceAttempts; attempt++)
        {
            var dispatched = await CampaignDispatcher.DispatchedWavesAsync(storage, campaign, zone, cancellationToken);
            var resolved = CampaignPlanResolver.Resolve(plan, school, term, today, campaign, dispatched);
            var updated = campaign with
            {
                Definition = resolved.Definition,
                PlanVersion = version,
                LateWaves = resolved.LateWaves,
                SkippedWaves = resolved.SkippedWaves,
            };
            if (await campaigns.TryReplaceAsync(updated, cancellationToken))
            {
                LogResolvedAgain(logger, campaign.Id, dispatched.Count, resolved.SkippedWaves.Count);
                await KeepWavesDispatchedMeanwhileAsync(school, campaign, dispatched, plan, term, today, version, cancellationToken);
                return;
            }

            var current = await campaigns.GetAsync(campaign.SchoolId, campaign.Id, cancellationToken);
            if (current is null || current.PlanVersion == version)
            {
                return;
            }

            campaign = current;
        }

        LogConflict(logger, campaign.Id, MaxReplaceAttempts);
    }

    /// <summary>
    /// The dispatcher does not write the campaign row, so a wave it fanned out while the campaign was being
    /// replaced is not caught by the ETag. Such a wave went out as it was before the replace: put it back
    /// (read again, ETag-guarded), so the sender and the listing see the wave that went.
    /// </summary>
    private async Task KeepWavesDispatchedMeanwhileAsync(SchoolSettings school, Campaign before, IReadOnlyDictionary<int, LocalDate> dispatched, CampaignPlanDefinition? plan, Term term, LocalDate today, string version, CancellationToken cancellationToken)
    {
        var zone = SendingWindow.ZoneOf(school);
        for (var attempt = 0; attempt < MaxReplaceAttempts; attempt++)
        {
            var wentOut = await CampaignDispatcher.DispatchedWavesAsync(storage, before, zone, cancellationToken);
            if (wentOut.Keys.All(dispatched.ContainsKey))
            {
                return;
            }

            var current = await campaigns.GetAsync(before.SchoolId, before.Id, cancellationToken);
            if (current is null)
            {
                return;
            }

            var resolved = CampaignPlanResolver.Resolve(plan, school, term, today, before, wentOut);
            if (await campaigns.TryReplaceAsync(current with { Definition = resolved.Definition, PlanVersion = version, LateWaves = resolved.LateWaves, SkippedWaves = resolved.SkippedWaves }, cancellationToken))
            {
                return;
            }
        }
    }

    private async Task<CampaignPlanView> ViewAfterChangeAsync(string schoolId, SchoolSettings school, CampaignPlan plan, bool created, CancellationToken cancellationToken)
    {
        await MaterializeAsync(schoolId, school, Now(), cancellationToken);
        return new CampaignPlanView(plan.Id, plan.Definition, await CampaignIdsAsync(schoolId, plan.Id, cancellationToken), created);
    }

    private async Task<IReadOnlyList<string>> CampaignIdsAsync(string schoolId, string planId, CancellationToken cancellationToken) =>
        [.. (await campaigns.ListAsync(schoolId, cancellationToken)).Where(c => c.PlanId == planId).Select(c => c.Id).Order(StringComparer.Ordinal)];

    private async Task<IReadOnlyList<string>> ProblemsAsync(string schoolId, string planId, CampaignPlanDefinition plan, SchoolSettings school, string lang, CancellationToken cancellationToken)
    {
        var counselors = (await directory.ListCounselorsAsync(schoolId, cancellationToken)).Select(c => c.Id).ToList();
        var today = Now().InZone(DateTimeZoneProviders.Tzdb.GetZoneOrNull(school.TimeZone) ?? DateTimeZone.Utc).Date;
        return [.. Scheduling.SchoolAdmin.IdProblems("planId", planId, lang).Concat(CampaignPlanValidation.Validate(plan, school, counselors, templates.CampaignTemplates, lang, today))];
    }

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} made from plan {PlanId} for term {Term} ({Late} wave(s) late)")]
    private static partial void LogCreated(ILogger logger, string campaignId, string planId, string term, int late);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} resolved again from its plan ({Dispatched} wave(s) already out kept, {Skipped} skipped)")]
    private static partial void LogResolvedAgain(ILogger logger, string campaignId, int dispatched, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} changed concurrently {Attempts} times while its plan was applied; the next dispatcher tick applies it again")]
    private static partial void LogConflict(ILogger logger, string campaignId, int attempts);
}
