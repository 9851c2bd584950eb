using System.Diagnostics;
using FastRes.Cli.Hosting;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// <c>fastres slurm run</c> without a cluster: the scripts it writes name the array, map task i to shard i/N, forward
/// the options, call this very fastres.dll, and — run by bash with the variables Slurm would set — produce shards
/// whose merge equals a single run. (The real cluster test is .ci/slurm-test.)
/// </summary>
[NonParallelizable]
public class SlurmScriptTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = CliHarness.TempPath("slurm");

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private static readonly string[] Options = ["--k", "2,4", "--trials", "200", "--iterations", "300", "--block-trials", "32"];

    [Test]
    public void Scripts_describe_the_array_and_the_merge()
    {
        var r = CliHarness.Run(["slurm", "run", "shortcut-cnn", .. Options, "--shards", "3", "--out", _dir,
            "--partition", "debug", "--time", "1:00:00", "--cpus-per-task", "2"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        string job = File.ReadAllText(Path.Combine(_dir, "job.sbatch"));
        string merge = File.ReadAllText(Path.Combine(_dir, "merge.sbatch"));
        string dll = SlurmJob.Launcher()[1];
        Assert.Multiple(() =>
        {
            Assert.That(job, Does.Contain("#SBATCH --array=0-2"));
            Assert.That(job, Does.Contain("#SBATCH --cpus-per-task=2"));
            Assert.That(job, Does.Contain("#SBATCH --partition=debug"));
            Assert.That(job, Does.Contain("#SBATCH --time=1:00:00"));
            Assert.That(job, Does.Contain("SLURM_ARRAY_TASK_ID"));
            Assert.That(job, Does.Contain("--shard \"$shard/3\" --threads \"$threads\""));
            Assert.That(job, Does.Contain("run shortcut-cnn --k 2,4 --trials 200 --iterations 300 --block-trials 32"));
            Assert.That(job, Does.Contain("--shard \"$shard/3\" --resume \"$out\""), "a rerun task resumes its shard, checking its options");
            Assert.That(job, Does.Contain(dll));
            Assert.That(Path.IsPathRooted(dll));
            Assert.That(merge, Does.Contain(" merge "));
            Assert.That(merge, Does.Contain("--out \"$dir/merged\""));
            Assert.That(merge, Does.Contain("seq 0 2"));
        });
    }

    [Test]
    public void Scripts_run_by_bash_as_slurm_would_give_the_single_run_result()
    {
        var single = CliHarness.Run(["run", "shortcut-cnn", .. Options, "--out", Path.Combine(_dir, "single")]);
        Assert.That(single.ExitCode, Is.EqualTo(0), single.Error);
        string job = Path.Combine(_dir, "job");
        var r = CliHarness.Run(["slurm", "run", "shortcut-cnn", .. Options, "--shards", "3", "--out", job]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        for (int i = 0; i < 3; i++)
            Bash(Path.Combine(job, "job.sbatch"), new() { ["SLURM_ARRAY_TASK_ID"] = $"{i}", ["SLURM_CPUS_PER_TASK"] = "1" });
        // A task that runs again (requeue) finds its results and does nothing; one whose shard was interrupted resumes it.
        Bash(Path.Combine(job, "job.sbatch"), new() { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_CPUS_PER_TASK"] = "1" });
        File.Delete(Path.Combine(job, "shards", "2", "results.json"));
        Bash(Path.Combine(job, "job.sbatch"), new() { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_CPUS_PER_TASK"] = "2" });
        Bash(Path.Combine(job, "merge.sbatch"), []);
        ResultsComparison.AssertSameResults(Path.Combine(_dir, "single"), Path.Combine(job, "merged"), "job.sbatch × 3 + merge.sbatch");
    }

    private static void Bash(string script, Dictionary<string, string> env)
    {
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in env) start.Environment[k] = v;
        // As in ChildProcessResumeTests: the children's speed should not depend on CI's SIMD configuration.
        start.Environment.Remove("DOTNET_EnableHWIntrinsic");
        start.Environment.Remove("DOTNET_PreferredVectorBitWidth");
        using var p = Process.Start(start)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(60_000), Is.True);
        Assert.That(p.ExitCode, Is.EqualTo(0), $"{script}: {output}\n{err.Result}");
    }

    [Test]
    public void A_job_folder_that_already_holds_shards_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "shards", "0"));
        var r = CliHarness.Run(["slurm", "run", "shortcut-cnn", .. Options, "--shards", "2", "--out", _dir]);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(r.Error, Does.Contain("already holds the shards"));
        Assert.That(File.Exists(Path.Combine(_dir, "job.sbatch")), Is.False);
    }

    [Test]
    public void Submit_without_slurm_is_one_line_exit_1_after_the_scripts_are_written()
    {
        // Hide any installed Slurm: PATH is an empty folder for the duration (the class is not run in parallel).
        string? path = Environment.GetEnvironmentVariable("PATH");
        string empty = Path.Combine(_dir, "empty-path");
        Directory.CreateDirectory(empty);
        CliHarness.Outcome r;
        try
        {
            Environment.SetEnvironmentVariable("PATH", empty);
            r = CliHarness.Run(["slurm", "run", "shortcut-cnn", .. Options, "--shards", "2", "--out", Path.Combine(_dir, "job"), "--submit"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.RuntimeFailure), r.Error);
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(r.Error, Does.Contain("sbatch not found"));
        Assert.That(File.Exists(Path.Combine(_dir, "job", "job.sbatch")));
    }
}
