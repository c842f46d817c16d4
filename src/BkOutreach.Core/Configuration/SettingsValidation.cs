using Microsoft.Extensions.Options;

namespace BkOutreach.Core.Configuration;

/// <summary>
/// Collects every problem of one settings section so a start-up failure lists them all, each naming the
/// setting the way an operator writes it (<c>Sms__Acs__From</c>), not the way the binder sees it.
/// </summary>
internal sealed class SettingsProblems
{
    private readonly List<string> _problems = [];

    public void Add(string setting, string problem) => _problems.Add($"{setting}: {problem}");

    public ValidateOptionsResult ToResult() =>
        _problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_problems);
}
