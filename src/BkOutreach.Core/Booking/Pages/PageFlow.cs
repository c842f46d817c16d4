using BkOutreach.Core.Scheduling;
using NodaTime;

namespace BkOutreach.Core.Booking.Pages;

/// <summary>An HTML answer: a page with its status, or a redirect (POST-redirect-GET).</summary>
public sealed record PageResponse(int Status, string? Html, string? Location = null)
{
    public static PageResponse Redirect(string location) => new(303, null, location);
}

/// <summary>
/// The parent's pages over <see cref="BookingService"/>: the booking page, the form post that books or
/// reschedules, cancel, and the confirmation. Works without JavaScript: every action is a form post
/// answered by a redirect (so a reload never posts twice) or by the page again with a message.
/// </summary>
public sealed class PageFlow(
    BookingService booking,
    BookingPages pages,
    Participation.ParticipationFacts facts,
    Outreach.GuardianChannels channels,
    Microsoft.Extensions.Options.IOptions<WhatsApp.WhatsAppOptions> whatsApp)
{
    public async Task<PageResponse> ShowAsync(string token, string? from, string? notice, CancellationToken cancellationToken)
    {
        var link = await booking.OpenAsync(token, cancellationToken);
        if (link is null)
        {
            return NotFound(null);
        }

        await facts.LinkOpenedAsync(link, cancellationToken);
        var shown = notice == "cancelled" ? PageNotice.Cancelled : PageNotice.None;
        return new PageResponse(200, await RenderBookingAsync(link, shown, BookingPages.TryParseFrom(from, out var date) ? date : null, cancellationToken));
    }

    public async Task<PageResponse> PostAsync(string token, string? slot, string? mode, CancellationToken cancellationToken)
    {
        var link = await booking.OpenForBookingAsync(token, cancellationToken);
        if (link is null)
        {
            return NotFound(null);
        }

        if (string.IsNullOrWhiteSpace(slot))
        {
            return new PageResponse(422, await RenderBookingAsync(link, PageNotice.NoSlotChosen, null, cancellationToken));
        }

        var result = await booking.BookAsync(link, slot, mode, Participation.ParticipationChannel.Web, cancellationToken);
        return result.Outcome switch
        {
            BookOutcome.GuardianErased => NotFound(null),
            BookOutcome.SlotTaken => new PageResponse(409, await RenderBookingAsync(link, PageNotice.SlotTaken, null, cancellationToken)),
            BookOutcome.NotBookable => new PageResponse(422, await RenderBookingAsync(link, NoticeFor(result.Reason), null, cancellationToken)),
            _ => PageResponse.Redirect($"{PagePath(token)}/done?booking={Uri.EscapeDataString(result.Booking!.Id)}{(result.Outcome == BookOutcome.Rescheduled ? "&moved=1" : "")}"),
        };
    }

    public async Task<PageResponse> CancelAsync(string token, string? counselorId, CancellationToken cancellationToken)
    {
        var link = await booking.OpenAsync(token, cancellationToken);
        if (link is null)
        {
            return NotFound(null);
        }

        await booking.CancelAsync(link, string.IsNullOrEmpty(counselorId) ? null : counselorId, cancellationToken);
        return PageResponse.Redirect($"{PagePath(token)}?notice=cancelled");
    }

    public async Task<PageResponse> ConfirmationAsync(string token, string? bookingId, bool moved, bool channelSaved, CancellationToken cancellationToken) =>
        await ConfirmationAsync(await booking.OpenAsync(token, cancellationToken), token, bookingId, moved, channelSaved ? ChannelNotice.Saved : ChannelNotice.None, cancellationToken);

    /// <summary>
    /// The confirmation page's channel form (<c>POST /api/b/{token}/channel</c>, fields <c>channel</c> =
    /// <c>whatsapp</c> | <c>sms</c> and <c>booking</c>): the guardian of the link now gets the school's
    /// messages by that channel (their own choice, see <see cref="Outreach.GuardianChannels"/>); 303 back to
    /// the confirmation, or 422 with the page again when no channel was chosen.
    /// </summary>
    public async Task<PageResponse> ChooseChannelAsync(string token, string? bookingId, string? channel, CancellationToken cancellationToken)
    {
        var link = await booking.OpenAsync(token, cancellationToken);
        if (link is null)
        {
            return NotFound(null);
        }

        if (!Outreach.GuardianChannels.TryParse(channel, out var chosen) || chosen is not { } value)
        {
            var page = await ConfirmationAsync(link, token, bookingId, false, ChannelNotice.Missing, cancellationToken);
            return page.Status == 200 ? page with { Status = 422 } : page;
        }

        await channels.ChooseAsync(link.Grant.SchoolId, link.Guardian.Id, value, cancellationToken);
        return PageResponse.Redirect(string.IsNullOrEmpty(bookingId)
            ? PagePath(token)
            : $"{PagePath(token)}/done?booking={Uri.EscapeDataString(bookingId)}&channel=saved");
    }

    private async Task<PageResponse> ConfirmationAsync(LinkContext? link, string token, string? bookingId, bool moved, ChannelNotice channelNotice, CancellationToken cancellationToken)
    {
        var own = link is null || bookingId is null ? null : await booking.GetOwnAsync(link, bookingId, cancellationToken);
        if (own is null || own.Status != BookingStatus.Confirmed)
        {
            return link is null ? NotFound(null) : PageResponse.Redirect(PagePath(token));
        }

        var counselor = link!.Counselors.FirstOrDefault(c => c.Id == own.CounselorId);
        var html = pages.Confirmation(new ConfirmationPageModel
        {
            Language = link.Guardian.Language,
            SchoolName = link.School.Name,
            StudentNames = [.. link.StudentsOf(own.CounselorId).Select(s => s.Name)],
            CounselorName = counselor?.Counselor.Name ?? "",
            Meeting = PageMeeting.From(own, link.Zone, await booking.JoinUrlAsync(own, cancellationToken)),
            IcsUrl = booking.InviteUrl(token, own.Id),
            WebcalUrl = Webcal(booking.FeedUrl(link.Grant.SchoolId)),
            ManageUrl = booking.ManageUrl(token),
            Rescheduled = moved,
            BookingId = own.Id,
            // The choice exists only where the deployment has a WhatsApp channel; without one every message is an SMS.
            ChannelUrl = whatsApp.Value.Enabled ? PagePath(token) + "/channel" : "",
            Channel = link.Guardian.Channel,
            ChannelNotice = channelNotice,
        });
        return new PageResponse(200, html);
    }

    public PageResponse TooMany(string token, TimeSpan retryAfter, string? language) =>
        new(429, pages.TooManyRequests(new TooManyRequestsPageModel { Language = language, RetryAfter = retryAfter, BackUrl = PagePath(token) }));

    public PageResponse NotFound(string? language) => new(404, pages.NotFound(new NotFoundPageModel { Language = language }));

    private async Task<string> RenderBookingAsync(LinkContext link, PageNotice notice, LocalDate? from, CancellationToken cancellationToken)
    {
        var sections = new List<CounselorSection>();
        foreach (var c in await booking.SlotsAsync(link, cancellationToken))
        {
            sections.Add(new CounselorSection
            {
                CounselorId = c.Counselor.Id,
                CounselorName = c.Counselor.Counselor.Name,
                StudentNames = [.. c.Students.Select(s => s.Name)],
                Slots = c.Slots,
                Booking = c.Current is null ? null : PageMeeting.From(c.Current, link.Zone, await booking.JoinUrlAsync(c.Current, cancellationToken)),
            });
        }

        return pages.Booking(new BookingPageModel
        {
            Language = link.Guardian.Language,
            SchoolName = link.School.Name,
            PageUrl = PagePath(link.Grant.Token),
            StudentNames = [.. link.Guardian.Students.Select(s => s.Name)],
            Counselors = sections,
            Notice = notice,
            From = from,
        });
    }

    private static PageNotice NoticeFor(string? reason) => reason switch
    {
        "past" => PageNotice.Past,
        "inside_notice" => PageNotice.InsideNotice,
        BookingService.InvalidMode => PageNotice.InvalidMode,
        _ => PageNotice.NotOffered,
    };

    private static string PagePath(string token) => $"/api/b/{Uri.EscapeDataString(token)}";

    private static string Webcal(string url) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "webcal://" + url["https://".Length..]
        : url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "webcal://" + url["http://".Length..]
        : url;
}
