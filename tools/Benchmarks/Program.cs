using BkOutreach.Benchmarks;

// One load driver per feature: `dotnet run -c Release --project tools/Benchmarks -- <name> [options]`.
var benchmarks = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["dashboard"] = DashboardBenchmark.RunAsync,
    ["feed-render"] = FeedRenderBenchmark.RunAsync,
    ["roster"] = RosterBenchmark.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: BkOutreach.Benchmarks <{string.Join('|', benchmarks.Keys)}> [options]");
    return 2;
}

return await run(args[1..]);
