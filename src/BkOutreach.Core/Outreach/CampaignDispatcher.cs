using System.Text.Json;
using Azure.Data.Tables;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace BkOutreach.Core.Outreach;

public sealed record WaveDispatch(string CampaignId, int Wave, string Kind, int Recipients, int Batches, DateTimeOffset SendsFrom);

/// <summary>
/// Decides, for each school in its own time zone, which campaign waves are due and fans each due wave out
/// through the <c>sms-send</c> queue in batches. Flex Consumption runs timers in UTC, so "due" and "quiet
/// hours" are judged here from the school's zone, never from the host's clock zone.
/// A wave is marked dispatched after its batches are queued; a crash in between queues it again, which
/// sends nothing twice because the sender keeps one key per campaign + wave + guardian.
/// </summary>
public sealed partial class CampaignDispatcher(
    SchoolDirectory directory,
    CampaignStore campaigns,
    StorageAccount storage,
    TimeProvider time,
    ILogger<CampaignDispatcher> logger)
{
    public const int BatchSize = 50;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The timer's work: every due, undispatched wave of every school, only inside sending hours.</summary>
    public async Task<IReadOnlyList<WaveDispatch>> DispatchDueAsync(CancellationToken cancellationToken)
    {
        var done = new List<WaveDispatch>();
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        foreach (var schoolId in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            var school = await directory.GetSchoolAsync(schoolId, cancellationToken);
            if (school is null || !SendingWindow.IsOpen(school, now))
            {
                continue;
            }

            foreach (var campaign in await campaigns.ListAsync(schoolId, cancellationToken))
            {
                try
                {
                    done.AddRange(await DispatchCampaignAsync(school, campaign, now, force: false, cancellationToken));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One broken campaign must not hold back every other school's waves; it is tried next tick.
                    LogCampaignFailed(logger, campaign.Id, ex.GetType().Name, ex.Message);
                }
            }
        }

        return done;
    }

    /// <summary>
    /// "Dispatch now": the campaign's due waves, or its first wave when none went out yet, whatever its
    /// date. Messages still wait for the sending window and still go at the sender's rate.
    /// </summary>
    public async Task<Result<IReadOnlyList<WaveDispatch>>> DispatchNowAsync(string campaignId, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(campaignId, cancellationToken);
        var school = campaign is null ? null : await directory.GetSchoolAsync(campaign.SchoolId, cancellationToken);
        if (campaign is null || school is null)
        {
            return Result<IReadOnlyList<WaveDispatch>>.Missing();
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        return Result<IReadOnlyList<WaveDispatch>>.Ok(await DispatchCampaignAsync(school, campaign, now, force: true, cancellationToken));
    }

    private async Task<IReadOnlyList<WaveDispatch>> DispatchCampaignAsync(SchoolSettings school, Campaign campaign, Instant now, bool force, CancellationToken cancellationToken)
    {
        var zone = SendingWindow.ZoneOf(school);
        var today = now.InZone(zone).Date;
        var closes = CampaignValidation.ParseDate(campaign.Definition.BookingWindow?.To);
        if (closes is { } last && today > last)
        {
            return [];
        }

        var dates = CampaignValidation.WaveDates(campaign.Definition);
        var state = await ReadWaveStateAsync(campaign.Id, cancellationToken);
        var result = new List<WaveDispatch>();
        for (var wave = 0; wave < dates.Count; wave++)
        {
            var due = dates[wave] <= today || (force && wave == 0 && state.Count == 0);
            if (!due || state.Contains(wave))
            {
                continue;
            }

            result.Add(await FanOutAsync(school, campaign, wave, now, cancellationToken));
        }

        return result;
    }

    private async Task<WaveDispatch> FanOutAsync(SchoolSettings school, Campaign campaign, int wave, Instant now, CancellationToken cancellationToken)
    {
        var audience = (await directory.ListGuardiansAsync(campaign.SchoolId, cancellationToken))
            .Select(g => ToRecipient(g, campaign.Definition.Audience))
            .OfType<Recipient>()
            .OrderBy(r => r.GuardianId, StringComparer.Ordinal)
            .ToList();

        var opening = SendingWindow.NextOpening(school, now);
        var delay = (opening - now).ToTimeSpan();
        var queue = storage.Queue(OutreachQueues.SendQueue);
        var batches = 0;
        foreach (var chunk in audience.Chunk(BatchSize))
        {
            var message = JsonSerializer.Serialize(new SendBatch(campaign.SchoolId, campaign.Id, wave, [.. chunk.Select(r => r.GuardianId)]), Json);
            await queue.SendMessageAsync(message, visibilityTimeout: delay > TimeSpan.Zero ? delay : null, cancellationToken: cancellationToken);
            batches++;
        }

        await storage.Table(StorageNames.WavesTable).UpsertEntityAsync(
            new TableEntity(campaign.Id, wave.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                ["DispatchedAt"] = time.GetUtcNow(),
                ["Recipients"] = audience.Count,
                ["Batches"] = batches,
            },
            TableUpdateMode.Replace,
            cancellationToken);
        var kind = campaign.Definition.Waves[wave].Kind;
        LogFannedOut(logger, campaign.Id, wave, kind, audience.Count, batches);
        return new WaveDispatch(campaign.Id, wave, kind, audience.Count, batches, opening.ToDateTimeOffset());
    }

    private async Task<HashSet<int>> ReadWaveStateAsync(string campaignId, CancellationToken cancellationToken)
    {
        var waves = new HashSet<int>();
        await foreach (var row in storage.Table(StorageNames.WavesTable).QueryAsync<TableEntity>(e => e.PartitionKey == campaignId, cancellationToken: cancellationToken))
        {
            waves.Add(int.Parse(row.RowKey, System.Globalization.CultureInfo.InvariantCulture));
        }

        return waves;
    }

    /// <summary>The guardian as a recipient when any of their children is in the audience; null otherwise.</summary>
    internal static Recipient? ToRecipient(Guardian guardian, CampaignAudience? audience)
    {
        var students = guardian.Students
            .Where(s => audience?.Classes is not { Count: > 0 } classes || classes.Contains(s.Class, StringComparer.OrdinalIgnoreCase))
            .Where(s => audience?.CounselorId is not { } counselor || string.Equals(s.CounselorId, counselor, StringComparison.Ordinal))
            .Select(s => new RecipientStudent(s.Name, s.Class, s.CounselorId))
            .ToList();
        return students.Count == 0 ? null : new Recipient(guardian.Id, guardian.Phone, guardian.Name, guardian.Language, students);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign {CampaignId} not dispatched ({ErrorType}: {Error}); retried next tick")]
    private static partial void LogCampaignFailed(ILogger logger, string campaignId, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} wave {Wave} ({Kind}) fanned out to {Recipients} guardians in {Batches} queue messages")]
    private static partial void LogFannedOut(ILogger logger, string campaignId, int wave, string kind, int recipients, int batches);
}
