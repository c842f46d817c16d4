using BkOutreach.Core.Configuration;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Sms.Acs;
using BkOutreach.Core.WhatsApp;
using BkOutreach.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.WhatsApp;

public sealed class AdvancedMessagingWireTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(WhatsAppHarness.SchoolMorning);
    private FakeAdvancedMessagingServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeAdvancedMessagingServer.StartAsync(_clock);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SameKeyTwice_IsOneMessage_AndTheSecondAnswerIsTheFirst()
    {
        var sender = Sender(_server.ConnectionString);
        var message = Template("+6281234567890", "k-1");

        var first = await sender.SendAsync(message, default);
        var again = await sender.SendAsync(message, default);

        Assert.Equal(SmsSendStatus.Accepted, first.Status);
        Assert.Equal(first.MessageId, again.MessageId);
        var delivery = Assert.Single(_server.Deliveries);
        Assert.Equal(AdvancedMessagingSender.RepeatabilityIdOf("k-1"), delivery.RepeatabilityRequestId);
        Assert.NotEqual(RepeatabilityId.For("k-1"), delivery.RepeatabilityRequestId);
        Assert.Equal(["Ani", "https://bk.example.sch.id/api/b/tok"], delivery.BodyValues);
        Assert.Equal(["url:tok", "quickReply:1", "quickReply:2", "quickReply:3"], delivery.Buttons);
        Assert.Equal(1, _server.Repeats);
    }

    [Fact]
    public async Task WrongAccessKey_Is401AsAClearException_AndNothingIsSent()
    {
        var sender = Sender($"endpoint={_server.Endpoint};accesskey={Convert.ToBase64String(new byte[64])}");

        var ex = await Assert.ThrowsAsync<AcsSmsException>(() => sender.SendAsync(Template("+6281234567890", "k-2"), default));

        Assert.Equal(401, ex.Status);
        Assert.Contains("WhatsApp__ChannelRegistrationId", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Deliveries);
    }

    [Fact]
    public async Task Refusal_IsRejectedWithTheReason_AndText_GoesAsKindText()
    {
        _server.FaultFor = to => to.EndsWith('0') ? WhatsAppFault.Refuse : WhatsAppFault.None;
        var sender = Sender(_server.ConnectionString);

        var refused = await sender.SendAsync(Template("+6281234567890", "k-3"), default);
        var text = await sender.SendAsync(new WhatsAppMessage("+6281234567891", "k-4", _clock.GetUtcNow(), null, "Baik, sampai Sabtu.", "Baik, sampai Sabtu."), default);

        Assert.Equal(SmsSendStatus.Rejected, refused.Status);
        Assert.Contains("InvalidRecipient", refused.Error, StringComparison.Ordinal);
        Assert.Equal(SmsSendStatus.Accepted, text.Status);
        var delivery = Assert.Single(_server.Deliveries);
        Assert.Equal("text", delivery.Kind);
        Assert.Equal("Baik, sampai Sabtu.", delivery.Text);
    }

    [Fact]
    public void DeliveryStatusEvent_IsParsed()
    {
        var delivery = new WhatsAppDelivery("+6281234567890", "m-1", "template", "bk_outreach_id", "id", [], [], null, Guid.NewGuid().ToString());

        var parsed = Assert.IsType<AdvancedMessageDeliveryStatus>(Assert.Single(AcsEvents.Parse(_server.StatusEvent(delivery, "failed", "evt-9"))));

        Assert.Equal("evt-9", parsed.Id);
        Assert.Equal("m-1", parsed.MessageId);
        Assert.Equal("failed", parsed.Status);
        Assert.Equal("+6281234567890", parsed.To);
        Assert.Equal("131026", parsed.ErrorCode);
    }

    private AdvancedMessagingSender Sender(string connectionString)
    {
        var retries = new AcsSmsClientOptions();
        retries.Retry.Delay = TimeSpan.FromMilliseconds(10);
        return new AdvancedMessagingSender(
            new AcsSmsOptions { ConnectionString = connectionString, From = "+15550001111" },
            new WhatsAppOptions { ChannelRegistrationId = _server.ChannelRegistrationId },
            _clock,
            NullLogger<AdvancedMessagingSender>.Instance,
            retries);
    }

    private WhatsAppMessage Template(string to, string key) => new(
        to,
        key,
        _clock.GetUtcNow(),
        new WhatsAppTemplateContent("bk_outreach_id", "id", ["Ani", "https://bk.example.sch.id/api/b/tok"], new WhatsAppButtons("tok", ["1", "2", "3"])),
        null,
        "Bpk/Ibu wali Ani …");
}
