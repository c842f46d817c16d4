using System.Text.RegularExpressions;
using Azure.Data.Tables;
using BkOutreach.Core.Configuration;
using BkOutreach.Core.Links;
using BkOutreach.Core.Storage;
using BkOutreach.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NodaTime;

namespace BkOutreach.Tests.Links;

public sealed partial class LinkTokensTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2027, 1, 11, 2, 0, 0, TimeSpan.Zero);

    // The booking window 2027-01-16 … 2027-02-14 in Palembang (WIB) ends at 2027-02-15T00:00+07:00.
    private static readonly Instant WindowEnd = Instant.FromUtc(2027, 2, 14, 17, 0);

    private const string SigningKey = "c2lnbmluZy1rZXktZm9yLWxpbmstdG9rZW4tdGVzdHMtMDEyMzQ1Njc4OQ==";

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly string _school = "school-" + Guid.NewGuid().ToString("N")[..8];
    private StorageAccount _storage = null!;
    private LinkTokens _links = null!;

    public async Task InitializeAsync()
    {
        _storage = new StorageAccount(Options.Create(new StorageOptions { ConnectionString = await TestAzurite.ConnectionStringAsync() }), []);
        await _storage.EnsureCreatedAsync(default);
        _links = Tokens(SigningKey);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Issue_GivesShortUrlSafeToken_ThatLooksUpToItsGrant()
    {
        var token = await _links.IssueAsync(_school, "g-1", "camp-1", WindowEnd, default);

        Assert.Matches(UrlSafe28(), token);
        var grant = await _links.LookupAsync(token, default);
        Assert.Equal(new LinkGrant(token, _school, "g-1", "camp-1", WindowEnd), grant);
        Assert.Equal($"https://bk.example.id/api/b/{token}", LinkTokens.BookingUrl("https://bk.example.id/", token));
    }

    [Fact]
    public async Task Issue_SameGuardianAndCampaignTwice_GivesSameToken_OthersDiffer()
    {
        var first = await _links.IssueAsync(_school, "g-1", "camp-1", WindowEnd, default);
        var again = await _links.IssueAsync(_school, "g-1", "camp-1", WindowEnd, default);
        var otherCampaign = await _links.IssueAsync(_school, "g-1", "camp-2", WindowEnd, default);
        var otherGuardian = await _links.IssueAsync(_school, "g-2", "camp-1", WindowEnd, default);
        var otherSchool = await _links.IssueAsync(_school + "-b", "g-1", "camp-1", WindowEnd, default);

        Assert.Equal(first, again);
        Assert.Equal(4, new[] { first, otherCampaign, otherGuardian, otherSchool }.Distinct().Count());
        Assert.Equal("camp-2", (await _links.LookupAsync(otherCampaign, default))!.CampaignId);
    }

    [Fact]
    public async Task Issue_ConcurrentlyForSameTriple_AllGetTheSameWorkingToken()
    {
        var tokens = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => _links.IssueAsync(_school, "g-race", "camp-1", WindowEnd, default))));

        var token = Assert.Single(tokens.Distinct());
        Assert.NotNull(await _links.LookupAsync(token, default));
        var rows = _storage.Table(StorageNames.LinksTable).Query<TableEntity>(e => e.GetString("GuardianId") == "g-race" && e.GetString("SchoolId") == _school).ToList();
        Assert.Single(rows);
    }

    [Fact]
    public async Task Lookup_AtOrAfterBookingWindowEnd_IsNull()
    {
        var token = await _links.IssueAsync(_school, "g-1", "camp-1", WindowEnd, default);

        _clock.SetUtcNow(WindowEnd.ToDateTimeOffset().AddSeconds(-1));
        Assert.NotNull(await _links.LookupAsync(token, default));
        _clock.SetUtcNow(WindowEnd.ToDateTimeOffset());
        Assert.Null(await _links.LookupAsync(token, default));
    }

    [Fact]
    public async Task Issue_AgainWithMovedWindow_KeepsTokenAndTakesNewExpiry()
    {
        var token = await _links.IssueAsync(_school, "g-1", "camp-1", WindowEnd, default);
        var extended = WindowEnd + Duration.FromDays(7);

        Assert.Equal(token, await _links.IssueAsync(_school, "g-1", "camp-1", extended, default));
        _clock.SetUtcNow(WindowEnd.ToDateTimeOffset().AddDays(1));

        Assert.Equal(extended, (await _links.LookupAsync(token, default))!.ExpiresAt);
    }

    [Fact]
    public async Task Lookup_ForgedMistypedOrForeignTokens_IsNull()
    {
        var token = await _links.IssueAsync(_school, "g-1", "camp-1", WindowEnd, default);
        var flipped = token[..^1] + (token[^1] == 'A' ? 'B' : 'A');
        var otherId = (token[0] == 'A' ? 'B' : 'A') + token[1..];
        var foreign = await Tokens(Convert.ToBase64String(new byte[32])).IssueAsync(_school, "g-9", "camp-1", WindowEnd, default);

        Assert.Null(await _links.LookupAsync(flipped, default));
        Assert.Null(await _links.LookupAsync(otherId, default));
        Assert.Null(await _links.LookupAsync(foreign, default));
        Assert.Null(await _links.LookupAsync(token[..^1], default));
        Assert.Null(await _links.LookupAsync(token + "A", default));
        Assert.Null(await _links.LookupAsync(new string('!', LinkTokens.TokenLength), default));
        Assert.Null(await _links.LookupAsync("", default));
        Assert.Null(await _links.LookupAsync(null, default));
    }

    [Fact]
    public async Task Lookup_GenuineMacButNoRow_IsNull()
    {
        var token = LinkTokens.Compose(await _links.MacKeyAsync(default), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

        Assert.Matches(UrlSafe28(), token);
        Assert.Null(await _links.LookupAsync(token, default));
    }

    [Fact]
    public async Task Issue_ManyTimes_GivesDistinctTokens()
    {
        var tokens = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => _links.IssueAsync(_school, $"g-{i}", "camp-many", WindowEnd, default)));

        Assert.Equal(100, tokens.Distinct(StringComparer.Ordinal).Count());
        Assert.All(tokens, t => Assert.Matches(UrlSafe28(), t));
    }

    [Fact]
    public async Task IssueMany_WritesACampaignsTokensInOneTransactionPer100_SameTokensAsOneByOne()
    {
        var counter = new CountingPolicy();
        var counted = new StorageAccount(Options.Create(new StorageOptions { ConnectionString = await TestAzurite.ConnectionStringAsync() }), [new StoragePipelinePolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry)]);
        var links = new LinkTokens(counted, new SigningKeyProvider(Options.Create(new LinksOptions { SigningKey = SigningKey }), counted), _clock);
        await links.IssueAsync(_school, "warm-up", "camp-batch", WindowEnd, default);
        var guardians = Enumerable.Range(0, 250).Select(i => $"g-{i}").ToList();

        counter.Count = 0;
        var tokens = await links.IssueManyAsync(_school, "camp-batch", guardians, WindowEnd, default);
        var trips = counter.Count;

        Assert.Equal(3, trips);
        Assert.Equal(250, tokens.Values.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(await _links.IssueAsync(_school, "g-17", "camp-batch", WindowEnd, default), tokens["g-17"]);
        foreach (var g in new[] { "g-0", "g-99", "g-100", "g-249" })
        {
            Assert.Equal(new LinkGrant(tokens[g], _school, g, "camp-batch", WindowEnd), await _links.LookupAsync(tokens[g], default));
        }
    }

    private sealed class CountingPolicy : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        public int Count;

        public override void OnSendingRequest(Azure.Core.HttpMessage message) => Interlocked.Increment(ref Count);
    }

    private LinkTokens Tokens(string signingKey) =>
        new(_storage, new SigningKeyProvider(Options.Create(new LinksOptions { SigningKey = signingKey }), _storage), _clock);

    [GeneratedRegex("^[A-Za-z0-9_-]{28}$")]
    private static partial Regex UrlSafe28();
}
