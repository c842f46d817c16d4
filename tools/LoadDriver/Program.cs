using BkOutreach.LoadDriver;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

var report = await LoadRun.RunAsync(options, Console.Error);
Console.WriteLine(report.Markdown);
if (options.Out is { } file)
{
    await File.WriteAllTextAsync(file, report.Markdown);
}

return report.InvariantsBroken.Count == 0 ? 0 : 1;
