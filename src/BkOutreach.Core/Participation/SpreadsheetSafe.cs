namespace BkOutreach.Core.Participation;

/// <summary>
/// Keeps a CSV cell from running as a formula when the file is opened in a spreadsheet (CSV injection):
/// a cell that starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or carriage return gets a single quote
/// in front, which spreadsheets read as "this is text". Every exported cell goes through <see cref="Cell"/>.
/// </summary>
public static class SpreadsheetSafe
{
    public static string Cell(string? value) =>
        string.IsNullOrEmpty(value) ? "" : value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
}
