using Azure.Data.Tables;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using NodaTime;

namespace BkOutreach.Core.Staff;

/// <summary>
/// How many messages of one wave are where: <see cref="Recipients"/> the guardians it was fanned out to,
/// <see cref="Queued"/> not sent yet (waiting in the queue or for the sending window), <see cref="Sent"/>
/// taken by the provider (then <see cref="Delivered"/> or <see cref="Failed"/> by its delivery report, or
/// still unconfirmed), <see cref="Rejected"/> refused at send, <see cref="Skipped"/> not sent on purpose
/// (opted out, or booked before a follow-up).
/// </summary>
public sealed record WaveCounts(int Recipients, int Queued, int Sent, int Delivered, int Failed, int Rejected, int Skipped)
{
    public static WaveCounts None { get; } = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>One wave as the staff pages show it: its day, when it goes (or went) in the school's time, its state and counts.</summary>
public sealed record WaveStatus(
    int Index,
    string Kind,
    string KindLabel,
    string Date,
    string When,
    string State,
    string StateLabel,
    bool Late,
    string Note,
    WaveCounts Counts);

/// <summary>A campaign as the staff pages show it.</summary>
public sealed record CampaignStatusView(
    string Id,
    string Name,
    string Term,
    string PlanId,
    string Href,
    string DispatchHref,
    string Audience,
    string BookingFrom,
    string BookingTo,
    bool SmsReplyBooking,
    bool CanDispatch,
    IReadOnlyList<WaveStatus> Waves);

/// <summary>When a wave goes, by the dispatcher's rules (<see cref="CampaignDispatcher"/>, <see cref="SendingWindow"/>).</summary>
public static class CampaignSchedule
{
    /// <summary>
    /// The instant a wave due on <paramref name="day"/> goes out: the dispatcher fans it out on the first tick of
    /// that day (or at once when the day has come) and the messages wait for the sending window, so it is the
    /// first open sending time at or after the start of that day, and never before <paramref name="now"/>.
    /// Plan-made waves already carry the day after a blackout (<see cref="CampaignPlanResolver"/>).
    /// </summary>
    public static ZonedDateTime GoesAt(SchoolSettings school, LocalDate day, Instant now)
    {
        var zone = SendingWindow.ZoneOf(school);
        var start = day.AtStartOfDayInZone(zone).ToInstant();
        return SendingWindow.NextOpening(school, start > now ? start : now).InZone(zone);
    }

    /// <summary>The reason of the school's blackout on <paramref name="day"/> (or an empty reason), null when it is no blackout day.</summary>
    public static string? BlackoutOn(SchoolSettings school, LocalDate day) =>
        CampaignPlanResolver.IsBlackout(school, day)
            ? school.Blackouts.First(b => CampaignValidation.ParseDate(b.From) is { } from && day >= from && day <= (CampaignValidation.ParseDate(b.To) ?? from)).Reason ?? ""
            : null;
}

/// <summary>
/// The school's campaigns with every wave's state and message counts, for the campaign pages. States come
/// from the dispatcher's own listing (<see cref="CampaignDispatcher.ListCampaignsAsync"/>); counts from the
/// wave's fan-out row and its <see cref="SendLog"/> rows (one point read and one query of the school's partition,
/// plus one of the old shared partition, per dispatched wave; never the whole log), all read in <see cref="CountAsync"/>.
/// </summary>
public sealed class CampaignStatusBoard(CampaignDispatcher dispatcher, CampaignStore campaigns, SchoolDirectory directory, StorageAccount storage, SendLog sendLog, StaffPages pages, TimeProvider time)
{
    // The campaign pages' models, readable by their templates (the composer and plan editor build on this board).
    private readonly bool _modelsAllowed = AllowModels(pages);
    /// <summary>The words of these views (kinds, states) live in <c>text/campaign.*.json</c>.</summary>
    public const string TextPage = "campaign";

    /// <summary>Every campaign of the school, newest term first; null when the school does not exist.</summary>
    public async Task<IReadOnlyList<CampaignStatusView>?> ListAsync(string schoolId, string lang, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        var listed = await dispatcher.ListCampaignsAsync(schoolId, cancellationToken);
        if (school is null || listed.NotFound)
        {
            return null;
        }

        var stored = (await campaigns.ListAsync(schoolId, cancellationToken)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var views = new List<CampaignStatusView>();
        foreach (var listing in listed.Value!.Reverse())
        {
            if (stored.TryGetValue(listing.Id, out var campaign))
            {
                views.Add(await ViewAsync(school, campaign, listing, lang, cancellationToken));
            }
        }

        return views;
    }

    /// <summary>One campaign of the school; null when the school has no campaign with this id.</summary>
    public async Task<CampaignStatusView?> GetAsync(string schoolId, string campaignId, string lang, CancellationToken cancellationToken)
    {
        var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
        var campaign = school is null ? null : await campaigns.GetAsync(schoolId, campaignId, cancellationToken);
        if (school is null || campaign is null)
        {
            return null;
        }

        var listed = await dispatcher.ListCampaignsAsync(schoolId, cancellationToken);
        var listing = listed.Value?.FirstOrDefault(l => l.Id == campaignId);
        return listing is null ? null : await ViewAsync(school, campaign, listing, lang, cancellationToken);
    }

    /// <summary>
    /// The counts of one wave, for this school only (a plan-made id is the same in every school that uses the
    /// plan, and each message's key names its school). The one place the staff pages read the send log, so a
    /// second channel's rows are counted here too when it comes.
    /// </summary>
    public async Task<WaveCounts> CountAsync(Campaign campaign, int wave, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var fanOut = await storage.Table(StorageNames.WavesTable).GetEntityIfExistsAsync<TableEntity>(
            CampaignDispatcher.WavePartition(campaign), wave.ToString(System.Globalization.CultureInfo.InvariantCulture), select: ["Recipients"], cancellationToken: cancellationToken);
        if (!fanOut.HasValue)
        {
            return WaveCounts.None;
        }

        var recipients = fanOut.Value!.GetInt32("Recipients") ?? 0;
        int pending = 0, sent = 0, delivered = 0, failed = 0, rejected = 0, skipped = 0;
        await foreach (var row in sendLog.ListWaveAsync(campaign.SchoolId, campaign.Id, wave, ["State"], cancellationToken))
        {
            switch (Enum.TryParse<SendState>(row.GetString("State"), out var state) ? state : SendState.Pending)
            {
                case SendState.Pending:
                    pending++;
                    break;
                case SendState.Accepted:
                    sent++;
                    break;
                case SendState.Delivered:
                    sent++;
                    delivered++;
                    break;
                case SendState.Failed:
                    sent++;
                    failed++;
                    break;
                case SendState.Rejected:
                    rejected++;
                    break;
                default:
                    skipped++;
                    break;
            }
        }

        var done = sent + rejected + skipped;
        return new WaveCounts(recipients, Math.Max(pending, recipients - done), sent, delivered, failed, rejected, skipped);
    }

    /// <summary>Whether the page models can be read by the templates (always true once constructed).</summary>
    public bool ModelsAllowed => _modelsAllowed;

    /// <summary>A kind's name in the page's language.</summary>
    public string KindLabel(string kind, string lang) =>
        kind is SmsTemplates.Outreach or SmsTemplates.FollowUp or Participation.SurveyTemplates.Barrier or Participation.SurveyTemplates.ChannelAndTime
            ? pages.Text(TextPage, lang, "kind_" + kind)
            : kind;

    private static bool AllowModels(StaffPages pages)
    {
        pages.Allow<CampaignStatusView>();
        pages.Allow<WaveStatus>();
        pages.Allow<WaveCounts>();
        pages.Allow<CampaignComposerPage>();
        pages.Allow<CampaignComposerInput>();
        pages.Allow<ComposerWaveInput>();
        pages.Allow<ChoiceOption>();
        pages.Allow<ClassChoice>();
        pages.Allow<ComposerWaveRow>();
        pages.Allow<ComposerFieldErrors>();
        pages.Allow<AudienceSize>();
        pages.Allow<MessagePreview>();
        pages.Allow<WaveScheduleRow>();
        pages.Allow<PlanEditPage>();
        pages.Allow<PlanWaveRow>();
        pages.Allow<PlanListItem>();
        return true;
    }

    private async Task<CampaignStatusView> ViewAsync(SchoolSettings school, Campaign campaign, CampaignListing listing, string lang, CancellationToken cancellationToken)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var zone = SendingWindow.ZoneOf(school);
        var waves = new List<WaveStatus>(listing.Waves.Count);
        for (var i = 0; i < listing.Waves.Count; i++)
        {
            var wave = listing.Waves[i];
            var counts = wave.State == "dispatched" ? await CountAsync(campaign, i, cancellationToken) : WaveCounts.None;
            var day = CampaignValidation.ParseDate(wave.Date);
            var when = wave.State switch
            {
                "skipped" => "",
                "dispatched" when counts.Queued == 0 => "",
                "dispatched" => MeetingText.Format(SendingWindow.NextOpening(school, now).InZone(zone), lang),
                _ when day is { } d => MeetingText.Format(CampaignSchedule.GoesAt(school, d, now), lang),
                _ => "",
            };
            var blackout = day is { } b && wave.State == "pending" ? CampaignSchedule.BlackoutOn(school, b) : null;
            var note = blackout is null ? "" : string.Format(System.Globalization.CultureInfo.InvariantCulture, pages.Text(TextPage, lang, "note_blackout"), blackout);
            waves.Add(new WaveStatus(i, wave.Kind, KindLabel(wave.Kind, lang), wave.Date, when, wave.State, pages.Text(TextPage, lang, "state_" + wave.State), wave.Late, note, counts));
        }

        var definition = campaign.Definition;
        var audience = definition.Audience;
        var parts = new List<string>();
        if (audience?.Classes is { Count: > 0 } classes)
        {
            parts.Add(string.Join(", ", classes));
        }

        if (audience?.CounselorId is { } counselor)
        {
            parts.Add(counselor);
        }

        return new CampaignStatusView(
            campaign.Id,
            definition.Name,
            definition.Term,
            campaign.PlanId ?? "",
            StaffPaths.Campaign(campaign.SchoolId, campaign.Id),
            StaffPaths.Campaign(campaign.SchoolId, campaign.Id) + "/dispatch",
            parts.Count == 0 ? pages.Text(TextPage, lang, "audience_all") : string.Join(" · ", parts),
            definition.BookingWindow?.From ?? "",
            definition.BookingWindow?.To ?? "",
            definition.SmsReplyBooking,
            waves.Any(w => w.State == "pending"),
            waves);
    }
}
