using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BkOutreach.Tests.Fakes;

/// <summary>One request the fake received, with the status it answered (0 when the response was dropped).</summary>
public sealed record FakeGraphRequest(string Method, string Path, string Body, string? Prefer, string? RetryAttempt, bool HasAuthorization, int Status);

/// <summary>An event in a fake mailbox, as the last write left it.</summary>
public sealed record FakeGraphEvent(
    string Id,
    string Upn,
    string? TransactionId,
    string? Subject,
    string? BodyContent,
    string StartDateTime,
    string StartTimeZone,
    string EndDateTime,
    string EndTimeZone,
    bool IsOnlineMeeting,
    string? OnlineMeetingProvider,
    string? JoinUrl,
    string? Location,
    bool IsCancelled,
    bool IsDeleted,
    string? CancelComment)
{
    public DateTimeOffset StartUtc => ToUtc(StartDateTime, StartTimeZone);

    public DateTimeOffset EndUtc => ToUtc(EndDateTime, EndTimeZone);

    private static DateTimeOffset ToUtc(string dateTime, string timeZone)
    {
        var local = DateTime.SpecifyKind(DateTime.Parse(dateTime, CultureInfo.InvariantCulture), DateTimeKind.Unspecified);
        var zone = timeZone == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }
}

/// <summary>
/// A Microsoft Graph stand-in on real HTTP (Kestrel on 127.0.0.1, a free port) that speaks the JSON of the
/// calendar endpoints the app uses: getSchedule, create (honouring transactionId), PATCH, cancel and
/// DELETE of events under <c>/v1.0/users/{upn}</c>. Tests script failures (the next N requests answer
/// 429/503 with Retry-After, an outage, a dropped response after the work was done) and read the request log.
/// </summary>
public sealed partial class FakeGraphServer : IAsyncDisposable
{
    /// <summary>The SDK writes action parameters in PascalCase (<c>Comment</c>, <c>Schedules</c>); Graph reads names case-insensitively.</summary>
    public static readonly JsonNodeOptions ActionBody = new() { PropertyNameCaseInsensitive = true };

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<FakeGraphRequest> _requests = [];
    private readonly List<FakeGraphEvent> _events = [];
    private readonly Dictionary<string, List<(DateTimeOffset Start, DateTimeOffset End, string Status)>> _schedules = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _brokenMailboxes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Queue<(int Status, int? RetryAfter)> _failures = new();
    private (int Status, int? RetryAfter)? _outage;
    private int _responsesToLose;
    private int _nextId;

    private FakeGraphServer(WebApplication app, string root)
    {
        _app = app;
        BaseUrl = root + "/v1.0";
    }

    /// <summary>The base URL to put in <c>Graph__BaseUrl</c>, version segment included.</summary>
    public string BaseUrl { get; }

    /// <summary>When true, POST …/cancel answers 400 as Graph does for a mailbox that is not the organizer.</summary>
    public bool RefuseCancel { get; set; }

    public IReadOnlyList<FakeGraphRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyList<FakeGraphEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public static async Task<FakeGraphServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeGraphServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeGraphServer(app, address.TrimEnd('/'));
        return server;
    }

    /// <summary>Adds an item to a mailbox's free/busy; status as Graph spells it (free, tentative, busy, oof, workingElsewhere).</summary>
    public void AddScheduleItem(string upn, DateTimeOffset start, DateTimeOffset end, string status = "busy")
    {
        lock (_gate)
        {
            if (!_schedules.TryGetValue(upn, out var items))
            {
                _schedules[upn] = items = [];
            }

            items.Add((start, end, status));
        }
    }

    /// <summary>getSchedule answers this mailbox with a per-schedule error, as Graph does for an unknown or disabled mailbox.</summary>
    public void BreakMailbox(string upn)
    {
        lock (_gate)
        {
            _brokenMailboxes.Add(upn);
        }
    }

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="status"/> (with Retry-After when given) and do nothing.</summary>
    public void FailNext(int count, int status = 429, int? retryAfterSeconds = 1)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _failures.Enqueue((status, retryAfterSeconds));
            }
        }
    }

    /// <summary>Every request answers <paramref name="status"/> until <see cref="EndOutage"/>.</summary>
    public void StartOutage(int status = 503, int? retryAfterSeconds = 0)
    {
        lock (_gate)
        {
            _outage = (status, retryAfterSeconds);
        }
    }

    public void EndOutage()
    {
        lock (_gate)
        {
            _outage = null;
        }
    }

    /// <summary>The next <paramref name="count"/> requests are carried out, then the connection is dropped before the answer.</summary>
    public void LoseNextResponses(int count = 1)
    {
        lock (_gate)
        {
            _responsesToLose += count;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        var path = request.Path.Value ?? "";
        var log = new FakeGraphRequest(
            request.Method,
            Uri.UnescapeDataString(path),
            body,
            request.Headers["Prefer"].FirstOrDefault(),
            request.Headers["Retry-Attempt"].FirstOrDefault(),
            request.Headers.Authorization.Count > 0,
            0);

        (int Status, int? RetryAfter)? failure;
        bool lose;
        lock (_gate)
        {
            failure = _outage ?? (_failures.Count > 0 ? _failures.Dequeue() : null);
            lose = failure is null && _responsesToLose > 0;
            if (lose)
            {
                _responsesToLose--;
            }
        }

        if (failure is { } f)
        {
            Record(log with { Status = f.Status });
            if (f.RetryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            await WriteErrorAsync(context, f.Status, f.Status == 429 ? "TooManyRequests" : "ServiceNotAvailable", "Scripted failure.");
            return;
        }

        var (status, json) = Route(request.Method, path, body, log.Prefer);
        Record(log with { Status = lose ? 0 : status });
        if (lose)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = status;
        if (json is not null)
        {
            context.Response.ContentType = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";
            await context.Response.WriteAsync(json.ToJsonString());
        }
    }

    private (int Status, JsonNode? Json) Route(string method, string path, string body, string? prefer)
    {
        if (SchedulePath().Match(path) is { Success: true } schedule && method == "POST")
        {
            return GetSchedule(Uri.UnescapeDataString(schedule.Groups["upn"].Value), body, prefer);
        }

        if (EventsPath().Match(path) is { Success: true } events && method == "POST")
        {
            return CreateEvent(Uri.UnescapeDataString(events.Groups["upn"].Value), body);
        }

        if (EventPath().Match(path) is { Success: true } one)
        {
            var upn = Uri.UnescapeDataString(one.Groups["upn"].Value);
            var id = Uri.UnescapeDataString(one.Groups["id"].Value);
            var action = one.Groups["action"].Value;
            return (method, action) switch
            {
                ("PATCH", "") => UpdateEvent(upn, id, body),
                ("GET", "") => Find(upn, id) is { } e ? (200, EventJson(e)) : NotFound(),
                ("DELETE", "") => DeleteEvent(upn, id),
                ("POST", "/cancel") => CancelEvent(upn, id, body),
                _ => (405, Error("ErrorInvalidRequest", "Method not allowed.")),
            };
        }

        return (404, Error("UnknownError", "Resource not found for the segment."));
    }

    private (int, JsonNode?) GetSchedule(string upn, string body, string? prefer)
    {
        var request = JsonNode.Parse(body, ActionBody)!;
        var start = ReadDateTimeTimeZone(request["startTime"]!);
        var end = ReadDateTimeTimeZone(request["endTime"]!);
        var interval = request["availabilityViewInterval"]?.GetValue<int>() ?? 30;
        var zoneName = PreferredZone(prefer) ?? "UTC";
        var zone = zoneName == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        var value = new JsonArray();
        foreach (var scheduleId in request["schedules"]!.AsArray().Select(s => s!.GetValue<string>()))
        {
            lock (_gate)
            {
                if (_brokenMailboxes.Contains(scheduleId) || !string.Equals(scheduleId, upn, StringComparison.OrdinalIgnoreCase) && !_schedules.ContainsKey(scheduleId))
                {
                    value.Add(new JsonObject
                    {
                        ["scheduleId"] = scheduleId,
                        ["availabilityView"] = "",
                        ["error"] = new JsonObject { ["message"] = "The mailbox could not be found.", ["responseCode"] = "ErrorMailboxNotFound" },
                    });
                    continue;
                }

                var items = (_schedules.TryGetValue(scheduleId, out var list) ? list : [])
                    .Where(i => i.Start < end && start < i.End)
                    .OrderBy(i => i.Start)
                    .ToList();
                var view = new StringBuilder();
                for (var t = start; t < end; t = t.AddMinutes(interval))
                {
                    var slotEnd = t.AddMinutes(interval);
                    view.Append(items.Where(i => i.Start < slotEnd && t < i.End).Select(i => ViewCode(i.Status)).DefaultIfEmpty('0').Max());
                }

                var scheduleItems = new JsonArray();
                foreach (var item in items)
                {
                    scheduleItems.Add(new JsonObject
                    {
                        ["isPrivate"] = false,
                        ["status"] = item.Status,
                        ["subject"] = "Rapat",
                        ["location"] = "",
                        ["start"] = WriteDateTimeTimeZone(item.Start, zone, zoneName),
                        ["end"] = WriteDateTimeTimeZone(item.End, zone, zoneName),
                    });
                }

                value.Add(new JsonObject
                {
                    ["scheduleId"] = scheduleId,
                    ["availabilityView"] = view.ToString(),
                    ["scheduleItems"] = scheduleItems,
                    ["workingHours"] = new JsonObject
                    {
                        ["daysOfWeek"] = new JsonArray("monday", "tuesday", "wednesday", "thursday", "friday"),
                        ["startTime"] = "07:00:00.0000000",
                        ["endTime"] = "15:00:00.0000000",
                        ["timeZone"] = new JsonObject { ["name"] = "SE Asia Standard Time" },
                    },
                });
            }
        }

        return (200, new JsonObject
        {
            ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
            ["value"] = value,
        });
    }

    private (int, JsonNode?) CreateEvent(string upn, string body)
    {
        var json = JsonNode.Parse(body, ActionBody)!.AsObject();
        var transactionId = json["transactionId"]?.GetValue<string>();
        lock (_gate)
        {
            if (transactionId is not null
                && _events.FirstOrDefault(e => e.TransactionId == transactionId && string.Equals(e.Upn, upn, StringComparison.OrdinalIgnoreCase)) is { } existing)
            {
                return (201, EventJson(existing));
            }

            var id = $"AAMkAGFake{++_nextId:D6}";
            var created = Apply(new FakeGraphEvent(id, upn, transactionId, null, null, "", "UTC", "", "UTC", false, null, null, null, false, false, null), json);
            _events.Add(created);
            return (201, EventJson(created));
        }
    }

    private (int, JsonNode?) UpdateEvent(string upn, string id, string body)
    {
        lock (_gate)
        {
            if (Find(upn, id) is not { } current)
            {
                return NotFound();
            }

            var updated = Apply(current, JsonNode.Parse(body, ActionBody)!.AsObject());
            _events[_events.IndexOf(current)] = updated;
            return (200, EventJson(updated));
        }
    }

    private (int, JsonNode?) CancelEvent(string upn, string id, string body)
    {
        lock (_gate)
        {
            if (Find(upn, id) is not { } current)
            {
                return NotFound();
            }

            if (RefuseCancel)
            {
                return (400, Error("ErrorAccessDenied", "Your request can't be completed. You need to be an organizer to cancel a meeting."));
            }

            var comment = string.IsNullOrEmpty(body) ? null : JsonNode.Parse(body, ActionBody)?["comment"]?.GetValue<string>();
            _events[_events.IndexOf(current)] = current with { IsCancelled = true, CancelComment = comment };
            return (202, null);
        }
    }

    private (int, JsonNode?) DeleteEvent(string upn, string id)
    {
        lock (_gate)
        {
            if (Find(upn, id) is not { } current)
            {
                return NotFound();
            }

            _events[_events.IndexOf(current)] = current with { IsDeleted = true };
            return (204, null);
        }
    }

    /// <summary>Cancelled and deleted events are gone from the calendar, as in Graph (they move to Deleted Items).</summary>
    private FakeGraphEvent? Find(string upn, string id)
    {
        lock (_gate)
        {
            return _events.FirstOrDefault(e => e.Id == id && string.Equals(e.Upn, upn, StringComparison.OrdinalIgnoreCase) && !e.IsCancelled && !e.IsDeleted);
        }
    }

    private FakeGraphEvent Apply(FakeGraphEvent e, JsonObject json)
    {
        var result = e;
        if (json["subject"] is { } subject)
        {
            result = result with { Subject = subject.GetValue<string>() };
        }

        if (json["body"]?["content"] is { } content)
        {
            result = result with { BodyContent = content.GetValue<string>() };
        }

        if (json["start"] is { } start)
        {
            result = result with { StartDateTime = start["dateTime"]!.GetValue<string>(), StartTimeZone = start["timeZone"]!.GetValue<string>() };
        }

        if (json["end"] is { } end)
        {
            result = result with { EndDateTime = end["dateTime"]!.GetValue<string>(), EndTimeZone = end["timeZone"]!.GetValue<string>() };
        }

        if (json["location"]?["displayName"] is { } location)
        {
            result = result with { Location = location.GetValue<string>() };
        }

        if (json["onlineMeetingProvider"] is { } provider)
        {
            result = result with { OnlineMeetingProvider = provider.GetValue<string>() };
        }

        if (json["isOnlineMeeting"] is { } online)
        {
            var isOnline = online.GetValue<bool>();
            result = result with
            {
                IsOnlineMeeting = isOnline,
                JoinUrl = isOnline ? result.JoinUrl ?? $"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{result.Id}%40thread.v2/0" : null,
            };
        }

        return result;
    }

    private static JsonObject EventJson(FakeGraphEvent e) => new()
    {
        ["@odata.context"] = $"https://graph.microsoft.com/v1.0/$metadata#users('{e.Upn}')/events/$entity",
        ["@odata.etag"] = "W/\"fake\"",
        ["id"] = e.Id,
        ["subject"] = e.Subject,
        ["body"] = new JsonObject { ["contentType"] = "text", ["content"] = e.BodyContent },
        ["start"] = new JsonObject { ["dateTime"] = e.StartDateTime + ".0000000", ["timeZone"] = e.StartTimeZone },
        ["end"] = new JsonObject { ["dateTime"] = e.EndDateTime + ".0000000", ["timeZone"] = e.EndTimeZone },
        ["location"] = new JsonObject { ["displayName"] = e.Location ?? "" },
        ["showAs"] = "busy",
        ["isCancelled"] = e.IsCancelled,
        ["isOnlineMeeting"] = e.IsOnlineMeeting,
        ["onlineMeetingProvider"] = e.OnlineMeetingProvider ?? "unknown",
        ["onlineMeeting"] = e.JoinUrl is null ? null : new JsonObject { ["joinUrl"] = e.JoinUrl },
        ["transactionId"] = e.TransactionId,
    };

    private static (int, JsonNode?) NotFound() => (404, Error("ErrorItemNotFound", "The specified object was not found in the store."));

    private static JsonObject Error(string code, string message) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["innerError"] = new JsonObject { ["request-id"] = Guid.NewGuid().ToString(), ["date"] = "2027-01-11T02:00:00" },
        },
    };

    private static async Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Error(code, message).ToJsonString());
    }

    private static DateTimeOffset ReadDateTimeTimeZone(JsonNode node)
    {
        var local = DateTime.SpecifyKind(DateTime.Parse(node["dateTime"]!.GetValue<string>(), CultureInfo.InvariantCulture), DateTimeKind.Unspecified);
        var zoneName = node["timeZone"]?.GetValue<string>() ?? "UTC";
        var zone = zoneName == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    private static JsonObject WriteDateTimeTimeZone(DateTimeOffset instant, TimeZoneInfo zone, string zoneName) => new()
    {
        ["dateTime"] = TimeZoneInfo.ConvertTime(instant, zone).DateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture),
        ["timeZone"] = zoneName,
    };

    private static string? PreferredZone(string? prefer) =>
        prefer is not null && PreferZone().Match(prefer) is { Success: true } m ? m.Groups["zone"].Value : null;

    private static char ViewCode(string status) => status switch
    {
        "tentative" => '1',
        "busy" => '2',
        "oof" => '3',
        "workingElsewhere" => '4',
        _ => '0',
    };

    private void Record(FakeGraphRequest request)
    {
        lock (_gate)
        {
            _requests.Add(request);
        }
    }

    [GeneratedRegex("^/v1\\.0/users/(?<upn>[^/]+)/calendar/getSchedule$", RegexOptions.IgnoreCase)]
    private static partial Regex SchedulePath();

    [GeneratedRegex("^/v1\\.0/users/(?<upn>[^/]+)/events$", RegexOptions.IgnoreCase)]
    private static partial Regex EventsPath();

    [GeneratedRegex("^/v1\\.0/users/(?<upn>[^/]+)/events/(?<id>[^/]+)(?<action>/cancel)?$", RegexOptions.IgnoreCase)]
    private static partial Regex EventPath();

    [GeneratedRegex("outlook\\.timezone=\"(?<zone>[^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex PreferZone();
}
