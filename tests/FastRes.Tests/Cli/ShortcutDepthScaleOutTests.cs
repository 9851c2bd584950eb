using System.Text.Json.Nodes;
using FastRes.Cli.Experiments;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Training;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// shortcut-depth from the command line: shards of the cells (n × depth × run) merge to a single run bit for bit, a run
/// resumed from its journal equals a straight one, and without Fashion-MNIST the run is refused in one line naming
/// the Debian package. The runs need Fashion-MNIST installed (CI installs it); where it is absent they say so and skip.
/// </summary>
public class ShortcutDepthScaleOutTests
{
    // 2 shortcut depths × 2 depths × 3 runs of tiny nets on 100 images: a fraction of a second each.
    private static readonly string[] Options = ["--shortcuts", "1,2", "--depths", "2,4", "--runs", "3", "--epochs", "2", "--train", "100", "--test", "50", "--threads", "1"];

    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        if (!Directory.Exists(ShortcutDepthConfig.FashionMnistFolder))
            Assert.Ignore($"{ShortcutDepthConfig.FashionMnistFolder} is absent: apt-get install {ShortcutDepthConfig.FashionMnistPackage} to run these tests");
        _dir = CliHarness.TempPath("sd-scale");
    }

    [TearDown]
    public void TearDown() { if (_dir is not null && Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private string Run(string name, params string[] extra)
    {
        string folder = Path.Combine(_dir, name);
        var r = CliHarness.Run(["run", "shortcut-depth", .. Options, .. extra, "--out", folder]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        return folder;
    }

    [TestCase(2)]
    [TestCase(5)]
    [TestCase(13, Description = "more shards than the 12 cells: one is empty")]
    public void Merged_shards_equal_a_single_run(int n)
    {
        string single = Run("single");
        var shards = Enumerable.Range(0, n).Select(i => Run($"s{i}", "--shard", $"{i}/{n}")).ToArray();
        var merged = CliHarness.Run(["merge", .. shards, "--out", Path.Combine(_dir, "merged")]);
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(_dir, "merged"), $"{n} shards merged vs single run");
        Assert.That(File.Exists(Path.Combine(_dir, "merged", "test_accuracy_vs_depth.png")));
    }

    [Test]
    public void Rows_hold_every_run_and_the_csv_one_line_per_run()
    {
        string run = Run("rows");
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "results.json")))!;
        var rows = doc["rows"]!.AsArray();
        Assert.That(rows.Select(r => ((int)r!["n"]!, (int)r["depth"]!, (int)r["params"]!)), Is.EqualTo(new[] { (1, 2, 200), (1, 4, 400), (2, 2, 200), (2, 4, 400) }));
        foreach (var row in rows)
        {
            Assert.That(row!["per_run"]!.AsArray().Select(v => (int)v!["run"]!), Is.EqualTo(new[] { 0, 1, 2 }));
            var accuracies = row["per_run"]!.AsArray().Select(v => (double)v!["test_accuracy"]!).ToList();
            Assert.That((double)row["test_accuracy_mean"]!, Is.EqualTo(accuracies.Average()).Within(1e-15));
        }
        Assert.That(File.ReadAllLines(Path.Combine(run, "results.csv")), Has.Length.EqualTo(1 + 12), "a header and one line per (n, depth, run)");
        Assert.That((int)doc["train_samples"]!, Is.EqualTo(100));
        Assert.That((int)doc["test_samples"]!, Is.EqualTo(50));
    }

    [TestCase("0/1", 1)]
    [TestCase("0/1", 7)]
    [TestCase("1/2", 3)]
    public void Resumed_after_a_kill_equals_a_straight_run(string shard, int keptBlocks)
    {
        string straight = Run("straight", "--shard", shard);
        string killed = Path.Combine(_dir, "killed");
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(straight, "config.json"), Path.Combine(killed, "config.json"));
        var header = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!;
        var identity = new CheckpointIdentity("shortcut-depth", (string)header["config_hash"]!, (string)header["version"]!, shard, 1);
        int[] shortcuts = [1, 2], depths = [2, 4];
        var cells = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "results.json")))!["rows"]!.AsArray()
            .SelectMany(row => row!["per_run"]!.AsArray().Select(v =>
            {
                int n = (int)row["n"]!, depth = (int)row["depth"]!;
                var cell = new ShortcutDepthRun((int)v!["run"]!, (double)v["final_loss"]!, (double)v["train_accuracy"]!, (double)v["test_loss"]!,
                                                (double)v["test_accuracy"]!, (bool)v["diverged"]!, (int)v["diverged_at"]!);
                long index = ((long)cell.Run * shortcuts.Length + Array.IndexOf(shortcuts, n)) * depths.Length + Array.IndexOf(depths, depth);
                return new CompletedBlock(ShortcutDepth.CellName(n, depth, cell.Run), index, index, index + 1, JournalDoubles.Encode(cell.Encode()));
            })).ToList();
        Assert.That(cells.Count, Is.GreaterThan(keptBlocks));
        using (var journal = CheckpointFile.Create(killed, identity))
            foreach (var block in cells.Take(keptBlocks)) journal.Record(block);

        var resumed = CliHarness.Run("run", "shortcut-depth", "--resume", killed);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(resumed.Error, Does.Contain($"{keptBlocks} finished block(s)"));
        ResultsComparison.AssertSameResults(straight, killed, $"resumed after {keptBlocks} cells of shard {shard}");
    }

    [Test]
    public void Depths_that_are_not_multiples_of_every_shortcut_depth_are_refused()
    {
        var r = CliHarness.Run("run", "shortcut-depth", "--shortcuts", "1,2,3", "--depths", "6,8", "--out", Path.Combine(_dir, "x"));
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(r.Error, Does.StartWith("error: --depths:").And.Contain("8 is not a multiple of 3"));
    }
}

/// <summary>The refusal without data needs no data: it runs everywhere.</summary>
public class ShortcutDepthDataTests
{
    [Test]
    public void Without_the_data_set_one_line_names_the_package_and_nothing_is_downloaded()
    {
        var error = ShortcutDepthCommand.NotInstalled(null, "/no/such/fashion-mnist")!;
        Assert.That(error.Field, Is.EqualTo("data"));
        Assert.That(error.Message, Does.Contain("apt-get install dataset-fashion-mnist").And.Not.Contain("\n"));
        Assert.That(ShortcutDepthCommand.NotInstalled("/some/other/folder", "/no/such/fashion-mnist"), Is.Null, "--data overrides the default folder");
        string outDir = CliHarness.TempPath("sd-nodata");
        var r = CliHarness.Run("run", "shortcut-depth", "--data", "/no/such/folder", "--out", outDir);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(r.Error, Does.StartWith("error: --data:"));
        Assert.That(Directory.Exists(outDir), Is.False, "nothing written");
        if (!Directory.Exists(ShortcutDepthConfig.FashionMnistFolder))
        {
            var absent = CliHarness.Run("run", "shortcut-depth", "--out", outDir);
            Assert.That(absent.ExitCode, Is.EqualTo(ExitCodes.BadInput));
            Assert.That(absent.ErrorLines, Has.Length.EqualTo(1));
            Assert.That(absent.Error, Does.Contain("apt-get install dataset-fashion-mnist"));
        }
    }
}

/// <summary>The verdict's rule on hand-made rows: n = 2 must gain by more than two standard errors, and no other n may.</summary>
public class ShortcutDepthVerdictTests
{
    private static ShortcutDepthRow Row(int n, int depth, double loss, double accuracy, double std)
        => new(n, depth, depth / n, depth * 100, 3, 0, loss, std, accuracy, std, accuracy, []);

    private static ShortcutDepthResult Result(params ShortcutDepthRow[] rows)
        => new(new ShortcutDepthConfig { Shortcuts = [1, 2], Depths = [12, 480] }, "hand-made", 100, 50, rows, 0);

    [Test]
    public void Only_shortcut_2_gaining_beyond_the_noise_is_the_claim()
    {
        string holds = ShortcutDepthCommand.Verdict(Result(Row(1, 12, 0.3, 0.6, 0.01), Row(1, 480, 0.5, 0.2, 0.01), Row(2, 12, 0.4, 0.6, 0.01), Row(2, 480, 0.3, 0.7, 0.01)));
        Assert.That(holds, Does.Contain("Test accuracy: the claim holds").And.Contain("Final training loss: the claim holds"));
        // n = 2 better by 0.01 with std 0.01 over 3 runs: within two standard errors (0.016), so not a gain.
        string noise = ShortcutDepthCommand.Verdict(Result(Row(1, 12, 0.3, 0.6, 0.01), Row(1, 480, 0.5, 0.2, 0.01), Row(2, 12, 0.4, 0.6, 0.01), Row(2, 480, 0.39, 0.61, 0.01)));
        Assert.That(noise, Does.Contain("Test accuracy: the claim does not hold").And.Contain("n = 2: 60.0% → 61.0% (does not gain)"));
        string other = ShortcutDepthCommand.Verdict(Result(Row(1, 12, 0.5, 0.5, 0.01), Row(1, 480, 0.3, 0.7, 0.01), Row(2, 12, 0.4, 0.6, 0.01), Row(2, 480, 0.3, 0.7, 0.01)));
        Assert.That(other, Does.Contain("Test accuracy: the claim does not hold").And.Contain("n = 1: 50.0% → 70.0% (gains)"));
    }
}
