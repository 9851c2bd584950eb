using FastRes.Cli;

namespace FastRes.Tests.Cli;

/// <summary>Runs `fastres` in-process and captures what it prints.</summary>
public static class CliHarness
{
    public sealed record Outcome(int ExitCode, string Out, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Outcome Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return new Outcome(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A fresh folder name under the temp dir that does not exist yet.</summary>
    public static string TempPath(string tag) => Path.Combine(Path.GetTempPath(), $"fastres-cli-{tag}-{Guid.NewGuid():N}");
}
