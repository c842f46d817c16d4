using System.Text.Json.Nodes;

namespace BkOutreach.Infra.Tests;

/// <summary>main.bicep compiled once per test run and shared by the assertions on its ARM JSON.</summary>
public sealed class CompiledMainTemplate
{
    public CompiledMainTemplate()
    {
        var result = Bicep.Build(Bicep.MainTemplate);
        Assert.True(result.ExitCode == 0, $"main.bicep did not compile:\n{result.Stderr}");
        Text = result.Stdout;
        Template = new ArmTemplate(JsonNode.Parse(Text)!.AsObject());
    }

    /// <summary>The ARM JSON exactly as Bicep printed it.</summary>
    public string Text { get; }

    internal ArmTemplate Template { get; }
}
