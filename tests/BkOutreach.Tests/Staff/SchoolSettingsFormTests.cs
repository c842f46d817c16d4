using BkOutreach.Core.Access;
using BkOutreach.Core.Schools;
using BkOutreach.Core.Staff;

namespace BkOutreach.Tests.Staff;

public sealed class SchoolSettingsFormTests
{
    [Fact]
    public void FieldErrors_PutEachProblemOnTheFieldItsPathNames_IndexedPathsToo_OthersOnTheFallback()
    {
        var fields = new Dictionary<string, string> { ["latitude"] = "latitude", ["sendingWindow.to"] = "window_to", ["terms[].lastDay"] = "term_last" };
        var errors = SchoolSettingsForm.FieldErrors(
            ["latitude: 91 is outside -90..90.", "latitude: second problem.", "sendingWindow.to: 'x' is not an HH:mm time.", "terms[3].lastDay: '2027' is not a yyyy-MM-dd date.", "blackouts[0].from: bad."],
            fields,
            "name",
            f => "L-" + f);

        Assert.Equal(
            [
                new FieldError("latitude", "L-latitude: 91 is outside -90..90."),
                new FieldError("window_to", "L-window_to: 'x' is not an HH:mm time."),
                new FieldError("term_last", "L-term_last: '2027' is not a yyyy-MM-dd date."),
                new FieldError("name", "blackouts[0].from: bad."),
            ],
            errors);
    }

    [Fact]
    public void Apply_KeepsTermsAndBlackouts_ReadsCommaDecimals_AndNamesUnreadableNumbers()
    {
        var stored = new SchoolSettings { Name = "Lama", Latitude = -2.99, Terms = [new Term("T", "2027-01-04", "2027-06-19")], Blackouts = [new Blackout("2027-03-19", null, "Idul Fitri")] };
        var (school, unreadable) = SchoolSettingsForm.Apply(stored, new SchoolSettingsFormValues("Baru", "Asia/Makassar", "x1", "119,41", "en", "07:00", "19:00", "v"));

        Assert.Equal("Baru", school.Name);
        Assert.Equal("Asia/Makassar", school.TimeZone);
        Assert.Equal(-2.99, school.Latitude);
        Assert.Equal(119.41, school.Longitude);
        Assert.Equal(new TimeWindow("07:00", "19:00"), school.SendingWindow);
        Assert.Equal(stored.Terms, school.Terms);
        Assert.Equal(stored.Blackouts, school.Blackouts);
        Assert.Equal(["latitude"], unreadable.Keys);
    }

    [Fact]
    public void Zones_OfferIndonesiasZones_AndTheCurrentOneWhenItIsAnother()
    {
        Assert.Equal(["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"], SchoolSettingsForm.Zones("Asia/Makassar").Select(z => z.Value));
        Assert.Equal("Asia/Makassar", Assert.Single(SchoolSettingsForm.Zones("Asia/Makassar"), z => z.Selected).Value);
        var other = SchoolSettingsForm.Zones("Asia/Singapore");
        Assert.Equal(5, other.Count);
        Assert.True(other[^1] is { Value: "Asia/Singapore", Selected: true });
    }

    [Theory]
    [InlineData("me@s.id", null, true)]
    [InlineData("ME@S.ID ", "counselor", true)]
    [InlineData("me@s.id", "school_admin", false)]
    [InlineData("other@s.id", null, false)]
    public void IsOwnAdminAccess_RefusesRemovingOrDemotingYourself(string email, string? newRole, bool refused)
    {
        var caller = new Caller(CallerKind.Principal, "me@s.id", false, [new StaffGrant("s", StaffRole.SchoolAdmin, null)]);
        Assert.Equal(refused, StaffForm.IsOwnAdminAccess(caller, "s", email, newRole));
        Assert.False(StaffForm.IsOwnAdminAccess(caller with { IsPlatformAdmin = true }, "s", email, newRole));
    }
}
