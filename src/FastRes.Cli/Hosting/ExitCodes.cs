namespace FastRes.Cli.Hosting;

/// <summary>The process exit codes of <c>fastres</c> (SPEC §7): scripts and Slurm depend on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The run itself failed (I/O, a bug): one line on stderr.</summary>
    public const int RuntimeFailure = 1;
    /// <summary>Bad input: one line on stderr naming the field; nothing written.</summary>
    public const int BadInput = 2;
    /// <summary>Cancelled by Ctrl-C (128 + SIGINT, the shell convention).</summary>
    public const int Cancelled = 130;
}
