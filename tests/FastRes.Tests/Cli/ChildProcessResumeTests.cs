using System.Diagnostics;
using FastRes.Cli.Hosting;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// The real thing: the built fastres.dll run as a child process through dotnet, killed with SIGKILL at random points
/// (no chance to clean up) or stopped with SIGINT/SIGTERM, then resumed with <c>--resume</c>; the final results.json
/// must equal a straight run's apart from timing — no trial lost, none counted twice.
/// </summary>
[NonParallelizable]
public class ChildProcessResumeTests
{
    // About 1.5 s single-threaded on the 2-core CI machine; blocks of 64 trials give ~300 block records to cut between.
    private static readonly string[] Options =
        ["--k", "8", "--trials", "20000", "--iterations", "3000", "--threads", "1", "--block-trials", "64"];

    private static string _root = null!;
    private static string _straight = null!;

    [OneTimeSetUp]
    public void StraightRun()
    {
        _root = CliHarness.TempPath("child");
        _straight = Path.Combine(_root, "straight");
        var r = Fastres(["run", "shortcut-cnn", .. Options, "--out", _straight]);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
    }

    [OneTimeTearDown]
    public void Cleanup() { if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true); }

    /// <summary>The built fastres with <paramref name="args"/>, as these tests (and <see cref="ChildProcessCancelTests"/>) start it.</summary>
    internal static ProcessStartInfo StartInfo(IEnumerable<string> args)
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

    private static (int Code, string Out, string Err) Fastres(IEnumerable<string> args)
    {
        using var p = Process.Start(StartInfo(args))!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(120_000), Is.True, "fastres did not finish in 2 minutes");
        return (p.ExitCode, output, err.Result);
    }

    /// <summary>Starts a run, waits until its checkpoint exists (config.json is written before it), then waits
    /// <paramref name="delay"/> more and sends <paramref name="signal"/> (null = SIGKILL).</summary>
    private static (int Code, string Err) StartAndInterrupt(IEnumerable<string> args, string checkpoint, TimeSpan delay, string? signal, int minRecords = 0)
    {
        using var p = Process.Start(StartInfo(args))!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(30) && Records(checkpoint) < minRecords) Thread.Sleep(5);
        Thread.Sleep(delay);
        if (!p.HasExited)
        {
            if (signal is null) p.Kill(entireProcessTree: false); // SIGKILL on Unix (env has exec'ed dotnet: same pid)
            else using (var kill = Process.Start("kill", [$"-{signal}", p.Id.ToString()])) kill.WaitForExit();
        }
        Assert.That(p.WaitForExit(60_000), Is.True);
        _ = output.Result;
        return (p.ExitCode, err.Result);
    }

    /// <summary>Whole lines in the checkpoint (header included), −1 while it does not exist.</summary>
    private static int Records(string checkpoint)
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

    [Test]
    public void Killed_with_SIGKILL_at_random_points_then_resumed_equals_a_straight_run()
    {
        var random = new Random(20261124);
        for (int rep = 0; rep < 4; rep++)
        {
            string dir = Path.Combine(_root, $"kill{rep}");
            string checkpoint = Path.Combine(dir, CheckpointFile.FileName);
            var delay = TimeSpan.FromMilliseconds(random.Next(0, 1200));
            var killed = StartAndInterrupt(["run", "shortcut-cnn", .. Options, "--out", dir], checkpoint, delay, null);
            string because = $"repetition {rep}, SIGKILL {delay.TotalMilliseconds} ms after the checkpoint appeared";
            // A kill can land between the last rename and the exit, so a results.json may exist after a kill; it must
            // then be complete (atomic rename), and a clean exit must have written it.
            string results = Path.Combine(dir, "results.json");
            if (killed.Code == 0) Assert.That(File.Exists(results), because + ": finished runs write results");
            if (File.Exists(results)) Assert.DoesNotThrow(() => ResultsComparison.Normalized(results), because + ": results.json is whole");
            Assert.That(Directory.GetFiles(dir, "*.tmp").Length, Is.LessThanOrEqualTo(1), because + ": at most the temp file being written when killed");

            if (rep == 3)
            {
                // Kill the resumed run as well: a resume of a resume must hold up too.
                var again = StartAndInterrupt(["run", "shortcut-cnn", "--resume", dir], checkpoint, TimeSpan.FromMilliseconds(150), null);
                TestContext.Out.WriteLine($"{because}; resumed run killed again (exit {again.Code})");
            }
            var resumed = Fastres(["run", "shortcut-cnn", "--resume", dir]);
            Assert.That(resumed.Code, Is.EqualTo(0), because + ": " + resumed.Err);
            // A kill after the results and before the exit leaves a finished folder: resuming it changes nothing.
            Assert.That(resumed.Err, Does.Contain("finished block(s)").Or.Contain("already finished"), because);
            ResultsComparison.AssertSameResults(_straight, dir, because);
            TestContext.Out.WriteLine($"{because}: {resumed.Err.Split('\n')[0]}");
        }
    }

    [TestCase("INT")]
    [TestCase("TERM")]
    public void Signal_stops_cleanly_with_a_checkpoint_and_says_how_to_resume(string signal)
    {
        string dir = Path.Combine(_root, $"sig{signal}");
        var stopped = StartAndInterrupt(["run", "shortcut-cnn", .. Options, "--out", dir], Path.Combine(dir, CheckpointFile.FileName),
            TimeSpan.FromMilliseconds(100), signal, minRecords: 2);
        Assert.That(stopped.Code, Is.EqualTo(ExitCodes.Cancelled), stopped.Err);
        Assert.That(stopped.Err, Does.Contain($"--resume {Path.GetFullPath(dir)}"));
        Assert.That(File.Exists(Path.Combine(dir, "results.json")), Is.False, "no results from a stopped run");
        Assert.That(Directory.GetFiles(dir, "*.tmp"), Is.Empty);
        // A clean stop leaves whole records only.
        Assert.That(File.ReadAllText(Path.Combine(dir, CheckpointFile.FileName)), Does.EndWith("\n"));

        var resumed = Fastres(["run", "shortcut-cnn", "--resume", dir, "--threads", "2"]);
        Assert.That(resumed.Code, Is.EqualTo(0), resumed.Err);
        ResultsComparison.AssertSameResults(_straight, dir, $"SIG{signal} then resume with 2 threads");
    }

    [Test]
    public void Resume_with_a_different_option_is_refused_and_a_corrupted_checkpoint_too()
    {
        string dir = Path.Combine(_root, "refuse");
        StartAndInterrupt(["run", "shortcut-cnn", .. Options, "--out", dir], Path.Combine(dir, CheckpointFile.FileName), TimeSpan.Zero, null, minRecords: 4);

        var different = Fastres(["run", "shortcut-cnn", "--resume", dir, "--iterations", "2000"]);
        Assert.That(different.Code, Is.EqualTo(ExitCodes.BadInput), different.Err);
        Assert.That(different.Err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(different.Err, Does.StartWith("error: --iterations:"));

        string log = Path.Combine(dir, CheckpointFile.FileName);
        var lines = File.ReadAllLines(log);
        Assume.That(lines, Has.Length.GreaterThan(2), "the run got to record blocks");
        // Move one trial from one outcome to another: the counts still add up, only the checksum can tell.
        var fields = lines[1].Split('\t');
        var tally = fields[5].Split(',').Select(long.Parse).ToArray();
        int from = Array.FindIndex(tally, 0, 4, v => v > 0);
        tally[from]--;
        tally[(from + 1) % 4]++;
        fields[5] = string.Join(",", tally);
        lines[1] = string.Join('\t', fields);
        File.WriteAllLines(log, lines);
        var corrupt = Fastres(["run", "shortcut-cnn", "--resume", dir]);
        Assert.That(corrupt.Code, Is.EqualTo(ExitCodes.BadInput), corrupt.Err);
        Assert.That(corrupt.Err, Does.Contain("corrupt"));
        Assert.That(File.Exists(Path.Combine(dir, "results.json")), Is.False);
    }
}
