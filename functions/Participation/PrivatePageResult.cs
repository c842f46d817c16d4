using System.Text;
using BkOutreach.Core.Participation;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BkOutreach.Functions.Participation;

/// <summary>
/// A staff page or export, with the <see cref="SecurityHeaders"/>: never cached, never sent as a referrer,
/// never framed, and allowed no script or outside resource.
/// </summary>
public sealed class PrivatePageResult : IActionResult
{
    private readonly Func<Stream, CancellationToken, Task> _write;
    private readonly string _contentType;
    private readonly string? _fileName;
    private readonly string? _html;

    public PrivatePageResult(string text, string contentType)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        _html = contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) ? text : null;
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
        SecurityHeaders.Apply(response, _html);
        if (_fileName is not null)
        {
            response.Headers.ContentDisposition = $"attachment; filename=\"{_fileName}\"";
        }

        await _write(response.Body, context.HttpContext.RequestAborted);
    }
}
