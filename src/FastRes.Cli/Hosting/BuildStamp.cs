using System.Diagnostics;
using System.Reflection;

namespace FastRes.Cli.Hosting;

/// <summary>What produced a result: the fastres version and, when known, the git commit of the source tree.</summary>
public static class BuildStamp
{
    public static string Version { get; } = ReadVersion();

    private static readonly Lazy<string?> Commit = new(ReadGitCommit);

    /// <summary>`git rev-parse HEAD` of the tree the binary was built in (or the working directory); null when unknown.</summary>
    public static string? GitCommit => Commit.Value;

    private static string ReadVersion()
    {
        var asm = typeof(BuildStamp).Assembly;
        string? info = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // The SDK may append "+<source revision>"; the commit is reported separately.
        if (info is not null) return info.Split('+')[0];
        return asm.GetName().Version?.ToString(3) ?? "0.0.0";
    }

    private static string? ReadGitCommit()
    {
        // The build output lives inside the source tree (src/FastRes.Cli/bin/...), so ask there first: the commit
        // of the code that ran, not of whatever folder the user happens to run from.
        foreach (string dir in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            string? commit = TryGit(dir);
            if (commit is not null) return commit;
        }
        return null;
    }

    private static string? TryGit(string workingDirectory)
    {
        try
        {
            var start = new ProcessStartInfo("git", "rev-parse HEAD")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var git = Process.Start(start);
            if (git is null) return null;
            string output = git.StandardOutput.ReadToEnd().Trim();
            if (!git.WaitForExit(5000)) { git.Kill(); return null; }
            return git.ExitCode == 0 && output.Length == 40 && output.All(Uri.IsHexDigit) ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null; // no git on this machine
        }
    }
}
