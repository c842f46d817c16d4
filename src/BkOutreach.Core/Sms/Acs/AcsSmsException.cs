namespace BkOutreach.Core.Sms.Acs;

/// <summary>
/// ACS refused the whole request for a reason no message-level retry fixes (credentials, permissions):
/// the deployment's configuration is wrong, so this is raised rather than reported per message.
/// </summary>
public sealed class AcsSmsException : Exception
{
    public AcsSmsException()
    {
    }

    public AcsSmsException(string message)
        : base(message)
    {
    }

    public AcsSmsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AcsSmsException(int status, string? errorCode, string message)
        : base(message)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    public int Status { get; }

    public string? ErrorCode { get; }
}
