using System.Diagnostics;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// Issue 10, "never lose a run": an output folder is locked for the life of a run, resume or merge; a folder holding a
/// run is never replaced silently; the result files appear as a set; merge verifies every shard. Races and kills use
/// real child processes.
/// </summary>
[NonParallelizable]
public class RunFolderTests
{
    // A run of a few seconds in one thread (long enough to race against), and a quick one.
    private static readonly string[] Long = ["--k", "8", "--trials", "40000", "--iterations", "3000", "--threads", "1", "--block-trials", "64"];
    private static readonly string[] Quick = ["--k", "2,4", "--trials", "200", "--iterations", "300"];

    private string _dir = null!;

    [SetUp]
    public void SetUp() { _dir = CliHarness.TempPath("folder"); Directory.CreateDirectory(_dir); }

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private string Run(string name, params string[] extra)
    {
        string folder = Path.Combine(_dir, name);
        var r = CliHarness.Run(["run", "shortcut-cnn", .. Quick, .. extra, "--out", folder]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        return folder;
    }

    private static Dictionary<string, byte[]> Snapshot(string dir)
        => Directory.GetFiles(dir).Where(f => !Path.GetFileName(f).StartsWith(".fastres.lock", StringComparison.Ordinal))
                    .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, string dir)
    {
        var after = Snapshot(dir);
        Assert.That(after.Keys, Is.EquivalentTo(before.Keys), "the same files");
        foreach (var (name, bytes) in before) Assert.That(after[name], Is.EqualTo(bytes), name + " unchanged");
    }

    [Test]
    public void A_second_process_on_a_locked_folder_is_refused_naming_the_holder_and_a_kill_releases_the_lock()
    {
        string dir = Path.Combine(_dir, "locked");
        using var first = ChildFastres.Start(["run", "shortcut-cnn", .. Long, "--out", dir]);
        ChildFastres.WaitFor(() => ChildFastres.Lines(Path.Combine(dir, CheckpointFile.FileName)) > 2, first);
        Assert.That(first.HasExited, Is.False, "the first run is still running");

        var second = CliHarness.Run(["run", "shortcut-cnn", .. Long, "--out", dir]);
        Assert.That(second.ExitCode, Is.EqualTo(ExitCodes.BadInput), second.Error);
        Assert.That(second.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(second.Error, Does.StartWith("error: --out:").And.Contain("in use").And.Contain($"pid {first.Id}"));
        var resume = CliHarness.Run("run", "shortcut-cnn", "--resume", dir);
        Assert.That(resume.ExitCode, Is.EqualTo(ExitCodes.BadInput), "a resume of a running folder is refused as well");
        Assert.That(resume.Error, Does.Contain("in use"));
        var merge = CliHarness.Run("merge", Path.Combine(_dir, "nowhere"), "--out", dir);
        Assert.That(merge.ExitCode, Is.EqualTo(ExitCodes.BadInput));

        first.Kill(); // SIGKILL: no chance to clean up; the kernel drops the flock with the process
        Assert.That(first.WaitForExit(30_000), Is.True);
        var resumed = CliHarness.Run("run", "shortcut-cnn", "--resume", dir);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(resumed.Error, Does.Contain("finished block(s)"));
        string straight = Path.Combine(_dir, "straight");
        Assert.That(CliHarness.Run(["run", "shortcut-cnn", .. Long, "--out", straight]).ExitCode, Is.EqualTo(0));
        ResultsComparison.AssertSameResults(straight, dir, "resumed after the killed holder");
    }

    [Test]
    public void Initial_condition_runs_into_one_folder_cannot_mix()
    {
        // The case: two seeds into one folder ended with results.json of one and config.json of the other.
        string dir = Path.Combine(_dir, "ic");
        string[] options = ["--depths", "8", "--nets", "xavier,orthogonal", "--runs", "16", "--width", "10", "--threads", "1"];
        using var first = ChildFastres.Start(["run", "initial-condition", .. options, "--seed", "1", "--out", dir]);
        ChildFastres.WaitFor(() => ChildFastres.Lines(Path.Combine(dir, CheckpointFile.FileName)) > 1, first);
        Assert.That(first.HasExited, Is.False);
        var second = CliHarness.Run(["run", "initial-condition", .. options, "--seed", "2", "--out", dir]);
        Assert.That(second.ExitCode, Is.EqualTo(ExitCodes.BadInput), second.Error);
        Assert.That(second.Error, Does.Contain("in use").And.Contain($"pid {first.Id}"));
        Assert.That(first.WaitForExit(120_000), Is.True);
        Assert.That(first.ExitCode, Is.EqualTo(0));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "results.json")))!;
        Assert.That((int)results["config"]!["seed"]!, Is.EqualTo(1));
        Assert.That((string)results["config_hash"]!, Is.EqualTo((string)config["config_hash"]!), "config.json and results.json of one run");
    }

    [Test]
    public void Two_concurrent_resumes_of_one_folder_run_one_at_a_time_and_leave_no_duplicate_block()
    {
        string dir = Path.Combine(_dir, "twice");
        using (var killed = ChildFastres.Start(["run", "shortcut-cnn", .. Long, "--out", dir]))
        {
            ChildFastres.WaitFor(() => ChildFastres.Lines(Path.Combine(dir, CheckpointFile.FileName)) > 20, killed);
            killed.Kill();
            killed.WaitForExit();
        }
        using var r1 = ChildFastres.Start(["run", "shortcut-cnn", "--resume", dir]);
        // The killed run's owner file is still there (a SIGKILL leaves it): wait for r1's own.
        ChildFastres.WaitFor(() => File.Exists(Path.Combine(dir, RunFolder.OwnerName)) && File.ReadAllText(Path.Combine(dir, RunFolder.OwnerName)).Contains($"pid {r1.Id},"), r1);
        var r2 = CliHarness.Run("run", "shortcut-cnn", "--resume", dir);
        if (!r1.HasExited)
        {
            Assert.That(r2.ExitCode, Is.EqualTo(ExitCodes.BadInput), r2.Error);
            Assert.That(r2.Error, Does.Contain("in use"));
        }
        Assert.That(r1.WaitForExit(120_000), Is.True);
        Assert.That(r1.ExitCode, Is.EqualTo(0));
        string straight = Path.Combine(_dir, "straight");
        Assert.That(CliHarness.Run(["run", "shortcut-cnn", .. Long, "--out", straight]).ExitCode, Is.EqualTo(0));
        ResultsComparison.AssertSameResults(straight, dir, "one resume ran, the other was refused");
    }

    [Test]
    public void The_same_finished_run_is_not_recomputed()
    {
        string dir = Run("same");
        var before = Snapshot(dir);
        var again = CliHarness.Run(["run", "shortcut-cnn", .. Quick, "--threads", "1", "--out", dir]);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.Error);
        Assert.That(again.Error, Does.Contain("already holds this finished run"));
        AssertUnchanged(before, dir);
    }

    [Test]
    public void A_finished_run_with_another_config_is_refused_naming_the_difference_unless_forced()
    {
        string dir = Run("other");
        var before = Snapshot(dir);
        var refused = CliHarness.Run(["run", "shortcut-cnn", .. Quick, "--seed", "2", "--out", dir]);
        Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(refused.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(refused.Error, Does.StartWith("error: --out:").And.Contain("seed 1 → 2").And.Contain("--force"));
        AssertUnchanged(before, dir);

        var other = CliHarness.Run(["run", "shortcut-cnn-trajectory", "--k", "4", "--traces", "1", "--iterations", "100", "--search-trials", "10", "--out", dir]);
        Assert.That(other.ExitCode, Is.EqualTo(ExitCodes.BadInput), "another experiment's run is refused too");
        Assert.That(other.Error, Does.Contain("finished shortcut-cnn run"));
        AssertUnchanged(before, dir);

        var forced = CliHarness.Run(["run", "shortcut-cnn", .. Quick, "--seed", "2", "--out", dir, "--force"]);
        Assert.That(forced.ExitCode, Is.EqualTo(0), forced.Error);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "results.json")))!["config"]!;
        Assert.That((int)config["seed"]!, Is.EqualTo(2), "replaced");
    }

    [Test]
    public void An_interrupted_run_is_refused_without_resume_and_its_blocks_survive()
    {
        string dir = Path.Combine(_dir, "interrupted");
        using (var killed = ChildFastres.Start(["run", "shortcut-cnn", .. Long, "--out", dir]))
        {
            ChildFastres.WaitFor(() => ChildFastres.Lines(Path.Combine(dir, CheckpointFile.FileName)) > 10, killed);
            killed.Kill();
            killed.WaitForExit();
        }
        var before = Snapshot(dir);
        var restart = CliHarness.Run(["run", "shortcut-cnn", .. Long, "--out", dir]);
        Assert.That(restart.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(restart.Error, Does.Contain("interrupted").And.Contain("--resume"));
        AssertUnchanged(before, dir);

        var forced = CliHarness.Run(["run", "shortcut-cnn", .. Quick, "--out", dir, "--force"]);
        Assert.That(forced.ExitCode, Is.EqualTo(0), forced.Error);
        Assert.That(File.Exists(Path.Combine(dir, CheckpointFile.FileName)), Is.False, "--force started over and finished");
    }

    [Test]
    public void A_folder_of_other_files_is_refused_and_with_force_keeps_them()
    {
        string dir = Path.Combine(_dir, "papers");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        var refused = CliHarness.Run(["run", "shortcut-cnn", .. Quick, "--out", dir]);
        Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(refused.Error, Does.Contain("not a run folder").And.Contain("--force"));
        Assert.That(Directory.GetFileSystemEntries(dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "notes.txt" }), "nothing written");
        Assert.That(CliHarness.Run(["run", "shortcut-cnn", .. Quick, "--out", dir, "--force"]).ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(dir, "notes.txt")), Is.EqualTo("mine"));
    }

    [Test]
    public void A_kill_while_the_results_are_written_leaves_a_resumable_folder_never_a_finished_looking_one()
    {
        // The files of a run appear as a set: with a 40 KiB file-size limit the run dies writing its first figure
        // (SIGXFSZ, or EFBIG if the runtime ignores it), as on a full disk. No results.json may appear.
        string dir = Path.Combine(_dir, "full");
        var start = ChildFastres.StartInfo(["run", "shortcut-cnn", .. Quick, "--out", dir]);
        var limited = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        limited.ArgumentList.Add("-c");
        limited.ArgumentList.Add("ulimit -f 40; exec \"$@\"");
        limited.ArgumentList.Add("fastres");
        limited.ArgumentList.Add(start.FileName);
        foreach (string a in start.ArgumentList) limited.ArgumentList.Add(a);
        foreach (var (k, v) in start.Environment) limited.Environment[k] = v;
        // The runtime's W^X double mapping needs a file as large as its code heap: with the limit it could not start.
        limited.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        limited.Environment.Remove("DOTNET_EnableHWIntrinsic");
        limited.Environment.Remove("DOTNET_PreferredVectorBitWidth");
        using (var p = Process.Start(limited)!)
        {
            p.StandardOutput.ReadToEnd();
            Assert.That(p.WaitForExit(60_000), Is.True);
            Assert.That(p.ExitCode, Is.Not.EqualTo(0), "the run could not write its figure");
        }
        Assert.That(File.Exists(Path.Combine(dir, "results.json")), Is.False, "no commit record");
        Assert.That(File.Exists(Path.Combine(dir, "config.json")), Is.True);
        var resumed = CliHarness.Run("run", "shortcut-cnn", "--resume", dir);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(Directory.GetDirectories(dir, ".fastres-staging-*"), Is.Empty, "the dead run's staging folder is cleared");
        ResultsComparison.AssertSameResults(Run("straight"), dir, "resumed after a failed write");
    }

    [Test]
    public void Merge_verifies_every_shard_and_records_each_shard_hash()
    {
        string[] shards = Enumerable.Range(0, 3).Select(i => Run($"s{i}", "--shard", $"{i}/3")).ToArray();
        // An edited config with its hash left alone, in a shard other than the first.
        string path = Path.Combine(shards[2], "results.json");
        string original = File.ReadAllText(path);
        var doc = JsonNode.Parse(original)!;
        doc["config"]!["iterations"] = 200;
        File.WriteAllText(path, doc.ToJsonString());
        string merged = Path.Combine(_dir, "merged");
        var refused = CliHarness.Run(["merge", .. shards, "--out", merged]);
        Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.BadInput), refused.Error);
        Assert.That(refused.Error, Does.Contain(shards[2]).And.Contain("corrupt"));
        Assert.That(Directory.Exists(merged) && File.Exists(Path.Combine(merged, "results.json")), Is.False);

        File.WriteAllText(path, original);
        var ok = CliHarness.Run(["merge", .. shards, "--out", merged]);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Error);
        var from = JsonNode.Parse(File.ReadAllText(Path.Combine(merged, "config.json")))!["merged_from"]!.AsArray();
        Assert.That(from.Select(s => (string)s!["config_hash"]!), Has.All.EqualTo((string)JsonNode.Parse(original)!["config_hash"]!));
        Assert.That(from.Select(s => (int)s!["shard"]!["index"]!), Is.EqualTo(new[] { 0, 1, 2 }));
        var again = CliHarness.Run(["merge", .. shards, "--out", merged]);
        Assert.That(again.ExitCode, Is.EqualTo(0), "merging the same shards again changes nothing");
        Assert.That(again.Error, Does.Contain("already holds"));
    }
}
