namespace FastRes.Experiments.Data;

/// <summary>
/// A data file that cannot be used: missing or unreadable, not in the format it claims, truncated, inconsistent with
/// its companion file, or too small for the requested preprocessing. The message is one line, "FILE: problem", so
/// the host can print it as it stands and exit with code 2 (SPEC §6-7, bad input).
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file (or folder) as the user named it.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Problem { get; }
}
