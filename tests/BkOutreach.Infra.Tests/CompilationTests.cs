using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace BkOutreach.Infra.Tests;

/// <summary>Every template and the parameters file compile with the strict linter settings and no diagnostics at all.</summary>
public sealed class CompilationTests
{
    public static TheoryData<string> TemplateFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Bicep.TemplateFiles())
        {
            data.Add(Path.GetRelativePath(Bicep.TemplateDirectory, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TemplateFiles))]
    public void BicepFile_Compiles_WithoutAnyWarningOrError(string relativePath)
    {
        var result = Bicep.Build(Path.Combine(Bicep.TemplateDirectory, relativePath));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", ArmTemplate.Str(result.Json()["$schema"]));
    }

    [Fact]
    public void TemplateDirectory_HoldsMainAndItsModules()
    {
        var files = Bicep.TemplateFiles().Select(f => Path.GetRelativePath(Bicep.TemplateDirectory, f)).ToList();

        Assert.Contains("main.bicep", files);
        Assert.True(files.Count(f => f.StartsWith("modules", StringComparison.Ordinal)) >= 5, string.Join(", ", files));
    }

    [Fact]
    public void Parameters_Compile_WithoutAnyWarningOrError_AndSetEveryTemplateParameter()
    {
        var result = Bicep.BuildParams(Bicep.MainParameters, new Dictionary<string, string>
        {
            ["BK_LINKS_SIGNING_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["BK_ADMIN_API_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["BK_MESSAGING_CONNECT_API_KEY"] = "",
            ["BK_ENTRA_CLIENT_SECRET"] = "",
        });

        Assert.Empty(result.Diagnostics);
        Assert.Equal(0, result.ExitCode);
        var envelope = result.Json();
        var given = JsonNode.Parse(ArmTemplate.Str(envelope["parametersJson"])!)!["parameters"]!.AsObject();
        var declared = JsonNode.Parse(ArmTemplate.Str(envelope["templateJson"])!)!["parameters"]!.AsObject();
        Assert.Equal(declared.Select(p => p.Key).Order(), given.Select(p => p.Key).Order());
        Assert.Equal("southeastasia", ArmTemplate.Str(given["location"]!["value"]));
    }

    [Theory]
    [InlineData("BK_LINKS_SIGNING_KEY", "44")]
    [InlineData("BK_ADMIN_API_KEY", "32")]
    public void Parameters_WithoutARequiredSecretInEnvironment_AreRejected(string variable, string minimumLength)
    {
        var environment = new Dictionary<string, string>
        {
            ["BK_LINKS_SIGNING_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["BK_ADMIN_API_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        environment[variable] = "";

        var result = Bicep.BuildParams(Bicep.MainParameters, environment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(result.Diagnostics, d => d.Contains("main.bicepparam", StringComparison.Ordinal) && d.Contains(minimumLength, StringComparison.Ordinal));
    }

    [Fact]
    public void LinterConfig_RaisesEveryRuleToError()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Bicep.TemplateDirectory, "bicepconfig.json")))!;
        var rules = config["analyzers"]!["core"]!["rules"]!.AsObject();

        Assert.True(config["analyzers"]!["core"]!["enabled"]!.GetValue<bool>());
        Assert.True(rules.Count >= 30, $"only {rules.Count} rules configured");
        Assert.All(rules, rule => Assert.Equal("error", ArmTemplate.Str(rule.Value!["level"])));
    }

    [Fact]
    public void Harness_ReportsDiagnostics_ForATemplateWithAWarning()
    {
        // The same linter configuration beside a template with an unused parameter and a property the
        // resource type does not have (BCP037, which Bicep only warns about): both must surface.
        var directory = Directory.CreateTempSubdirectory("bk-bicep-");
        try
        {
            File.Copy(Path.Combine(Bicep.TemplateDirectory, "bicepconfig.json"), Path.Combine(directory.FullName, "bicepconfig.json"));
            var file = Path.Combine(directory.FullName, "broken.bicep");
            File.WriteAllText(file, """
                param unused string
                param location string = resourceGroup().location

                resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
                  name: 'probe'
                  location: location
                  properties: {
                    notAProperty: true
                  }
                }
                """);

            var result = Bicep.Build(file);

            Assert.Contains(result.Diagnostics, d => d.Contains("no-unused-params", StringComparison.Ordinal));
            Assert.Contains(result.Diagnostics, d => d.Contains("BCP037", StringComparison.Ordinal) || d.Contains("BCP187", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
