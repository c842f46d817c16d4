using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NodaTime;

namespace BkOutreach.Core.Calendar;

/// <summary>
/// Conditional-request helpers for feeds: a strong ETag from the exact bytes, Last-Modified from the data,
/// and the RFC 9110 decision whether to answer 304 (If-None-Match wins over If-Modified-Since).
/// </summary>
public static class CalendarHttp
{
    public static byte[] Encode(string calendarText) => new UTF8Encoding(false).GetBytes(calendarText);

    /// <summary>Strong ETag: the quoted base64url SHA-256 of the bytes sent.</summary>
    public static string ETag(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        var base64 = Convert.ToBase64String(hash).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return "\"" + base64 + "\"";
    }

    /// <summary>The latest LastModified of the events, or null for an empty feed.</summary>
    public static Instant? LastModified(IEnumerable<FeedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Instant? latest = null;
        foreach (var item in events)
        {
            if (latest is null || item.LastModified > latest)
            {
                latest = item.LastModified;
            }
        }

        return latest;
    }

    /// <summary>The Last-Modified header value (IMF-fixdate, whole seconds).</summary>
    public static string HttpDate(Instant instant) =>
        instant.ToDateTimeOffset().ToString("r", CultureInfo.InvariantCulture);

    /// <summary>Whether a GET with these headers gets 304 Not Modified.</summary>
    public static bool IsNotModified(string? ifNoneMatch, string? ifModifiedSince, string etag, Instant? lastModified)
    {
        if (!string.IsNullOrWhiteSpace(ifNoneMatch))
        {
            // Weak comparison, as RFC 9110 asks for If-None-Match: W/"x" matches "x".
            return ifNoneMatch.Split(',').Select(t => t.Trim()).Any(tag =>
                tag == "*" || string.Equals(StripWeak(tag), StripWeak(etag), StringComparison.Ordinal));
        }

        if (lastModified is { } modified && !string.IsNullOrWhiteSpace(ifModifiedSince)
            && DateTimeOffset.TryParseExact(ifModifiedSince.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since))
        {
            // HTTP dates have whole seconds; compare the feed's time truncated to the second.
            var seconds = Instant.FromUnixTimeSeconds(modified.ToUnixTimeSeconds());
            return seconds <= Instant.FromDateTimeOffset(since);
        }

        return false;
    }

    private static string StripWeak(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
}
