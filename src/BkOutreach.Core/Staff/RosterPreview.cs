using System.IO.Compression;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using BkOutreach.Core.Outreach;
using BkOutreach.Core.Storage;

namespace BkOutreach.Core.Staff;

/// <summary>An uploaded roster kept between its preview and its import, with what the preview showed.</summary>
public sealed record RosterUpload(string Id, string SchoolId, byte[] Csv, RosterImportMode Mode, int PreviewNew, int PreviewChanged, DateTimeOffset ExpiresAt);

/// <summary>
/// Keeps a roster file server-side from its preview to its import, so the import reads exactly the bytes that
/// were previewed (a browser cannot post a file again without the person choosing it again, and a copy held
/// by the page could be altered). An upload has a random 128-bit id, lives in the school's partition, is bound
/// to the person who uploaded it and expires after <see cref="Lifetime"/>; anyone else, another school or a
/// late import finds nothing. Stored gzip-compressed in rows of <see cref="ChunkBytes"/> (a table property holds
/// 64 KiB); the head row is written last, so a half-written upload is never found. Each new upload removes the
/// school's expired ones; an import removes its own.
/// </summary>
public sealed class RosterUploads(StorageAccount storage, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    public const int ChunkBytes = 60_000;

    /// <summary>Chunk rows per transaction: well under the 4 MiB request limit with base64 encoding.</summary>
    private const int ChunksPerTransaction = 40;

    private TableClient Table => storage.Table(StorageNames.RosterUploadsTable);

    public async Task<string> SaveAsync(string schoolId, string owner, byte[] csv, RosterImportMode mode, int previewNew, int previewChanged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        await DeleteExpiredAsync(schoolId, cancellationToken);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        byte[] packed;
        using (var buffer = new MemoryStream())
        {
            await using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                await zip.WriteAsync(csv, cancellationToken);
            }

            packed = buffer.ToArray();
        }

        var chunks = packed.Chunk(ChunkBytes).Select((bytes, i) => new TableEntity(schoolId, ChunkKey(id, i)) { ["Data"] = bytes }).ToList();
        foreach (var batch in chunks.Chunk(ChunksPerTransaction))
        {
            await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken);
        }

        await Table.AddEntityAsync(
            new TableEntity(schoolId, id)
            {
                ["Owner"] = owner,
                ["Chunks"] = chunks.Count,
                ["Mode"] = mode.ToString(),
                ["New"] = previewNew,
                ["Changed"] = previewChanged,
                ["ExpiresAt"] = time.GetUtcNow() + Lifetime,
            },
            cancellationToken);
        return id;
    }

    /// <summary>The upload, when it is this school's, was made by <paramref name="owner"/> and has not expired; otherwise null.</summary>
    public async Task<RosterUpload?> GetAsync(string schoolId, string owner, string id, CancellationToken cancellationToken)
    {
        if (id.Length != 32 || !id.All(Uri.IsHexDigit))
        {
            return null;
        }

        var head = await Table.GetEntityIfExistsAsync<TableEntity>(schoolId, id, cancellationToken: cancellationToken);
        if (!head.HasValue
            || head.Value!.GetString("Owner") != owner
            || head.Value.GetDateTimeOffset("ExpiresAt") is not { } expires
            || expires <= time.GetUtcNow()
            || !Enum.TryParse<RosterImportMode>(head.Value.GetString("Mode"), out var mode))
        {
            return null;
        }

        using var packed = new MemoryStream();
        var count = head.Value.GetInt32("Chunks") ?? 0;
        await foreach (var chunk in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == schoolId && e.RowKey.CompareTo(id + "|") > 0 && e.RowKey.CompareTo(id + "~") < 0, cancellationToken: cancellationToken))
        {
            await packed.WriteAsync(chunk.GetBinary("Data"), cancellationToken);
            count--;
        }

        if (count != 0)
        {
            return null;
        }

        packed.Position = 0;
        using var csv = new MemoryStream();
        await using (var unzip = new GZipStream(packed, CompressionMode.Decompress))
        {
            await unzip.CopyToAsync(csv, cancellationToken);
        }

        return new RosterUpload(id, schoolId, csv.ToArray(), mode, head.Value.GetInt32("New") ?? 0, head.Value.GetInt32("Changed") ?? 0, expires);
    }

    /// <summary>Removes the upload (its head first, so it is never found half-deleted).</summary>
    public async Task DeleteAsync(string schoolId, string id, CancellationToken cancellationToken)
    {
        try
        {
            await Table.DeleteEntityAsync(schoolId, id, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already removed by a parallel import of the same upload.
        }

        var rows = new List<TableEntity>();
        await foreach (var chunk in Table.QueryAsync<TableEntity>(
            e => e.PartitionKey == schoolId && e.RowKey.CompareTo(id + "|") > 0 && e.RowKey.CompareTo(id + "~") < 0, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(chunk);
        }

        foreach (var batch in rows.Chunk(100))
        {
            try
            {
                await Table.SubmitTransactionAsync(batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // Removed meanwhile by a parallel delete.
            }
        }
    }

    private async Task DeleteExpiredAsync(string schoolId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expired = new List<string>();
        await foreach (var head in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {schoolId} and ExpiresAt lt {now}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            expired.Add(head.RowKey);
        }

        foreach (var id in expired)
        {
            await DeleteAsync(schoolId, id, cancellationToken);
        }
    }

    private static string ChunkKey(string id, int index) => $"{id}|{index:D4}";
}
