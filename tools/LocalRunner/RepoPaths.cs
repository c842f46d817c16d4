namespace BkOutreach.LocalRunner;

/// <summary>Finds the repository (the folder holding BkOutreach.sln) from wherever the runner was started.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string AzuriteFolder => Path.Combine(Root, "tools", "azurite");

    private static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "BkOutreach.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (BkOutreach.sln) above the current directory.");
    }
}
