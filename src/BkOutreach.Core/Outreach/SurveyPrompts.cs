using Azure.Data.Tables;
using BkOutreach.Core.Participation;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// Which survey question a phone number was last asked, so its reply is read as that question's answer.
/// A reply counts for the survey only when the survey is the newest question the number was sent (a slot
/// offer or a feedback question sent later takes the reply instead).
/// </summary>
public sealed class SurveyPrompts(StorageAccount storage, RecordSurveyReply record, TimeProvider time)
{
    private const string Partition = "awaiting-survey";

    public Task AskedAsync(string phone, string schoolId, string campaignId, int wave, string guardianId, SurveyAsked asked, string term, CancellationToken cancellationToken) =>
        storage.Table(StorageNames.RepliesTable).UpsertEntityAsync(
            new TableEntity(Partition, phone)
            {
                ["SchoolId"] = schoolId,
                ["CampaignId"] = campaignId,
                ["Wave"] = wave,
                ["GuardianId"] = guardianId,
                ["Asked"] = asked.ToString(),
                ["Term"] = term,
                ["At"] = time.GetUtcNow(),
            },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>Records the reply as survey answers when the survey is this number's newest question.</summary>
    public async Task<bool> TakeReplyAsync(string from, InboundMessage received, CancellationToken cancellationToken)
    {
        var table = storage.Table(StorageNames.RepliesTable);
        var prompt = await table.GetEntityIfExistsAsync<TableEntity>(Partition, from, cancellationToken: cancellationToken);
        if (!prompt.HasValue || prompt.Value!.GetDateTimeOffset("At") < time.GetUtcNow().AddDays(-14))
        {
            return false;
        }

        var askedAt = prompt.Value.GetDateTimeOffset("At");
        foreach (var other in new[] { "slot-offer", "awaiting-feedback" })
        {
            var newer = await table.GetEntityIfExistsAsync<TableEntity>(other, from, cancellationToken: cancellationToken);
            if (newer.HasValue && newer.Value!.GetDateTimeOffset("At") > askedAt)
            {
                return false;
            }
        }

        var row = prompt.Value;
        var answers = await record.RecordAsync(new SurveyReply
        {
            SchoolId = row.GetString("SchoolId")!,
            GuardianId = row.GetString("GuardianId")!,
            Asked = Enum.Parse<SurveyAsked>(row.GetString("Asked")!),
            Text = received.Text,
            InboundMessageId = received.EventId,
            ReceivedAt = received.ReceivedAt ?? time.GetUtcNow(),
            Term = row.GetString("Term") ?? "",
            CampaignId = row.GetString("CampaignId"),
            Wave = row.GetInt32("Wave"),
            Channel = GuardianChannels.ParticipationOf(received.Channel),
        }, cancellationToken);
        return answers.Count > 0;
    }
}
