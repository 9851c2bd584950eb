using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Hessian;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// SPEC §7 for the repeated runs of <c>initial-condition</c>: <c>--shard i/N</c> slices the run indices, merge
/// recomputes mean ± std from the shards' per-run κ and index and equals a single run exactly (apart from timing),
/// and a run resumed from its checkpoint (finished (net, depth, run) cells) equals a straight run.
/// </summary>
public class InitialConditionScaleOutTests() : ScaleOutFixture("initial-condition", Options)
{
    // 2 nets × 2 depths × 5 runs of 32–64-parameter Hessians: well under a second.
    private static readonly string[] Options = ["--depths", "2,4", "--nets", "xavier,shortcut2", "--runs", "5", "--width", "4", "--threads", "1"];

    protected override string[] DifferentOption => ["--runs", "7"];

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7, Description = "more shards than the 5 runs: two shards are empty")]
    public void Merged_shards_equal_a_single_run(int n)
    {
        string single = Run("single");
        var merged = Merge("merged", Shards(n));
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(Dir, "merged"), $"{n} shards merged vs single run");
        Assert.That(File.Exists(Path.Combine(Dir, "merged", "kappa_vs_depth.png")) && File.Exists(Path.Combine(Dir, "merged", "summary.md")));
    }

    [Test]
    public void Shards_record_their_slice_of_runs_and_each_runs_values()
    {
        string s = Run("s", "--shard", "1/2");
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(s, "results.json")))!;
        Assert.That(doc["shard"]!.ToJsonString(), Is.EqualTo("{\"index\":1,\"count\":2,\"trial_start\":2,\"trial_end\":5}"));
        var row = doc["rows"]![0]!;
        Assert.That((int)row["runs"]!, Is.EqualTo(3));
        Assert.That(row["per_run"]!.AsArray().Select(v => (int)v!["run"]!), Is.EqualTo(new[] { 2, 3, 4 }));
        // SPEC §2.6 row fields stay; the CSV keeps the plain table.
        foreach (string field in new[] { "net", "depth", "params", "kappa_mean", "kappa_std", "index_mean", "runs" })
            Assert.That(row.AsObject().ContainsKey(field), field);
        Assert.That(File.ReadLines(Path.Combine(s, "results.csv")).First(), Does.Not.Contain("per_run"));
        Assert.That((string)doc["config_hash"]!, Is.EqualTo((string)JsonNode.Parse(File.ReadAllText(Path.Combine(Run("whole"), "results.json")))!["config_hash"]!),
            "the shard is not part of the config hash");
    }

    [Test]
    public void Mismatched_config_is_refused()
    {
        string a = Run("a", "--shard", "0/2");
        string b = Run("b", "--shard", "1/2", "--seed", "2");
        Assert.That(MergeRefused(a, b), Does.Contain("config hash"));
    }

    [Test]
    public void Per_run_values_that_do_not_match_the_summary_are_refused_as_corrupt()
    {
        var s = Shards(2);
        EditResults(s[0], doc => doc["rows"]![0]!["per_run"]![0]!["kappa"] = 12345.0);
        Assert.That(MergeRefused(s), Does.Contain("is corrupt").And.Contain("do not add up"));
    }

    [TestCase("0/1", 1)]
    [TestCase("0/1", 9)]
    [TestCase("1/2", 4)]
    public void Resumed_after_a_kill_equals_a_straight_run(string shard, int keptBlocks)
    {
        string straight = Run("straight", "--shard", shard);
        Assert.That(File.Exists(Path.Combine(straight, CheckpointFile.FileName)), Is.False, "a finished run keeps no journal");
        // What a kill leaves: config.json, a checkpoint holding the first finished (net, depth, run) cells in the
        // order the runner journals them and a torn record after them, no results.json.
        string killed = Path.Combine(Dir, "killed");
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(straight, "config.json"), Path.Combine(killed, "config.json"));
        var header = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!;
        var identity = new CheckpointIdentity("initial-condition", (string)header["config_hash"]!, (string)header["version"]!, shard, 1);
        var cells = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "results.json")))!["rows"]!.AsArray()
            .SelectMany(row => row!["per_run"]!.AsArray().Select(v => InitialCondition.ToBlock($"net={row["net"]} depth={row["depth"]}",
                new InitialConditionRunValue((int)v!["run"]!, v["kappa"] is { } k ? (double)k : double.PositiveInfinity, (double)v["index"]!)))).ToList();
        Assert.That(cells.Count, Is.GreaterThan(keptBlocks), "the full run has more cells than kept");
        using (var journal = CheckpointFile.Create(killed, identity))
            foreach (var block in cells.Take(keptBlocks)) journal.Record(block);
        string log = Path.Combine(killed, CheckpointFile.FileName);
        File.AppendAllText(log, "block\tnet=xavier depth=2\t7\t7");

        var resumed = CliHarness.Run("run", "initial-condition", "--resume", killed);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(resumed.Error, Does.Contain($"{keptBlocks} finished block(s)").And.Contain("torn"));
        ResultsComparison.AssertSameResults(straight, killed, $"resumed after {keptBlocks} cells of shard {shard}");
        Assert.That(File.Exists(log), Is.False, "the journal goes once the results are written");
    }

    [Test]
    public void Resume_with_different_options_is_refused()
    {
        string run = Run("r");
        File.Delete(Path.Combine(run, "results.json")); // an interrupted run: config.json, no results
        var r = CliHarness.Run("run", "initial-condition", "--resume", run, "--runs", "6");
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.Error, Does.StartWith("error: --runs:").And.Contain("differs from the run being resumed"));
    }

    [Test]
    public void Slurm_accepts_initial_condition()
    {
        string job = Path.Combine(Dir, "job");
        var r = CliHarness.Run(["slurm", "run", "initial-condition", "--depths", "2", "--runs", "4", "--width", "4", "--shards", "2", "--out", job]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        Assert.That(File.ReadAllText(Path.Combine(job, "job.sbatch")), Does.Contain("initial-condition").And.Contain("--shard"));
    }
}
