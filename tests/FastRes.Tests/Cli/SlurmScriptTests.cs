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

    /// <summary>A job folder name with what bash, sbatch's directive parser and Slurm's %-patterns each treat specially.</summary>
    private const string Awkward = "with space/it's \"#1\" at 50%";

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
            Assert.That(merge, Does.Contain("for ((i = 0; i < 3; i++))"));
            Assert.That(merge, Does.Contain("merge \"${shards[@]}\""), "the shard folders go to merge as an array, one word each");
        });
    }

    /// <summary>
    /// sbatch reads the <c>#SBATCH</c> lines itself: a value with spaces must be double-quoted (\ and " escaped), and
    /// the log path is a filename pattern, so the folder's % is doubled while the file's %a stays a pattern. (.ci/slurm-test
    /// submits a job in such a folder to a real Slurm and finds its logs where these lines say.)
    /// </summary>
    [Test]
    public void Sbatch_directives_quote_the_log_path_as_sbatch_parses_it()
    {
        string dir = Path.Combine(_dir, Awkward, "job");
        var r = CliHarness.Run(["slurm", "run", "shortcut-cnn", .. Options, "--shards", "2", "--out", dir]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        string expected = Path.GetFullPath(dir).Replace("%", "%%").Replace("\"", "\\\"");
        Assert.That(File.ReadAllLines(Path.Combine(dir, "job.sbatch")), Does.Contain($"#SBATCH --output=\"{expected}/logs/shard-%a.out\""));
        Assert.That(File.ReadAllLines(Path.Combine(dir, "merge.sbatch")), Does.Contain($"#SBATCH --output=\"{expected}/logs/merge.out\""));
    }

    /// <summary>The printed submit command, pasted into bash (with sbatch stubbed), passes each script path as one word.</summary>
    [Test]
    public void The_printed_submit_command_survives_bash_with_an_awkward_folder()
    {
        string dir = Path.GetFullPath(Path.Combine(_dir, Awkward, "job"));
        var r = CliHarness.Run(["slurm", "run", "shortcut-cnn", .. Options, "--shards", "2", "--out", dir]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        string command = r.Out.Split('\n').Single(l => l.StartsWith("submit with: ", StringComparison.Ordinal))["submit with: ".Length..];
        string log = Path.Combine(_dir, "sbatch-args");
        // The stub prints one argument per line, then a job id as --parsable would ("ID;CLUSTER").
        string stub = $"sbatch() {{ printf '%s\\n' \"$@\" >> {SlurmJob.Sh(log)}; echo '42;cluster'; }}";
        var (code, _, err) = BashCommand(stub + "\n" + command);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(File.ReadAllLines(log), Is.EqualTo(new[]
        {
            "--parsable", Path.Combine(dir, "job.sbatch"), "--dependency=afterok:42", Path.Combine(dir, "merge.sbatch"),
        }));
    }

    [Test]
    public void A_job_folder_Slurm_cannot_name_is_refused_in_one_line()
    {
        foreach (string bad in new[] { "back\\slash", "line\nbreak" })
        {
            string dir = Path.Combine(_dir, bad);
            var r = CliHarness.Run(["slurm", "run", "shortcut-cnn", .. Options, "--shards", "2", "--out", dir]);
            Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
            Assert.That(r.ErrorLines, Has.Length.EqualTo(1));
            Assert.That(r.Error, Does.StartWith("error: --out: must not contain a backslash or a control character"));
            Assert.That(Directory.Exists(dir), Is.False, "nothing written");
        }
    }

    [TestCase("job")]
    [TestCase(Awkward + "/job")]
    public void Scripts_run_by_bash_as_slurm_would_give_the_single_run_result(string folder)
    {
        var single = CliHarness.Run(["run", "shortcut-cnn", .. Options, "--out", Path.Combine(_dir, "single")]);
        Assert.That(single.ExitCode, Is.EqualTo(0), single.Error);
        string job = Path.Combine(_dir, folder);
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

    private static (int Code, string Out, string Err) BashCommand(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(start)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(10_000), Is.True);
        return (p.ExitCode, output, err.Result);
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
        Assert.That(r.Error, Does.EndWith($"sbatch --array=I {SlurmJob.Sh(Path.Combine(Path.GetFullPath(_dir), "job.sbatch"))}\n"));
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
