using System.Net;
using System.Text;
using BkOutreach.Core.Sms;
using BkOutreach.Functions.Http;

namespace BkOutreach.LocalRunner;

/// <summary><c>GET /dev/outbox</c>: what the outbox provider stored (HTML; <c>?format=json</c> for JSON). Local runner only.</summary>
public static class DevOutboxEndpoint
{
    public static void Map(WebApplication app) =>
        app.MapGet("/dev/outbox", async (HttpContext context, OutboxSmsSender outbox, CancellationToken cancellationToken) =>
        {
            var messages = await outbox.ListAsync(cancellationToken);
            if (string.Equals(context.Request.Query["format"], "json", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Json(messages);
            }

            var html = Render(messages);
            SecurityHeaders.Apply(context.Response, html);
            return Results.Content(html, "text/html; charset=utf-8");
        });

    private static string Render(IReadOnlyList<OutboxMessage> messages)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append("<title>SMS outbox</title><style>body{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}article{border:1px solid #ccc;border-radius:.5rem;padding:.5rem 1rem;margin:.5rem 0}pre{white-space:pre-wrap;font:inherit}small{color:#555}</style></head><body>")
            .Append("<h1>SMS outbox</h1><p>Messages the outbox provider stored instead of sending (").Append(messages.Count).Append("). <a href=\"?format=json\">JSON</a></p>");
        foreach (var m in messages)
        {
            html.Append("<article><small>").Append(E(m.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture))).Append(" · ").Append(E(m.Channel)).Append(" to ")
                .Append(E(m.To)).Append(" · ").Append(m.Segments).Append(m.Segments == 1 ? " segment" : " segments").Append(" · key ").Append(E(m.IdempotencyKey))
                .Append("</small><pre>").Append(E(m.Body)).Append("</pre></article>");
        }

        return html.Append("</body></html>").ToString();
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
