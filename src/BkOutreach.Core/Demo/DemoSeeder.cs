using System.Text.Json;
using BkOutreach.Core.Schools;

namespace BkOutreach.Core.Demo;

/// <summary>The demo school's data file (data/demo/demo-school.json).</summary>
public sealed record DemoData(string SchoolId, SchoolSettings School, IReadOnlyList<DemoCounselor> Counselors, IReadOnlyList<DemoFamily> Families);

public sealed record DemoCounselor(string Id, string Name, string? Email, IReadOnlyList<AvailabilityWindow> Windows, int SlotMinutes, int BufferMinutes, int Seats, int MinimumNoticeHours, int HorizonDays);

public sealed record DemoFamily(string GuardianName, string Phone, string Language, IReadOnlyList<Student> Students);

public sealed record DemoSeedResult(string SchoolId, int Counselors, int Guardians, int NewGuardians, Guardian FirstGuardian);

/// <summary>Writes the demo school through the same directory the admin routes use; running it twice changes nothing.</summary>
public sealed class DemoSeeder(SchoolDirectory directory)
{
    public static DemoData Load(string path) =>
        JsonSerializer.Deserialize<DemoData>(File.ReadAllText(path), SchoolDirectory.Json)
        ?? throw new InvalidOperationException($"{path} holds no demo data.");

    public async Task<DemoSeedResult> SeedAsync(DemoData data, CancellationToken cancellationToken)
    {
        await directory.PutSchoolAsync(data.SchoolId, data.School, cancellationToken);
        foreach (var c in data.Counselors)
        {
            await directory.PutCounselorAsync(data.SchoolId, c.Id, new CounselorSettings
            {
                Name = c.Name,
                Email = c.Email,
                Windows = c.Windows,
                SlotMinutes = c.SlotMinutes,
                BufferMinutes = c.BufferMinutes,
                Seats = c.Seats,
                MinimumNoticeHours = c.MinimumNoticeHours,
                HorizonDays = c.HorizonDays,
            }, cancellationToken);
        }

        Guardian? first = null;
        var created = 0;
        foreach (var family in data.Families)
        {
            var (guardian, isNew) = await directory.UpsertGuardianAsync(data.SchoolId, family.Phone, family.GuardianName, family.Language, family.Students, cancellationToken);
            first ??= guardian;
            created += isNew ? 1 : 0;
        }

        return new DemoSeedResult(data.SchoolId, data.Counselors.Count, data.Families.Count, created, first ?? throw new InvalidOperationException("The demo data has no families."));
    }
}
