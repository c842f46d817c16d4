using System.Text;
using BkOutreach.Core.Participation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Participation;

/// <summary>
/// An admin page or export: never cached, never sent as a referrer (its URL may carry <c>?code=</c>), never
/// framed, and allowed no script or outside resource.
/// </summary>
public sealed class PrivatePageResult : IActionResult
{
    private readonly Func<Stream, CancellationToken, Task> _write;
    private readonly string _contentType;
    private readonly string? _fileName;

    public PrivatePageResult(string text, string contentType)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        _write = (body, ct) => body.WriteAsync(bytes, ct).AsTask();
        _contentType = contentType;
    }

    public PrivatePageResult(CsvExport export)
    {
        _write = export.WriteAsync;
        _contentType = CsvExport.ContentType;
        _fileName = export.FileName;
    }

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = _contentType;
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["Content-Security-Policy"] = DashboardRenderer.ContentSecurityPolicy;
        if (_fileName is not null)
        {
            response.Headers.ContentDisposition = $"attachment; filename=\"{_fileName}\"";
        }

        await _write(response.Body, context.HttpContext.RequestAborted);
    }
}
