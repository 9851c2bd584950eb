using System.Diagnostics;
using FastRes.Cli.Hosting;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// SIGTERM reaching a real fastres in the middle of one long computation: hessian-at-zero at depth 64 with n = 1 is a
/// single eigenproblem of order 6,400 (ten seconds or more of reduction on this machine's two cores),
/// which before the kernels polled their token ran to the end and wrote its results as if nothing had happened.
/// </summary>
[NonParallelizable]
public class ChildProcessCancelTests
{
    private string _dir = null!;

    [SetUp]
    public void Folder() => _dir = CliHarness.TempPath("cancel");

    [TearDown]
    public void Cleanup() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    [Test]
    public void SIGTERM_during_an_order_6400_eigenproblem_exits_130_within_seconds_with_one_cancelled_line_and_no_results()
    {
        using var p = Process.Start(ChildFastres.StartInfo(["run", "hessian-at-zero", "--depths", "64", "--shortcut", "1", "--out", _dir]))!;
        var output = p.StandardOutput.ReadToEndAsync();
        // The first progress line comes PlainInterval (2 s) after the runner started: by then the 6,400² Hessian
        // (linear, from the moments) is built and the eigen solver is well into its reduction.
        var lines = new List<string>();
        var computing = new ManualResetEventSlim();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.StartsWith("hessian-at-zero: 0/1", StringComparison.Ordinal)) computing.Set();
        };
        p.BeginErrorReadLine();
        Assert.That(computing.Wait(TimeSpan.FromSeconds(60)), Is.True, "no progress line within a minute");
        Assert.That(p.HasExited, Is.False, "the run finished before it could be stopped");

        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString()])) kill.WaitForExit();
        bool exited = p.WaitForExit(30_000);
        var latency = clock.Elapsed;
        if (!exited) p.Kill();
        p.WaitForExit(); // drains the redirected streams
        TestContext.Out.WriteLine($"exited {latency.TotalMilliseconds:F0} ms after SIGTERM");

        Assert.That(exited, Is.True, "still running 30 s after SIGTERM");
        Assert.That(latency, Is.LessThan(TimeSpan.FromSeconds(5)), "SIGTERM must stop the eigen solver within a few seconds");
        string[] err;
        lock (lines) err = [.. lines];
        Assert.That(p.ExitCode, Is.EqualTo(ExitCodes.Cancelled), string.Join("\n", err));
        Assert.That(err.Count(l => l.StartsWith("cancelled:", StringComparison.Ordinal)), Is.EqualTo(1), string.Join("\n", err));
        Assert.That(err, Has.None.StartsWith("error:"));
        Assert.That(output.Result, Is.Empty, "nothing is reported as a result");
        Assert.That(File.Exists(Path.Combine(_dir, "results.json")), Is.False, "no results from a stopped run");
        Assert.That(Directory.GetFiles(_dir, "*.tmp"), Is.Empty);
    }
}
