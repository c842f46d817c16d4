using BkOutreach.Core.Schools;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Staff;
using BkOutreach.Core.WhatsApp;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Staff;

/// <summary>A counsellor's answer goes by WhatsApp free text only inside the parent's 24-hour window, by SMS otherwise, once either way.</summary>
public sealed class ChannelParentReplySenderTests
{
    private static readonly DateTimeOffset Now = new(2027, 1, 11, 3, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true, null, true, SmsSendStatus.Accepted, "whatsapp")]
    [InlineData(true, MessageChannel.WhatsApp, true, SmsSendStatus.Accepted, "whatsapp")]
    [InlineData(true, null, false, SmsSendStatus.Accepted, "sms")]
    [InlineData(true, MessageChannel.Sms, true, SmsSendStatus.Accepted, "sms")]
    [InlineData(false, null, true, SmsSendStatus.Accepted, "sms")]
    [InlineData(true, null, true, SmsSendStatus.Rejected, "sms")]
    public async Task TheAnswerTakesOneChannel(bool whatsAppEnabled, MessageChannel? chosen, bool windowOpen, SmsSendStatus whatsAppAnswer, string expected)
    {
        var sms = new CountingSms();
        var whatsApp = new CountingWhatsApp(whatsAppAnswer);
        var options = new WhatsAppOptions { ChannelRegistrationId = whatsAppEnabled ? Guid.NewGuid().ToString() : null };
        var sender = new ChannelParentReplySender(new ChannelAnswers(sms, whatsApp, new Window(windowOpen), Options.Create(options), new FakeTimeProvider(Now)));
        var guardian = new Guardian("g1", "s1", "+6281234567890", "Ibu Sari", "id", []) { Channel = chosen };

        var result = await sender.SendAsync(new ParentReply("s1", "bk-1", guardian, "a1", "Bisa, Minggu sore jam 16.00.", Now), CancellationToken.None);

        Assert.Equal(expected == "whatsapp" ? MessageChannel.WhatsApp : MessageChannel.Sms, result.Channel);
        Assert.Equal(expected == "sms" ? 1 : 0, sms.Sent.Count);
        var expectWhatsAppTries = whatsAppEnabled && chosen != MessageChannel.Sms && windowOpen ? 1 : 0;
        Assert.Equal(expectWhatsAppTries, whatsApp.Sent.Count);
        Assert.All(sms.Sent, m => Assert.Equal(SmsParentReplySender.IdempotencyKey("a1"), m.IdempotencyKey));
        Assert.All(whatsApp.Sent, m => Assert.Equal((SmsParentReplySender.IdempotencyKey("a1"), "Bisa, Minggu sore jam 16.00.", (WhatsAppTemplateContent?)null), (m.IdempotencyKey, m.Text, m.Template)));
    }

    private sealed class CountingSms : ISmsSender
    {
        public List<SmsMessage> Sent { get; } = [];

        public int MaxBatchSize => 100;

        public Task<IReadOnlyList<SmsSendResult>> SendAsync(IReadOnlyList<SmsMessage> messages, CancellationToken cancellationToken)
        {
            Sent.AddRange(messages);
            return Task.FromResult<IReadOnlyList<SmsSendResult>>([.. messages.Select(m => new SmsSendResult(m.IdempotencyKey, SmsSendStatus.Accepted, "sms-" + Sent.Count, null))]);
        }
    }

    private sealed class CountingWhatsApp(SmsSendStatus answer) : IWhatsAppSender
    {
        public List<WhatsAppMessage> Sent { get; } = [];

        public Task<WhatsAppSendResult> SendAsync(WhatsAppMessage message, CancellationToken cancellationToken)
        {
            Sent.Add(message);
            return Task.FromResult(new WhatsAppSendResult(answer, answer == SmsSendStatus.Accepted ? "wa-1" : null, answer == SmsSendStatus.Accepted ? null : "refused"));
        }
    }

    private sealed class Window(bool open) : IWhatsAppWindow
    {
        public Task<bool> IsOpenAsync(string phone, DateTimeOffset now, CancellationToken ct) => Task.FromResult(open);
    }
}
