using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NodaTime;

namespace BkOutreach.Core.Calendar;

/// <summary>
/// Conditional-request helpers for feeds: a strong ETag from the exact bytes and the RFC 9110 decision
/// whether to answer 304. Feeds carry no Last-Modified, on purpose: what a feed shows changes with things
/// no single time stamp follows — slots leave the open-slot feed when booked and as the clock passes their
/// notice, a counsellor's feed shows the guardians' and school's current names, a booking and its cancellation
/// can fall in the same second (HTTP dates have whole seconds) — so any date we sent could stay still while
/// the bytes change, and a client asking If-Modified-Since would get a 304 for a stale feed. The ETag names
/// the bytes themselves; with no Last-Modified, If-Modified-Since is ignored (RFC 9110 §13.1.3).
/// </summary>
public static class CalendarHttp
{
    public static byte[] Encode(string calendarText) => new UTF8Encoding(false).GetBytes(calendarText);

    /// <summary>Strong ETag: the quoted base64url SHA-256 of the bytes sent.</summary>
    public static string ETag(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Quote(hash);
    }

    /// <summary>
    /// A strong ETag for the feed <see cref="CalendarRenderer.RenderFeed"/> makes of these inputs, computed
    /// without rendering it: SHA-256 over every field of every event (in any order, as the renderer sorts
    /// them), the calendar's name, the zone and its tzdb version, and the build of the renderer (its
    /// module version id, which changes whenever its code does), so equal ETags mean equal bytes.
    /// </summary>
    public static string Validator(string calendarName, DateTimeZone zone, IReadOnlyCollection<FeedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(events);
        var eventHashes = events.Select(EventHash).ToList();
        eventHashes.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var header = new StringBuilder();
        Field(header, RendererBuild);
        Field(header, calendarName);
        Field(header, zone.Id);
        Field(header, DateTimeZoneProviders.Tzdb.VersionId);
        hash.AppendData(Encoding.UTF8.GetBytes(header.ToString()));
        foreach (var eventHash in eventHashes)
        {
            hash.AppendData(eventHash);
        }

        return Quote(hash.GetHashAndReset());
    }

    /// <summary>Whether a GET or HEAD with this If-None-Match gets 304 Not Modified.</summary>
    public static bool IsNotModified(string? ifNoneMatch, string etag)
    {
        if (string.IsNullOrWhiteSpace(ifNoneMatch))
        {
            return false;
        }

        // Weak comparison, as RFC 9110 asks for If-None-Match: W/"x" matches "x".
        return ifNoneMatch.Split(',').Select(t => t.Trim()).Any(tag =>
            tag == "*" || string.Equals(StripWeak(tag), StripWeak(etag), StringComparison.Ordinal));
    }

    private static readonly string RendererBuild = typeof(CalendarRenderer).Assembly.ManifestModule.ModuleVersionId.ToString("N")
        + "/" + typeof(Ical.Net.Calendar).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    private static string Quote(ReadOnlySpan<byte> hash) =>
        "\"" + Convert.ToBase64String(hash).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "\"";

    private static byte[] EventHash(FeedEvent e)
    {
        var text = new StringBuilder();
        Field(text, e.Uid);
        Field(text, e.Start.ToUnixTimeTicks().ToString(CultureInfo.InvariantCulture));
        Field(text, e.End.ToUnixTimeTicks().ToString(CultureInfo.InvariantCulture));
        Field(text, e.Summary);
        Field(text, e.Description);
        Field(text, e.Location);
        Field(text, e.Url?.OriginalString);
        Field(text, e.Status.ToString());
        Field(text, e.Sequence.ToString(CultureInfo.InvariantCulture));
        Field(text, e.LastModified.ToUnixTimeTicks().ToString(CultureInfo.InvariantCulture));
        Field(text, e.Transparent ? "T" : "O");
        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
    }

    // Length-prefixed, so no two different field lists read the same; null differs from "".
    private static void Field(StringBuilder text, string? value) =>
        text.Append(value is null ? "-" : value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('|');

    private static string StripWeak(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
}
