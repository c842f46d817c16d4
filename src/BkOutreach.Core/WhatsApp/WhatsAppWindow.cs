using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.WhatsApp;

/// <summary>
/// WhatsApp's customer-service window: free text (not an approved template) may go to a number only within
/// <see cref="Length"/> after that number last wrote to the business number. Kept per phone number (the
/// window belongs to the conversation with the number, not to a school) as one row in the <c>replies</c>
/// table holding the latest inbound time; a time from the provider later than our clock counts as now, so a
/// skewed timestamp never stretches the window past what WhatsApp allows. An erasure deletes the row once no
/// school has the number (<see cref="Privacy.GuardianErasure"/>).
/// </summary>
public sealed class WhatsAppWindow(StorageAccount storage, TimeProvider time)
{
    /// <summary>The partition of the window rows in the <c>replies</c> table (row key: the E.164 number).</summary>
    public const string Partition = "wa-window";

    /// <summary>How long after the parent's last message free text may be sent.</summary>
    public static readonly TimeSpan Length = TimeSpan.FromHours(24);

    private TableClient Table => storage.Table(StorageNames.RepliesTable);

    /// <summary>
    /// Notes a message from <paramref name="phone"/> received at <paramref name="at"/>. Only a later time moves
    /// the window (events arrive late and out of order); concurrent writers are guarded by the row's ETag.
    /// </summary>
    public async Task RecordInboundAsync(string phone, DateTimeOffset at, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var inbound = (at > now ? now : at).ToUniversalTime();
        while (true)
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, phone, cancellationToken: ct);
            try
            {
                if (!row.HasValue)
                {
                    await Table.AddEntityAsync(new TableEntity(Partition, phone) { ["At"] = inbound }, ct);
                    return;
                }

                if (row.Value!.GetDateTimeOffset("At") is { } stored && stored >= inbound)
                {
                    return;
                }

                await Table.UpdateEntityAsync(new TableEntity(Partition, phone) { ["At"] = inbound }, row.Value.ETag, TableUpdateMode.Replace, ct);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another message of the number was recorded meanwhile: read again and keep the later time.
            }
        }
    }

    /// <summary>True while free text may go to <paramref name="phone"/>: it wrote less than <see cref="Length"/> before <paramref name="now"/>.</summary>
    public async Task<bool> IsOpenAsync(string phone, DateTimeOffset now, CancellationToken ct)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, phone, select: ["At"], cancellationToken: ct);
        return row.HasValue && row.Value!.GetDateTimeOffset("At") is { } at && now < at + Length;
    }
}
