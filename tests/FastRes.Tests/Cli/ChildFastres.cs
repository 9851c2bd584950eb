using System.Diagnostics;
using FastRes.Cli.Hosting;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>The built fastres.dll as a real child process (through dotnet), for tests about kills, signals and races.</summary>
internal static class ChildFastres
{
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        string[] launcher = SlurmJob.Launcher(); // dotnet + the fastres.dll next to this test assembly
        // Started through `env --default-signal=INT`: a test run launched in the background of a non-interactive
        // shell inherits SIGINT as ignored (the Unix rule for background jobs, which .NET respects), and the child
        // would never see our SIGINT. Ctrl-C reaches a foreground fastres with the default disposition; so here.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(launcher[0]);
        start.ArgumentList.Add(launcher[1]);
        // CI repeats the suite with SIMD narrowed or off; that is about the kernels (tested in-process), while these
        // tests are about kill/resume and need the child to take the same ~1.5 s in every configuration.
        start.Environment.Remove("DOTNET_EnableHWIntrinsic");
        start.Environment.Remove("DOTNET_PreferredVectorBitWidth");
        foreach (string a in args) start.ArgumentList.Add(a);
        return start;
    }

    public static (int Code, string Out, string Err) Run(IEnumerable<string> args)
    {
        using var p = Process.Start(StartInfo(args))!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(120_000), Is.True, "fastres did not finish in 2 minutes");
        return (p.ExitCode, output, err.Result);
    }

    /// <summary>Starts fastres and returns the running process (its output streams are drained in the background).</summary>
    public static Process Start(IEnumerable<string> args)
    {
        var p = Process.Start(StartInfo(args))!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Waits until <paramref name="condition"/> holds or <paramref name="process"/> has exited, at most 30 s.</summary>
    public static void WaitFor(Func<bool> condition, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(5);
    }

    /// <summary>Whole lines in the checkpoint (header included), −1 while it does not exist.</summary>
    public static int Lines(string checkpoint)
    {
        try
        {
            using var f = new FileStream(checkpoint, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            int n = 0, b;
            while ((b = f.ReadByte()) >= 0) if (b == '\n') n++;
            return n;
        }
        catch (FileNotFoundException) { return -1; }
        catch (DirectoryNotFoundException) { return -1; }
    }
}
