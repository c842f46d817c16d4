using System.Net.Http.Json;
using System.Text.Json;
using BkOutreach.Core.Sms;
using BkOutreach.Tests.Infrastructure;

namespace BkOutreach.Tests.Core;

public sealed class OutboxTests : IAsyncLifetime
{
    private TestRunner _runner = null!;

    public async Task InitializeAsync() => _runner = await TestRunner.StartAsync();

    public async Task DisposeAsync() => await _runner.DisposeAsync();

    [Fact]
    public async Task Outbox_StoresEachKeyOnce_AndShowsItEscaped()
    {
        var sender = _runner.Services.GetRequiredService<ISmsSender>();
        var key = "test/" + Guid.NewGuid().ToString("N");
        var message = new SmsMessage("+6281200000001", "Halo <b>Ibu</b> & Bapak", key);

        var first = await sender.SendAsync([message], CancellationToken.None);
        var second = await sender.SendAsync([message with { Body = "changed" }], CancellationToken.None);

        Assert.Equal(SmsSendStatus.Accepted, first[0].Status);
        Assert.False(first[0].WasRepeat);
        Assert.True(second[0].WasRepeat);
        Assert.Equal(first[0].MessageId, second[0].MessageId);

        var json = await _runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json");
        var stored = json.EnumerateArray().Where(m => m.GetProperty("idempotencyKey").GetString() == key).ToList();
        Assert.Single(stored);
        Assert.Equal("Halo <b>Ibu</b> & Bapak", stored[0].GetProperty("body").GetString());
        Assert.Equal(1, stored[0].GetProperty("segments").GetInt32());

        var html = await _runner.Http.GetStringAsync("dev/outbox");
        Assert.Contains("Halo &lt;b&gt;Ibu&lt;/b&gt; &amp; Bapak", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>Ibu</b>", html, StringComparison.Ordinal);
    }
}
