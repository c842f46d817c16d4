using BkOutreach.Core.Configuration;
using BkOutreach.Core.Privacy;
using BkOutreach.Core.Sms;
using BkOutreach.Core.Storage;
using Microsoft.Extensions.Configuration;

namespace BkOutreach.Tests.Core;

public sealed class CoreUnitTests
{
    [Theory]
    [InlineData("+6281234567890", "+62812****7890")]
    [InlineData("+628123456", "+6****3456")]
    [InlineData("12345", "*****")]
    [InlineData("", "")]
    public void Mask_Phone_KeepsOnlyPrefixAndLastFour(string phone, string expected) =>
        Assert.Equal(expected, Mask.Phone(phone));

    [Fact]
    public void Mask_Name_KeepsInitials() => Assert.Equal("S. A.", Mask.Name("Siti  aminah"));

    [Theory]
    [InlineData(160, 'a', 1)]
    [InlineData(161, 'a', 2)]
    [InlineData(306, 'a', 2)]
    [InlineData(307, 'a', 3)]
    [InlineData(70, 'é', 1)] // é is GSM-7
    [InlineData(70, 'ā', 1)] // ā is not: UCS-2
    [InlineData(71, 'ā', 2)]
    [InlineData(134, 'ā', 2)]
    [InlineData(135, 'ā', 3)]
    public void SmsSegments_CountsGsm7AndUcs2(int length, char c, int expected) =>
        Assert.Equal(expected, SmsSegments.Count(new string(c, length)));

    [Fact]
    public void SmsSegments_ExtensionCharactersCountTwice() =>
        Assert.Equal(2, SmsSegments.Count(new string('a', 150) + "[[[[[[")); // 150 + 12 septets

    [Fact]
    public void StorageOptions_ReadConnectionStringOrIdentitySettings()
    {
        var byString = Bind(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });
        var byIdentity = Bind(new() { ["AzureWebJobsStorage:accountName"] = "bkstore", ["AzureWebJobsStorage:credential"] = "managedidentity", ["AzureWebJobsStorage:clientId"] = "abc" });
        var defaults = Bind([]);

        Assert.False(byString.UsesIdentity);
        Assert.True(byIdentity.UsesIdentity);
        Assert.Equal(new Uri("https://bkstore.table.core.windows.net"), byIdentity.ResolvedTableUri);
        Assert.Equal(new Uri("https://bkstore.queue.core.windows.net"), byIdentity.ResolvedQueueUri);
        Assert.Equal("abc", byIdentity.ClientId);
        Assert.Equal("UseDevelopmentStorage=true", defaults.ConnectionString);
    }

    [Fact]
    public void SmsOptions_MessagingConnectNeedsPartnerAndKey()
    {
        var options = new SmsOptions { Provider = SmsProvider.Acs, Acs = new AcsSmsOptions { ConnectionString = "endpoint=https://x/;accesskey=AA==", From = "BKSEKOLAH", MessagingConnect = new MessagingConnectOptions { Partner = "infobip" } } };

        var result = new SmsOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Sms__Acs__MessagingConnect__ApiKey", StringComparison.Ordinal));
    }

    [Fact]
    public void LinksOptions_RefuseRelativeBaseUrl() =>
        Assert.Contains(new LinksOptionsValidator().Validate(null, new LinksOptions { BaseUrl = "/api" }).Failures!, f => f.StartsWith("Links__BaseUrl", StringComparison.Ordinal));

    private static StorageOptions Bind(Dictionary<string, string?> values)
    {
        var options = new StorageOptions();
        StorageOptions.Bind(options, new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        return options;
    }
}
