using BkOutreach.LocalRunner;

RunnerSettings settings;
try
{
    settings = RunnerSettings.FromArgs(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

try
{
    await using var runner = await RunnerApp.StartAsync(settings, args);
    await runner.WaitForShutdownAsync();
    return 0;
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    Console.Error.WriteLine("Settings are not valid:");
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine("  " + failure);
    }

    return 1;
}
