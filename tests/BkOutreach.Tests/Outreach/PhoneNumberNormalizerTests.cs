using BkOutreach.Core.Outreach;

namespace BkOutreach.Tests.Outreach;

public sealed class PhoneNumberNormalizerTests
{
    [Theory]
    [InlineData("081234567890")]
    [InlineData("6281234567890")]
    [InlineData("+6281234567890")]
    [InlineData("+62 812-3456-7890")]
    [InlineData("81234567890")]
    [InlineData("0812 3456 7890")]
    [InlineData("0812.3456.7890")]
    [InlineData("0812-3456-7890")]
    [InlineData("(0812) 3456-7890")]
    [InlineData("+62 (812) 3456 7890")]
    [InlineData("  0812 3456 7890  ")]
    [InlineData("'081234567890")]
    [InlineData("62 812 3456 7890")]
    [InlineData("006281234567890")]
    [InlineData("0062 812-3456-7890")]
    [InlineData("00 62 (0)812 3456 7890")]
    public void Normalize_IndonesianMobileInAnyForm_GivesE164(string raw)
    {
        var result = PhoneNumberNormalizer.Normalize(raw);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal("+6281234567890", result.E164);
        Assert.Null(result.Error);
    }

    [Theory]
    [InlineData("0857 1234 5678", "+6285712345678")]
    [InlineData("0896-1234-5678", "+6289612345678")]
    [InlineData("0813 7777 888", "+628137777888")]
    public void Normalize_OtherIndonesianOperators_GiveE164(string raw, string expected) =>
        Assert.Equal(expected, PhoneNumberNormalizer.Normalize(raw).E164);

    [Theory]
    [InlineData("021-5551234")]
    [InlineData("(021) 5551 234")]
    [InlineData("0711 351234")]
    [InlineData("+62 711 351234")]
    [InlineData("0062 21 5551234")]
    public void Normalize_IndonesianLandline_IsRejectedAsLandline(string raw)
    {
        var result = PhoneNumberNormalizer.Normalize(raw);

        Assert.False(result.IsValid);
        Assert.Equal("landline cannot receive SMS", result.Error);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("0812")]
    [InlineData("0812345678901234567")]
    [InlineData("not a number")]
    [InlineData("0812-3456-789x")]
    [InlineData("+999 1234 5678")]
    [InlineData("44 7911 123456")]
    [InlineData("0044 7911 123456")]
    public void Normalize_InvalidNumber_IsRejectedAsNotValid(string raw)
    {
        var result = PhoneNumberNormalizer.Normalize(raw);

        Assert.False(result.IsValid);
        Assert.Equal("not a valid number", result.Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Normalize_Nothing_IsMissing(string? raw) =>
        Assert.Equal("phone number is missing", PhoneNumberNormalizer.Normalize(raw).Error);

    [Theory]
    [InlineData("+44 7911 123456", "+447911123456")]
    [InlineData("+61 412 345 678", "+61412345678")]
    [InlineData("+60 12-345 6789", "+60123456789")]
    [InlineData("+1 650-253-0000", "+16502530000")]
    public void Normalize_ForeignMobileWithPlus_IsAccepted(string raw, string expected) =>
        Assert.Equal(expected, PhoneNumberNormalizer.Normalize(raw).E164);

    [Fact]
    public void Normalize_ForeignLandline_IsRejectedAsLandline() =>
        Assert.Equal("landline cannot receive SMS", PhoneNumberNormalizer.Normalize("+44 20 7946 0958").Error);
}
