namespace BkOutreach.Core.Participation;

/// <summary>A guardian's reply (SMS or WhatsApp) to a survey message, as the inbound handler knows it. <see cref="Text"/> is never stored.</summary>
public sealed record SurveyReply
{
    public required string SchoolId { get; init; }

    public required string GuardianId { get; init; }

    public required SurveyAsked Asked { get; init; }

    public required string Text { get; init; }

    /// <summary>The provider's id of the inbound message: the same reply delivered twice is recorded once.</summary>
    public required string InboundMessageId { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public string Term { get; init; } = "";

    public string? CampaignId { get; init; }

    public int? Wave { get; init; }

    public IReadOnlyList<string> Classes { get; init; } = [];

    public string? CounselorId { get; init; }

    /// <summary>Where the reply came from: <see cref="ParticipationChannel.Sms"/> or <see cref="ParticipationChannel.WhatsApp"/>.</summary>
    public ParticipationChannel Channel { get; init; } = ParticipationChannel.Sms;
}

/// <summary>Parses a survey reply and records each answered question as a <c>survey_answer</c> fact (codes only, never the text).</summary>
public sealed class RecordSurveyReply(ParticipationLog log)
{
    /// <returns>The answers read from the reply; empty when it answers nothing (the caller may ask again).</returns>
    public async Task<IReadOnlyList<SurveyAnswer>> RecordAsync(SurveyReply reply, CancellationToken cancellationToken)
    {
        var answers = SurveyParser.Answers(reply.Asked, reply.Text);
        var events = answers.Select(a => new ParticipationEvent
        {
            FactKey = FactKeys.SurveyAnswer(reply.InboundMessageId, SurveyAnswer.ToWire(a.Question)),
            Kind = ParticipationKind.SurveyAnswer,
            SchoolId = reply.SchoolId,
            GuardianId = reply.GuardianId,
            Channel = reply.Channel,
            OccurredAt = reply.ReceivedAt,
            Term = reply.Term,
            CampaignId = reply.CampaignId,
            Wave = reply.Wave,
            Classes = reply.Classes,
            CounselorId = reply.CounselorId,
            Value = a.ToValue(),
        });
        await log.RecordManyAsync(events, cancellationToken);
        return answers;
    }
}
