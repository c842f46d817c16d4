using BkOutreach.Core.Access;
using BkOutreach.Core.Booking;
using BkOutreach.Core.Booking.Pages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BkOutreach.Functions.Booking;

/// <summary>
/// The parent's pages: <c>GET /api/b/{token}</c> shows slots and the current booking; <c>POST</c> with a
/// <c>slot</c> field books or reschedules and redirects to the confirmation (409 page when the seat went,
/// 422 when the slot is not bookable); <c>GET …/done</c> confirms; <c>POST …/cancel</c> cancels;
/// <c>POST …/channel</c> saves the parent's choice of WhatsApp or SMS (the confirmation page's form).
/// </summary>
public sealed class BookingPage(PageFlow flow, PostThrottle throttle)
{
    [Function(nameof(ShowBookingPage))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> ShowBookingPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "b/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) =>
        new PageResult(await flow.ShowAsync(token, request.Query["from"].FirstOrDefault(), request.Query["notice"].FirstOrDefault(), cancellationToken));

    [Function(nameof(PostBookingPage))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> PostBookingPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "b/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken)
    {
        if (Throttled(request, token) is { } throttled)
        {
            return throttled;
        }

        var form = request.HasFormContentType ? await request.ReadFormAsync(cancellationToken) : null;
        return new PageResult(await flow.PostAsync(token, form?["slot"].FirstOrDefault(), form?["mode"].FirstOrDefault(), cancellationToken));
    }

    [Function(nameof(CancelBookingPage))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> CancelBookingPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "b/{token}/cancel")] HttpRequest request,
        string token,
        CancellationToken cancellationToken)
    {
        if (Throttled(request, token) is { } throttled)
        {
            return throttled;
        }

        var form = request.HasFormContentType ? await request.ReadFormAsync(cancellationToken) : null;
        return new PageResult(await flow.CancelAsync(token, form?["counselor"].FirstOrDefault(), cancellationToken));
    }

    [Function(nameof(ShowConfirmationPage))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> ShowConfirmationPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "b/{token}/done")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) =>
        new PageResult(await flow.ConfirmationAsync(token, request.Query["booking"].FirstOrDefault(), request.Query["moved"] == "1", request.Query["channel"] == "saved", cancellationToken));

    [Function(nameof(ChooseChannelPage))]
    [Access(AccessScope.Public)]
    public async Task<IActionResult> ChooseChannelPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "b/{token}/channel")] HttpRequest request,
        string token,
        CancellationToken cancellationToken)
    {
        if (Throttled(request, token) is { } throttled)
        {
            return throttled;
        }

        var form = request.HasFormContentType ? await request.ReadFormAsync(cancellationToken) : null;
        return new PageResult(await flow.ChooseChannelAsync(token, form?["booking"].FirstOrDefault(), form?["channel"].FirstOrDefault(), cancellationToken));
    }

    private IActionResult? Throttled(HttpRequest request, string token) =>
        BookingHttp.Throttled(throttle, request, token, seconds => new PageResult(flow.TooMany(token, TimeSpan.FromSeconds(seconds), null)));
}
