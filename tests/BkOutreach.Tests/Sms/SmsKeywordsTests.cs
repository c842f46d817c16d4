using BkOutreach.Core.Sms;

namespace BkOutreach.Tests.Sms;

public sealed class SmsKeywordsTests
{
    [Theory]
    [InlineData("BERHENTI")]
    [InlineData("berhenti")]
    [InlineData("  Berhenti.  ")]
    [InlineData("STOP")]
    [InlineData("stop!")]
    [InlineData("\"Stop\"")]
    [InlineData("UNSUBSCRIBE")]
    [InlineData("unsubscribe\n")]
    [InlineData("...STOP...")]
    [InlineData("STOP 🙏")]
    public void Classify_StopWords_AreOptOut(string text) => Assert.Equal(SmsKeyword.OptOut, SmsKeywords.Classify(text));

    [Theory]
    [InlineData("MULAI")]
    [InlineData(" mulai ")]
    [InlineData("Start!")]
    public void Classify_StartWords_AreOptIn(string text) => Assert.Equal(SmsKeyword.OptIn, SmsKeywords.Classify(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Terima kasih bu")]
    [InlineData("STOP SMS")]
    [InlineData("jangan stop")]
    [InlineData("STOPP")]
    [InlineData("5")]
    public void Classify_AnythingElse_IsOther(string? text) => Assert.Equal(SmsKeyword.Other, SmsKeywords.Classify(text));
}
