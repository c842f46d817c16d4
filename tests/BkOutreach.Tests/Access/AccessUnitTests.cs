using System.Text;
using BkOutreach.Core;
using BkOutreach.Core.Access;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Links;
using BkOutreach.Functions.Http;
using BkOutreach.LocalRunner;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BkOutreach.Tests.Access;

public sealed class AccessUnitTests
{
    [Fact]
    public void WorkerMiddleware_FindsEveryHttpFunctionsRule_FromItsEntryPoint()
    {
        var functions = FunctionCatalog.Discover([typeof(BkOutreach.Functions.Health.GetHealth).Assembly]).Where(f => f.Kind == TriggerKind.Http).ToList();

        Assert.NotEmpty(functions);
        foreach (var function in functions)
        {
            // The entry point the Functions SDK writes into functions.metadata: Namespace.Class.Method.
            var rule = AccessMiddleware.RuleOf($"{function.Class.FullName}.{function.Method.Name}");
            Assert.Equal(AccessGate.RuleOf(function.Method), rule);
        }

        Assert.Null(AccessMiddleware.RuleOf("BkOutreach.Functions.Nowhere.Run"));
        Assert.Null(AccessMiddleware.RuleOf("Run"));
    }

    [Theory]
    [InlineData("preferred_username", "Guru.BK@Sekolah.sch.id", "guru.bk@sekolah.sch.id")]
    [InlineData("email", "a@b.id", "a@b.id")]
    [InlineData("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", " A@B.ID ", "a@b.id")]
    [InlineData("upn", "x@y.id", "x@y.id")]
    [InlineData("name", "not an email", null)]
    [InlineData("preferred_username", "a|b@c.id", null)]
    public void Principal_EmailComesFromItsEmailClaims_InLowerCase(string claim, string value, string? expected)
    {
        var json = $$"""{"auth_typ":"aad","name_typ":"name","role_typ":"roles","claims":[{"typ":"{{claim}}","val":"{{value}}"}]}""";

        Assert.Equal(expected, ClientPrincipal.EmailOf(Convert.ToBase64String(Encoding.UTF8.GetBytes(json))));
    }

    [Fact]
    public void Principal_NamedByNameTyp_AndMalformedHeaders_AreHandled()
    {
        var named = """{"auth_typ":"aad","name_typ":"custom","claims":[{"typ":"custom","val":"Staf@Sekolah.id"}]}""";

        Assert.Equal("staf@sekolah.id", ClientPrincipal.EmailOf(Convert.ToBase64String(Encoding.UTF8.GetBytes(named))));
        Assert.Null(ClientPrincipal.EmailOf(null));
        Assert.Null(ClientPrincipal.EmailOf("not base64!"));
        Assert.Null(ClientPrincipal.EmailOf(Convert.ToBase64String(Encoding.UTF8.GetBytes("[1,2]"))));
        Assert.Null(ClientPrincipal.EmailOf(Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"claims":"x"}"""))));
        Assert.Equal("a@b.id", ClientPrincipal.EmailOf(ClientPrincipal.Encode("A@b.id")));
    }

    [Fact]
    public void PlatformKey_MatchesOnlyTheConfiguredKey_AndNothingWhenUnset()
    {
        var key = new PlatformKey(Options.Create(new AdminOptions { ApiKey = "platform-key-0123456789" }));
        var unset = new PlatformKey(Options.Create(new AdminOptions()));

        Assert.True(key.Matches("platform-key-0123456789"));
        Assert.False(key.Matches("platform-key-012345678"));
        Assert.False(key.Matches(""));
        Assert.False(key.Matches(null));
        Assert.False(unset.Matches(""));
        Assert.False(unset.Matches("anything"));
    }

    [Fact]
    public async Task FormToken_WorksForItsPersonOnly_UntilItExpires()
    {
        var storage = await TestStorage.CreateAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2027, 1, 9, 2, 0, 0, TimeSpan.Zero));
        var keys = new SigningKeyProvider(Options.Create(new LinksOptions { SigningKey = Convert.ToBase64String(new byte[32]) }), storage);
        var tokens = new FormTokens(keys, clock);
        var ani = new Caller(CallerKind.Principal, "ani@sekolah.id", false, []);
        var budi = new Caller(CallerKind.Principal, "budi@sekolah.id", false, []);

        var token = await tokens.IssueAsync(ani, CancellationToken.None);

        Assert.True(await tokens.IsValidAsync(ani, token, CancellationToken.None));
        Assert.False(await tokens.IsValidAsync(budi, token, CancellationToken.None));
        Assert.False(await tokens.IsValidAsync(ani, token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1], CancellationToken.None));
        Assert.False(await tokens.IsValidAsync(ani, "", CancellationToken.None));
        clock.Advance(FormTokens.Lifetime - TimeSpan.FromSeconds(1));
        Assert.True(await tokens.IsValidAsync(ani, token, CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await tokens.IsValidAsync(ani, token, CancellationToken.None));
    }

    [Theory]
    [InlineData("ani@sekolah.sch.id", true)]
    [InlineData("a.b-c+d@x.co.id", true)]
    [InlineData("ani@sekolah", false)]
    [InlineData("@sekolah.id", false)]
    [InlineData("ani@@sekolah.id", false)]
    [InlineData("ani sekolah@x.id", false)]
    [InlineData("ani/x@sekolah.id", false)]
    [InlineData("ani@sekolah.id.", false)]
    public void StaffEmail_IsAPlainAddress_SafeAsATableKey(string email, bool valid) => Assert.Equal(valid, StaffEmail.IsValid(email));

    [Fact]
    public void Settings_ShortPlatformKey_AndBadPlatformAdmins_StopStartUp()
    {
        var services = new ServiceCollection().AddLogging();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Admin:ApiKey"] = "short", ["Auth:PlatformAdmins"] = "ok@x.id, not-an-email" })
            .Build();
        services.AddBkOutreach(configuration);
        using var provider = services.BuildServiceProvider();

        var admin = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AdminOptions>>().Value);
        var auth = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AuthOptions>>().Value);
        Assert.Contains(admin.Failures, f => f.StartsWith("Admin__ApiKey:", StringComparison.Ordinal));
        Assert.Contains(auth.Failures, f => f.Contains("not-an-email", StringComparison.Ordinal));
    }
}
