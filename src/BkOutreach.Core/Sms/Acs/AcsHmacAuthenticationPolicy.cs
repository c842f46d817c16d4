using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace BkOutreach.Core.Sms.Acs;

/// <summary>
/// ACS access-key authentication. Signs <c>VERB\npath?query\ndate;host;contentHash</c> with HMAC-SHA256
/// under the decoded access key, where the host carries its port when it is not the scheme's default and
/// the content hash is base64(SHA-256(body)). Placed after the retry policy so every attempt gets a fresh
/// date and signature (ACS refuses stale dates).
/// </summary>
public sealed class AcsHmacAuthenticationPolicy(byte[] accessKey, TimeProvider time) : HttpPipelinePolicy
{
    public const string DateHeader = "x-ms-date";
    public const string ContentHashHeader = "x-ms-content-sha256";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var buffer = new MemoryStream();
        message.Request.Content?.WriteTo(buffer, message.CancellationToken);
        Sign(message, Hash(buffer));
        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var buffer = new MemoryStream();
        if (message.Request.Content is { } content)
        {
            await content.WriteToAsync(buffer, message.CancellationToken);
        }

        Sign(message, Hash(buffer));
        await ProcessNextAsync(message, pipeline);
    }

    private static string StringToSign(string method, string pathAndQuery, string date, string host, string contentHash) =>
        $"{method}\n{pathAndQuery}\n{date};{host};{contentHash}";

    private static string Signature(byte[] key, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    private void Sign(HttpMessage message, string contentHash)
    {
        var uri = message.Request.Uri.ToUri();
        var date = time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);
        var toSign = StringToSign(message.Request.Method.Method, uri.PathAndQuery, date, uri.Authority, contentHash);
        message.Request.Headers.SetValue(DateHeader, date);
        message.Request.Headers.SetValue(ContentHashHeader, contentHash);
        message.Request.Headers.SetValue(HttpHeader.Names.Authorization,
            $"HMAC-SHA256 SignedHeaders={DateHeader};host;{ContentHashHeader}&Signature={Signature(accessKey, toSign)}");
    }

    private static string Hash(MemoryStream buffer) =>
        Convert.ToBase64String(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
}
