namespace BkOutreach.Core;

/// <summary>How a use case ended, for the trigger to map to HTTP: done, not found, or refused with every problem.</summary>
public sealed record Result<T>
{
    private Result(T? value, bool notFound, IReadOnlyList<string> problems)
    {
        Value = value;
        NotFound = notFound;
        Problems = problems;
    }

    public T? Value { get; }

    public bool NotFound { get; }

    public IReadOnlyList<string> Problems { get; }

    /// <summary>Refused because what was changed is no longer what the caller saw (a stale form or If-Match): 409.</summary>
    public bool Conflict { get; private init; }

    public bool Succeeded => !NotFound && !Conflict && Problems.Count == 0;

    public static Result<T> Ok(T value) => new(value, false, []);

    public static Result<T> Missing() => new(default, true, []);

    public static Result<T> Invalid(IReadOnlyList<string> problems) => new(default, false, problems);

    public static Result<T> Stale() => new(default, false, []) { Conflict = true };
}
