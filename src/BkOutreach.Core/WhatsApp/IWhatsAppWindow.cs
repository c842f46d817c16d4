namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// WhatsApp's customer-service window: free text (kind <c>text</c>) may go to a number only within 24 hours
/// after that number last wrote to us; outside it only approved templates may.
/// </summary>
public interface IWhatsAppWindow
{
    Task<bool> IsOpenAsync(string phone, DateTimeOffset now, CancellationToken ct);
}

/// <summary>The default until inbound WhatsApp messages are recorded: never open, so only templates are sent.</summary>
public sealed class ClosedWhatsAppWindow : IWhatsAppWindow
{
    public Task<bool> IsOpenAsync(string phone, DateTimeOffset now, CancellationToken ct) => Task.FromResult(false);
}
