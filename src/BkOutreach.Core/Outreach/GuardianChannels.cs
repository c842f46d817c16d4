using BkOutreach.Core.Participation;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Outreach;

/// <summary>
/// The channel a guardian's messages go by (<see cref="Guardian.Channel"/>; null is the default: WhatsApp
/// when the school has a WhatsApp channel, SMS otherwise). Two parties choose it, and the latest explicit
/// choice wins:
/// <list type="bullet">
/// <item>the parent, by replying <c>SMS</c> or <c>WA</c> (in every school that has the number) or on the
/// booking page (for the school of the link); the time is kept in <see cref="Guardian.ChannelChosenAt"/>;</item>
/// <item>the school, by a value in the roster's <c>channel</c> column. Only a <em>change</em> of that
/// column is a new choice (the value of the last import is kept in <see cref="Guardian.RosterChannel"/>):
/// importing the same file again changes nothing, also after the parent chose otherwise; a new value
/// (<c>sms</c> → <c>whatsapp</c>, or empty → a value) wins over an earlier choice of the parent.</item>
/// </list>
/// An empty column is no choice: it never erases the parent's. Emptying a column that had a value returns
/// the guardian to the default, unless the parent chose themselves since, which stays.
/// </summary>
public sealed class GuardianChannels(SchoolDirectory directory, TimeProvider time)
{
    public const string Sms = "sms";
    public const string WhatsApp = "whatsapp";

    /// <summary>
    /// Reads a roster or form value: <c>sms</c>, <c>whatsapp</c> (or <c>wa</c>), any case; empty is the
    /// default (null). False for anything else.
    /// </summary>
    public static bool TryParse(string? text, out MessageChannel? channel)
    {
        (var ok, channel) = (text ?? "").Trim().ToLowerInvariant() switch
        {
            "" => (true, (MessageChannel?)null),
            Sms => (true, MessageChannel.Sms),
            WhatsApp or "wa" => (true, MessageChannel.WhatsApp),
            _ => (false, null),
        };
        return ok;
    }

    /// <summary><c>sms</c> or <c>whatsapp</c>, as the roster and the forms write it.</summary>
    public static string ToWire(MessageChannel channel) => channel == MessageChannel.WhatsApp ? WhatsApp : Sms;

    /// <summary>The participation log's word for a message that came or went by <paramref name="channel"/>.</summary>
    public static ParticipationChannel ParticipationOf(MessageChannel channel) =>
        channel == MessageChannel.WhatsApp ? ParticipationChannel.WhatsApp : ParticipationChannel.Sms;

    /// <summary>
    /// The guardian a roster import writes, with the channel fields decided by the rule on this type.
    /// <paramref name="imported"/> is the guardian as the file describes them (channel fields unset),
    /// <paramref name="stored"/> the one stored before (null: new), <paramref name="roster"/> the file's value.
    /// </summary>
    public static Guardian FromRoster(Guardian imported, Guardian? stored, MessageChannel? roster)
    {
        if (stored is null)
        {
            return imported with { Channel = roster, RosterChannel = roster, ChannelChosenAt = null };
        }

        if (stored.RosterChannel == roster)
        {
            return imported with { Channel = stored.Channel, RosterChannel = stored.RosterChannel, ChannelChosenAt = stored.ChannelChosenAt };
        }

        if (roster is not null)
        {
            return imported with { Channel = roster, RosterChannel = roster, ChannelChosenAt = null };
        }

        return stored.ChannelChosenAt is null
            ? imported with { Channel = null, RosterChannel = null, ChannelChosenAt = null }
            : imported with { Channel = stored.Channel, RosterChannel = null, ChannelChosenAt = stored.ChannelChosenAt };
    }

    /// <summary>
    /// The parent of <paramref name="phone"/> chose <paramref name="channel"/> by reply: every school's
    /// guardian with that number changes (each under its ETag).
    /// </summary>
    /// <returns>The guardians as stored afterwards; empty when no school has the number.</returns>
    public async Task<IReadOnlyList<Guardian>> ChooseByPhoneAsync(string phone, MessageChannel channel, CancellationToken cancellationToken)
    {
        var changed = new List<Guardian>();
        foreach (var schoolId in await directory.ListSchoolIdsAsync(cancellationToken))
        {
            if (await directory.FindGuardianByPhoneAsync(schoolId, phone, cancellationToken) is { } guardian
                && await ChooseAsync(schoolId, guardian.Id, channel, cancellationToken) is { } updated)
            {
                changed.Add(updated);
            }
        }

        return changed;
    }

    /// <summary>The parent of one school's guardian chose <paramref name="channel"/> (the booking page); null when the guardian is gone.</summary>
    public Task<Guardian?> ChooseAsync(string schoolId, string guardianId, MessageChannel channel, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return directory.UpdateGuardianAsync(
            schoolId,
            guardianId,
            g => g.Channel == channel && g.ChannelChosenAt is not null ? g : g with { Channel = channel, ChannelChosenAt = now },
            cancellationToken);
    }
}
