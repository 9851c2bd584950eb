using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Training;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// SPEC §7 for <c>final-loss</c>: <c>--shard i/N</c> slices the cells (net × activation × depth × rate × run), merge
/// re-summarizes each row from the shards' per-run values and equals a single run exactly (apart from timing), and a
/// run resumed from its journal of finished cells equals a straight run. The grid's top rate diverges, so diverged
/// runs (NaN losses) go through shards, merge and the journal too.
/// </summary>
public class FinalLossScaleOutTests
{
    // 2 linear nets × 2 depths + 1 ReLU net × 1 depth, 3 rates, 3 runs: 45 cells of 10 epochs on width 4.
    private static readonly string[] Options =
    [
        "--linear-nets", "xavier,shortcut2", "--relu-nets", "shortcut2", "--linear-depths", "2,4", "--relu-depths", "2",
        "--eta-min", "0.01", "--eta-max", "100", "--etas", "3", "--epochs", "10", "--runs", "3", "--width", "4", "--claim-depth", "2", "--threads", "1", // --threads last: Slurm sets it per task
    ];

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = CliHarness.TempPath("fl-scale");

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private string Run(string name, params string[] extra)
    {
        string folder = Path.Combine(_dir, name);
        var r = CliHarness.Run(["run", "final-loss", .. Options, .. extra, "--out", folder]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        return folder;
    }

    private static JsonNode Results(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "results.json")))!;

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    [TestCase(50, Description = "more shards than the 45 cells: some are empty")]
    public void Merged_shards_equal_a_single_run(int n)
    {
        string single = Run("single");
        var shards = Enumerable.Range(0, n).Select(i => Run($"s{n}-{i}", "--shard", $"{i}/{n}")).ToArray();
        var merged = CliHarness.Run(["merge", .. shards, "--out", Path.Combine(_dir, "merged")]);
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(_dir, "merged"), $"{n} shards merged vs single run");
        foreach (string file in new[] { "final_loss_linear.png", "final_loss_relu.svg", "summary.md" })
            Assert.That(File.Exists(Path.Combine(_dir, "merged", file)), file);
    }

    [Test]
    public void A_single_run_reports_its_diverged_runs_and_the_exact_optimum()
    {
        var doc = Results(Run("single"));
        var rows = doc["rows"]!.AsArray();
        Assert.That(rows, Has.Count.EqualTo(15));
        var top = rows.Where(r => (double)r!["eta"]! == 100).ToList();
        Assert.That(top.All(r => (int)r!["diverged"]! == 3 && r["final_loss"] is null), "η = 100 diverges in every run and is never a loss");
        foreach (string field in new[] { "net", "activation", "depth", "eta", "final_loss", "diverged" })
            Assert.That(rows[0]!.AsObject().ContainsKey(field), field);
        Assert.That((double)doc["optimal_loss"]!, Is.GreaterThan(0).And.LessThan(0.5), "the least-squares optimum of one-hot targets lies below ½ (the zero map)");
        Assert.That(doc["optimal"]!.AsArray().All(o => (double)o!["eta"]! < 100));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "single", "summary.md")), Does.Contain("runs diverged"));
    }

    [Test]
    public void Per_run_values_that_do_not_match_the_summary_are_refused_as_corrupt()
    {
        var shards = Enumerable.Range(0, 2).Select(i => Run($"s{i}", "--shard", $"{i}/2")).ToArray();
        string path = Path.Combine(shards[0], "results.json");
        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        doc["rows"]![0]!["per_run"]![0]!["final_loss"] = 12345.0;
        File.WriteAllText(path, doc.ToJsonString());
        var r = CliHarness.Run(["merge", .. shards, "--out", Path.Combine(_dir, "m")]);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.Error, Does.Contain("do not add up"));
        Assert.That(Directory.Exists(Path.Combine(_dir, "m")), Is.False, "nothing written");
    }

    [TestCase("0/1", 1)]
    [TestCase("0/1", 30)]
    [TestCase("1/2", 7)]
    public void Resumed_after_a_kill_equals_a_straight_run(string shard, int keptCells)
    {
        string straight = Run("straight", "--shard", shard);
        Assert.That(File.Exists(Path.Combine(straight, CheckpointFile.FileName)), Is.False, "a finished run keeps no journal");
        // What a kill leaves: config.json, a journal of the first finished cells (global index = point · runs + run,
        // the cell named after its point) and a torn record after them, no results.json.
        string killed = Path.Combine(_dir, "killed");
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(straight, "config.json"), Path.Combine(killed, "config.json"));
        var header = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!;
        var identity = new CheckpointIdentity("final-loss", (string)header["config_hash"]!, (string)header["version"]!, shard, 1);
        var rows = Results(straight)["rows"]!.AsArray();
        var cells = rows.SelectMany((row, k) => row!["per_run"]!.AsArray().Select(v =>
        {
            long index = k * 3L + (int)v!["run"]!;
            double loss = v["final_loss"] is { } x ? (double)x : double.NaN;
            string name = $"net={row["net"]} mid={row["activation"]} depth={row["depth"]} eta={k % 3}";
            return new CompletedBlock(name, index, index, index + 1, JournalDoubles.Encode([loss, (bool)v["diverged"]! ? 1 : 0, (int)v["diverged_at"]!]));
        })).ToList();
        Assert.That(cells.Count, Is.GreaterThan(keptCells), "the run has more cells than kept");
        using (var journal = CheckpointFile.Create(killed, identity))
            foreach (var block in cells.Take(keptCells)) journal.Record(block);
        string log = Path.Combine(killed, CheckpointFile.FileName);
        File.AppendAllText(log, "block\tnet=xavier mid=linear depth=2 eta=0\t7\t7");

        var resumed = CliHarness.Run("run", "final-loss", "--resume", killed);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(resumed.Error, Does.Contain($"{keptCells} finished block(s)").And.Contain("torn"));
        ResultsComparison.AssertSameResults(straight, killed, $"resumed after {keptCells} cells of shard {shard}");
        Assert.That(File.Exists(log), Is.False, "the journal goes once the results are written");
    }

    [Test]
    public void A_journaled_cell_is_read_back_not_recomputed()
    {
        // A journal entry whose value no computation gives: if the resumed run used it, it came from the journal.
        string straight = Run("straight");
        string killed = Path.Combine(_dir, "killed");
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(straight, "config.json"), Path.Combine(killed, "config.json"));
        var header = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!;
        using (var journal = CheckpointFile.Create(killed, new CheckpointIdentity("final-loss", (string)header["config_hash"]!, (string)header["version"]!, "0/1", 1)))
            journal.Record(new CompletedBlock("net=xavier mid=linear depth=2 eta=0", 1, 1, 2, JournalDoubles.Encode([0.125, 0, -1])));
        var resumed = CliHarness.Run("run", "final-loss", "--resume", killed);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        var run1 = Results(killed)["rows"]![0]!["per_run"]![1]!;
        Assert.That((double)run1["final_loss"]!, Is.EqualTo(0.125));
        Assert.That((int)run1["run"]!, Is.EqualTo(1));
    }

    [Test]
    public void Slurm_accepts_final_loss()
    {
        string job = Path.Combine(_dir, "job");
        var r = CliHarness.Run(["slurm", "run", "final-loss", .. Options[..^2], "--shards", "3", "--out", job]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        Assert.That(File.ReadAllText(Path.Combine(job, "job.sbatch")), Does.Contain("final-loss").And.Contain("--shard"));
    }
}
