using BkOutreach.Core.Outreach;
using BkOutreach.Core.Privacy;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Staff;

/// <summary>A guardian as the admin's list shows them: the number masked, the children with their classes, opt-out and channel.</summary>
public sealed record GuardianListRow(string Id, string Name, string Phone, IReadOnlyList<Student> Students, bool OptedOut, string Channel);

/// <summary>One page of the guardians list: <see cref="Page"/> counts from 1.</summary>
public sealed record GuardianListPage(IReadOnlyList<GuardianListRow> Rows, int Total, int Page, int Pages, string Query);

/// <summary>
/// The school's guardians for the admin's list, searched and paged on the server: a query finds a guardian
/// when one of their children is in exactly that class (ignoring case and repeated spaces), or when a child's
/// name contains it. Sorted by the first child's class, then name. Phone numbers are masked (<see cref="Mask.Phone"/>).
/// </summary>
public sealed class GuardianList(SchoolDirectory directory, OptOutStore optOuts)
{
    public const int PageSize = 25;

    public const int MaxQueryLength = 100;

    public async Task<GuardianListPage> SearchAsync(string schoolId, string? query, int page, CancellationToken cancellationToken)
    {
        var q = Normalize(query ?? "");
        if (q.Length > MaxQueryLength)
        {
            q = q[..MaxQueryLength];
        }

        var all = await directory.ListGuardiansAsync(schoolId, cancellationToken);
        var found = all
            .Where(g => q.Length == 0 || g.Students.Any(s => string.Equals(Normalize(s.Class), q, StringComparison.OrdinalIgnoreCase) || s.Name.Contains(q, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(g => g.Students.Count > 0 ? g.Students[0].Class : "", StringComparer.OrdinalIgnoreCase)
            .ThenBy(g => g.Students.Count > 0 ? g.Students[0].Name : g.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(g => g.Id, StringComparer.Ordinal)
            .ToList();
        var pages = Math.Max(1, (found.Count + PageSize - 1) / PageSize);
        page = Math.Clamp(page, 1, pages);
        var shown = found.Skip((page - 1) * PageSize).Take(PageSize).ToList();
        var optedOut = await optOuts.OptedOutAmongAsync([.. shown.Select(g => g.Phone)], cancellationToken);
        return new GuardianListPage(
            [.. shown.Select(g => new GuardianListRow(g.Id, g.Name, Mask.Phone(g.Phone), g.Students, optedOut.Contains(g.Phone), g.Channel switch
            {
                MessageChannel.Sms => "SMS",
                MessageChannel.WhatsApp => "WhatsApp",
                _ => "",
            }))],
            found.Count,
            page,
            pages,
            q);
    }

    private static string Normalize(string value) => string.Join(' ', value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
