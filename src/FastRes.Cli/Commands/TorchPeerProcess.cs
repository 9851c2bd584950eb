using System.Diagnostics;
using System.Text.Json;

namespace FastRes.Cli.Commands;

/// <summary>
/// How the PyTorch peers run: a script under bench/peers/ by Debian's /usr/bin/python3 (the one with python3-torch; a
/// different python3 may come first on PATH) in a child process, which prints one JSON object; a failure becomes one
/// line naming the script, its exit code and its last error line (with the install hint when torch is missing).
/// </summary>
internal static class TorchPeerProcess
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> (a repository path) with <paramref name="args"/>; the JSON it printed.</summary>
    public static JsonDocument RunJson(string script, IEnumerable<string> args, int[]? acceptExitCodes = null)
    {
        string path = FindScript(script) ?? throw new InvalidOperationException(
            $"--peer: {script} not found above {AppContext.BaseDirectory} or the current folder (run from a FastRes checkout)");
        if (!File.Exists(Python)) throw new InvalidOperationException($"--peer: {Python} not found (apt-get install python3-torch)");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(path);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"--peer: cannot start {Python}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (!(acceptExitCodes ?? [0]).Contains(process.ExitCode) || stdout.Trim().Length == 0)
        {
            string last = stderr.Result.Trim().Split('\n').LastOrDefault() ?? "";
            string hint = last.Contains("No module named 'torch'", StringComparison.Ordinal) ? " (apt-get install python3-torch)" : "";
            throw new InvalidOperationException($"--peer: {script} exited with {process.ExitCode}: {last}{hint}");
        }
        return JsonDocument.Parse(stdout);
    }

    /// <summary>The script from the current folder (a checkout) or from the build output up to the repository.</summary>
    private static string? FindScript(string script)
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, script))) return Path.Combine(dir.FullName, script);
        return null;
    }
}
