using System.Globalization;

namespace BkOutreach.LoadDriver;

/// <summary>The driver's command line; the defaults are the figures docs/benchmarks.md asks for.</summary>
public sealed record LoadOptions
{
    public int Clients { get; init; } = 64;

    public int Seconds { get; init; } = 60;

    public int Guardians { get; init; } = 10_000;

    /// <summary><c>Sms__MaxPerMinute</c> for the campaign, and the fake provider's own cap.</summary>
    public int MaxPerMinute { get; init; } = 6_000;

    public int FeedSlots { get; init; } = 1_000;

    /// <summary>Schools for the dispatcher's idle tick.</summary>
    public int Schools { get; init; } = 200;

    /// <summary>Which parts to run (booking, campaign, feeds, idle); all by default.</summary>
    public IReadOnlySet<string> Phases { get; init; } = AllPhases;

    /// <summary>
    /// <c>--storage split</c>: tables in an Azurite process of their own, blobs and queues in another, as the
    /// services of an Azure account scale apart; <c>one</c>: all three in one process (one Node thread).
    /// </summary>
    public bool SplitTable { get; init; }

    /// <summary>Where to write the Markdown report as well as printing it.</summary>
    public string? Out { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            options = args[i] switch
            {
                "--clients" => options with { Clients = Number(args[i], value) },
                "--seconds" => options with { Seconds = Number(args[i], value) },
                "--guardians" => options with { Guardians = Number(args[i], value) },
                "--max-per-minute" => options with { MaxPerMinute = Number(args[i], value) },
                "--feed-slots" => options with { FeedSlots = Number(args[i], value) },
                "--schools" => options with { Schools = Number(args[i], value) },
                "--storage" when value is "one" or "split" => options with { SplitTable = value == "split" },
                "--out" when value is not null => options with { Out = value },
                "--phases" => options with { Phases = PhaseList(value) },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --clients N --seconds N --guardians N --max-per-minute N --feed-slots N --schools N --phases booking,campaign,feeds,idle --storage one|split --out FILE."),
            };
            i++;
        }

        return options;
    }

    private static readonly IReadOnlySet<string> AllPhases = new HashSet<string>(["booking", "campaign", "feeds", "idle"], StringComparer.Ordinal);

    private static IReadOnlySet<string> PhaseList(string? value)
    {
        var phases = (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var unknown = phases.Except(AllPhases).ToList();
        return phases.Count > 0 && unknown.Count == 0
            ? phases
            : throw new ArgumentException($"--phases takes a comma-separated list of booking, campaign, feeds, idle{(unknown.Count > 0 ? $" (not {string.Join(", ", unknown)})" : "")}.");
    }

    private static int Number(string name, string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} needs a positive number.");
}
