using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Access;
using BkOutreach.Tests.Infrastructure;
using BkOutreach.Tests.Integration;
using BkOutreach.Tests.Reliability;

namespace BkOutreach.Tests.Staff;

/// <summary>
/// A school with two families (one per counsellor), its counsellors signed up as staff, on a clock the test
/// can move: the parents' messages tests start from here. The school sends 08:00–20:00 WIB.
/// </summary>
public sealed partial class MessagesKit : IAsyncDisposable
{
    /// <summary>Monday 11 January 2027, 09:00 WIB: inside the sending window.</summary>
    public static readonly DateTimeOffset MondayMorning = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Monday 11 January 2027, 21:00 WIB: quiet hours.</summary>
    public static readonly DateTimeOffset MondayNight = new(2027, 1, 11, 14, 0, 0, TimeSpan.Zero);

    public const string Parent1 = "+6281299990001";
    public const string Parent2 = "+6281299990002";

    public const string Roster =
        "student_id,student_name,class,guardian_name,guardian_phone,language,counselor_id\n" +
        "M1,Siswa Satu,X IPA 1,Ibu Wali Satu,081299990001,id,bk-1\n" +
        "M2,Siswa Dua,X IPS 2,Bapak Wali Dua,081299990002,id,bk-2\n";

    private MessagesKit(TestRunner runner, ShiftableClock clock, OutreachJourney journey)
    {
        Runner = runner;
        Clock = clock;
        Journey = journey;
    }

    public TestRunner Runner { get; }

    public ShiftableClock Clock { get; }

    public OutreachJourney Journey { get; }

    public string SchoolId => Journey.SchoolId;

    public string Counselor1 => $"bk1@{SchoolId}.sch.id";

    public string Counselor2 => $"bk2@{SchoolId}.sch.id";

    public static async Task<MessagesKit> StartAsync(DateTimeOffset at)
    {
        var clock = new ShiftableClock(at);
        var runner = await TestRunner.StartAsync(settings: new RunnerSettings { ConfigureServices = s => s.AddSingleton<TimeProvider>(clock) });
        var journey = new OutreachJourney(runner);
        await journey.CreateSchoolAsync();
        await journey.ImportAsync(Roster);
        var kit = new MessagesKit(runner, clock, journey);
        await GrantAsync(runner, journey.SchoolId, kit.Counselor1, "bk-1");
        await GrantAsync(runner, journey.SchoolId, kit.Counselor2, "bk-2");
        return kit;
    }

    public ValueTask DisposeAsync() => Runner.DisposeAsync();

    public static async Task GrantAsync(TestRunner runner, string schoolId, string email, string? counselorId)
    {
        var response = await runner.Admin.PutAsync(
            $"api/admin/schools/{schoolId}/staff/{Uri.EscapeDataString(email)}",
            OutreachJourney.Json(counselorId is null ? new { role = "school_admin" } : (object)new { role = "counselor", counselorId }));
        Assert.True(response.IsSuccessStatusCode, $"granting {email}: {response.StatusCode}");
    }

    public Task<HttpClient> SignedInAsync(string email) => AccessWorld.SignedInAsync(Runner, email);

    /// <summary>An SMS from a parent through the Event Grid webhook, as ACS delivers it; returns the message id.</summary>
    public async Task<string> ReplyAsync(string from, string text, string? eventId = null, string? messageId = null)
    {
        messageId ??= Guid.NewGuid().ToString();
        var response = await Runner.Admin.PostAsync("api/events/acs", OutreachJourney.Json(new[]
        {
            new
            {
                id = eventId ?? Guid.NewGuid().ToString(),
                eventType = "Microsoft.Communication.SMSReceived",
                data = new { messageId, from, to = "+18005550100", message = text, receivedTimestamp = Clock.GetUtcNow().ToString("O") },
            },
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return messageId;
    }

    public async Task<string> GuardianIdAsync(string phone, string? schoolId = null) =>
        (await Runner.Services.GetRequiredService<SchoolDirectory>().FindGuardianByPhoneAsync(schoolId ?? SchoolId, phone, CancellationToken.None))!.Id;

    /// <summary>The thread's path for an HttpClient of the runner (no leading slash).</summary>
    public string ThreadPath(string counselorId, string guardianId, string? schoolId = null) =>
        (StaffPaths.Messages(schoolId ?? SchoolId, counselorId) + "/" + guardianId).TrimStart('/');

    public string InboxPath(string counselorId) => StaffPaths.Messages(SchoolId, counselorId).TrimStart('/');

    /// <summary>Every counsellor's answer the SMS provider (the outbox) took.</summary>
    public async Task<List<JsonElement>> AnswersSentAsync() =>
        [.. (await Runner.Http.GetFromJsonAsync<JsonElement>("dev/outbox?format=json")).EnumerateArray()
            .Where(m => m.GetProperty("idempotencyKey").GetString()!.StartsWith("parent-answer:", StringComparison.Ordinal))];

    public static Task<HttpResponseMessage> PostAnswerAsync(HttpClient client, string path, string action, string text, string answerId) =>
        client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = action, ["text"] = text, ["answer_id"] = answerId }));

    /// <summary>The answer id the thread page's form carries.</summary>
    public static string AnswerIdOf(string html) => AnswerIdField().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no answer_id in the page");

    public Task<HttpResponseMessage> RunTimerAsync() => Runner.Admin.PostAsync("admin/functions/SendQueuedParentAnswers", null);

    [GeneratedRegex("name=\"answer_id\" value=\"([0-9a-f]{32})\"")]
    private static partial Regex AnswerIdField();
}
