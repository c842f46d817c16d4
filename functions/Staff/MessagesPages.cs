using BkOutreach.Core.Access;
using BkOutreach.Core.Staff;
using BkOutreach.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Staff;

/// <summary>Parents' messages: a counsellor's inbox, one family's thread, and the counsellor's answer (<see cref="ParentMessagesPages"/>).</summary>
public sealed class MessagesPages(ParentMessagesPages pages)
{
    private const string Inbox = "staff/schools/{schoolId}/counselors/{counselorId}/messages";

    [Function(nameof(ShowParentMessages))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true)]
    public async Task<IActionResult> ShowParentMessages(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Inbox)] HttpRequest request,
        string schoolId,
        string counselorId,
        CancellationToken cancellationToken) =>
        Result(await pages.InboxAsync(AccessGate.CallerOf(request)!, schoolId, counselorId, StaffPageHttp.Language(request), cancellationToken));

    [Function(nameof(ShowParentThread))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true)]
    public async Task<IActionResult> ShowParentThread(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Inbox + "/{guardianId}")] HttpRequest request,
        string schoolId,
        string counselorId,
        string guardianId,
        CancellationToken cancellationToken) =>
        Result(await pages.ThreadAsync(AccessGate.CallerOf(request)!, schoolId, counselorId, guardianId, StaffPageHttp.Language(request), request.Query["done"].FirstOrDefault(), cancellationToken));

    [Function(nameof(AnswerParentThread))]
    [Access(AccessScope.School, StaffRole.Counselor, Page = true)]
    public async Task<IActionResult> AnswerParentThread(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Inbox + "/{guardianId}")] HttpRequest request,
        string schoolId,
        string counselorId,
        string guardianId,
        CancellationToken cancellationToken)
    {
        var form = await StaffPageHttp.FormAsync(request, cancellationToken);
        return Result(await pages.AnswerAsync(
            AccessGate.CallerOf(request)!,
            schoolId,
            counselorId,
            guardianId,
            StaffPageHttp.Language(request),
            StaffPageHttp.Field(form, "action"),
            StaffPageHttp.Field(form, "text"),
            StaffPageHttp.Field(form, "answer_id"),
            cancellationToken));
    }

    private static IActionResult Result(StaffPageOutcome outcome) =>
        outcome.RedirectTo is { } to ? StaffPageHttp.SeeOther(to, outcome.Done) : new StaffPageResult(outcome.Html!, outcome.Status);
}
