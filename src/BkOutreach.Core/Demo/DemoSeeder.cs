using System.Text.Json;
using BkOutreach.Core.Access;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Links;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using Microsoft.Extensions.Options;
using NodaTime;

namespace BkOutreach.Core.Demo;

/// <summary>The demo school's data file (data/demo/demo-school.json).</summary>
public sealed record DemoData(string SchoolId, SchoolSettings School, IReadOnlyList<DemoCounselor> Counselors, IReadOnlyList<DemoFamily> Families)
{
    /// <summary>Emails seeded as the school's admins (each counsellor with an email is seeded as that counsellor).</summary>
    public IReadOnlyList<string> SchoolAdmins { get; init; } = [];
}

public sealed record DemoCounselor(string Id, string Name, string? Email, IReadOnlyList<AvailabilityWindow> Windows, int SlotMinutes, int BufferMinutes, int Seats, int MinimumNoticeHours, int HorizonDays);

public sealed record DemoFamily(string GuardianName, string Phone, string Language, IReadOnlyList<Student> Students);

public sealed record DemoSeedResult(string SchoolId, int Counselors, int Guardians, int NewGuardians, Guardian FirstGuardian, string? CampaignId, string? BookingLink)
{
    /// <summary>The staff seeded (school admins, then counsellors), for the runner to print a sign-in link for each.</summary>
    public IReadOnlyList<StaffMember> Staff { get; init; } = [];
}

/// <summary>
/// Writes the demo school through the same directory the admin routes use, its staff (school admins, and
/// each counsellor with an email as that counsellor), plus the recommended campaign plan ("Kenali guru BK")
/// and, made from it at once, the campaign of the term that is current (or next) on the app's clock; running
/// it twice changes nothing.
/// </summary>
/// <remarks>
/// The demo's one campaign for the current term is the plan's own campaign for that term (id
/// <c>kenali-guru-bk-{term}</c>), not a second one beside it: the dispatcher, finding it there, makes no twin,
/// so a demo family gets one outreach SMS per term. A plan the demo already has is kept as it is.
/// </remarks>
public sealed class DemoSeeder(SchoolDirectory directory, CampaignStore campaigns, CampaignPlanStore planStore, CampaignPlans plans, LinkTokens links, IOptions<LinksOptions> linkOptions, TimeProvider time, StaffDirectory staff)
{
    public static DemoData Load(string path) =>
        JsonSerializer.Deserialize<DemoData>(File.ReadAllText(path), SchoolDirectory.Json)
        ?? throw new InvalidOperationException($"{path} holds no demo data.");

    public async Task<DemoSeedResult> SeedAsync(DemoData data, CancellationToken cancellationToken)
    {
        await directory.PutSchoolAsync(data.SchoolId, data.School, cancellationToken);
        foreach (var c in data.Counselors)
        {
            await directory.PutCounselorAsync(data.SchoolId, c.Id, new CounselorSettings
            {
                Name = c.Name,
                Email = c.Email,
                Windows = c.Windows,
                SlotMinutes = c.SlotMinutes,
                BufferMinutes = c.BufferMinutes,
                Seats = c.Seats,
                MinimumNoticeHours = c.MinimumNoticeHours,
                HorizonDays = c.HorizonDays,
            }, cancellationToken);
        }

        Guardian? first = null;
        var created = 0;
        foreach (var family in data.Families)
        {
            var (guardian, isNew) = await directory.UpsertGuardianAsync(data.SchoolId, family.Phone, family.GuardianName, family.Language, family.Students, cancellationToken);
            first ??= guardian;
            created += isNew ? 1 : 0;
        }

        if (first is null)
        {
            throw new InvalidOperationException("The demo data has no families.");
        }

        var campaign = await SeedCampaignAsync(data, cancellationToken);
        string? link = null;
        if (campaign is not null)
        {
            var zone = DateTimeZoneProviders.Tzdb[data.School.TimeZone];
            var token = await links.IssueAsync(data.SchoolId, first.Id, campaign.Id, CampaignValidation.LinksExpireAt(campaign.Definition, zone), cancellationToken);
            link = LinkTokens.BookingUrl(linkOptions.Value.BaseUrl, token);
        }

        var members = new List<StaffMember>();
        foreach (var email in data.SchoolAdmins)
        {
            members.Add(await staff.PutAsync(data.SchoolId, email, StaffRole.SchoolAdmin, null, cancellationToken));
        }

        foreach (var c in data.Counselors.Where(c => !string.IsNullOrEmpty(c.Email)))
        {
            members.Add(await staff.PutAsync(data.SchoolId, c.Email!, StaffRole.Counselor, c.Id, cancellationToken));
        }

        return new DemoSeedResult(data.SchoolId, data.Counselors.Count, data.Families.Count, created, first, campaign?.Id, link) { Staff = members };
    }

    /// <summary>The recommended plan and the campaign it makes for the current (or next) term: first wave on term day 7, or today when that has passed.</summary>
    private async Task<Campaign?> SeedCampaignAsync(DemoData data, CancellationToken cancellationToken)
    {
        var zone = DateTimeZoneProviders.Tzdb[data.School.TimeZone];
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var today = now.InZone(zone).Date;
        var term = data.School.Terms
            .Where(t => CampaignPlanResolver.DatesOf(t) is { } d && d.Last >= today)
            .OrderBy(t => CampaignPlanResolver.DatesOf(t)!.Value.First)
            .FirstOrDefault();
        await planStore.TryAddAsync(new CampaignPlan(RecommendedPlan.Id, data.SchoolId, RecommendedPlan.Definition), cancellationToken);
        await plans.MaterializeAsync(data.SchoolId, data.School, now, cancellationToken);
        return term is null ? null : await campaigns.GetAsync(data.SchoolId, CampaignPlanResolver.CampaignId(RecommendedPlan.Id, term.Name), cancellationToken);
    }
}
