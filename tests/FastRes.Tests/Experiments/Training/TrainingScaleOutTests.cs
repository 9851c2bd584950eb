using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using FastRes.Tests.Cli;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Training;

/// <summary>
/// SPEC §7 for training-spectrum and weight-norms, whose shards hold different cells (net × run; mid × depth × run):
/// merged shards equal a single run exactly (apart from timing), and a run resumed from a journal of finished cells
/// equals a straight run.
/// </summary>
public class TrainingScaleOutTests
{
    // 6 cells each, well under a second: width 4, shallow nets, a few epochs.
    private static readonly string[] Spectrum = ["training-spectrum", "--depth", "4", "--width", "4", "--runs", "2", "--epochs", "12", "--every", "4", "--eta-xavier", "0.01", "--eta-orthogonal", "0.05", "--eta-shortcut", "0.2", "--threads", "2"];
    private static readonly string[] Norms = ["weight-norms", "--depths", "2,4,6", "--mids", "linear,relu", "--width", "4", "--runs", "1", "--epochs", "12", "--every", "4", "--eta", "0.1", "--threads", "2"];

    private static IEnumerable<TestCaseData> Experiments()
    {
        yield return new TestCaseData((object)Spectrum).SetArgDisplayNames("training-spectrum");
        yield return new TestCaseData((object)Norms).SetArgDisplayNames("weight-norms");
    }

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = CliHarness.TempPath("train-scale");

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private string Run(string[] options, string name, params string[] extra)
    {
        string folder = Path.Combine(_dir, name);
        var r = CliHarness.Run(["run", .. options, .. extra, "--out", folder]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        return folder;
    }

    [Test]
    public void Merged_shards_equal_a_single_run([ValueSource(nameof(Experiments))] TestCaseData experiment, [Values(2, 4, 7)] int n)
    {
        var options = (string[])experiment.Arguments[0]!;
        string single = Run(options, "single");
        var shards = Enumerable.Range(0, n).Select(i => Run(options, $"s{i}", "--shard", $"{i}/{n}")).ToArray();
        var merged = CliHarness.Run(["merge", .. shards, "--out", Path.Combine(_dir, "merged")]);
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(_dir, "merged"), $"{options[0]}: {n} shards merged vs single run");
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(shards[1], "results.json")))!;
        Assert.That(doc["runs"]!.AsArray().Count, Is.LessThan(6), "a shard holds only its slice of the 6 cells");
    }

    [Test]
    public void A_shard_with_a_cell_of_another_slice_is_refused([ValueSource(nameof(Experiments))] TestCaseData experiment)
    {
        var options = (string[])experiment.Arguments[0]!;
        var shards = Enumerable.Range(0, 2).Select(i => Run(options, $"s{i}", "--shard", $"{i}/2")).ToArray();
        string path = Path.Combine(shards[0], "results.json");
        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        doc["runs"]!.AsArray().RemoveAt(0);
        File.WriteAllText(path, doc.ToJsonString());
        var r = CliHarness.Run(["merge", .. shards, "--out", Path.Combine(_dir, "m")]);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.Error, Does.Contain("is corrupt"));
        Assert.That(Directory.Exists(Path.Combine(_dir, "m")), Is.False, "nothing written");
    }

    /// <summary>The journal blocks of a run's first cells, computed by the runner's own cell function on the data the CLI loads.</summary>
    private static List<CompletedBlock> FirstCells(string experiment, int count)
    {
        var data = SyntheticData.Create(SyntheticData.DefaultSamples, 4, 4, 1);
        if (experiment == "training-spectrum")
        {
            var c = new TrainingSpectrumConfig { Depth = 4, Width = 4, Runs = 2, Epochs = 12, Every = 4, EtaXavier = 0.01, EtaOrthogonal = 0.05, EtaShortcut = 0.2 };
            return Enumerable.Range(0, count).Select(i =>
            {
                var (net, run) = TrainingSpectrum.Cell(c, i);
                var cell = TrainingSpectrum.RunCell(c, data, net, run, null, CancellationToken.None);
                return new CompletedBlock(TrainingSpectrum.CellName(net, run), i, i, i + 1, JournalDoubles.Encode(TrainingSpectrum.Encode(cell, c)));
            }).ToList();
        }
        var w = new WeightNormsConfig { Depths = [2, 4, 6], Mids = [Activation.Identity, Activation.Relu], Width = 4, Runs = 1, Epochs = 12, Every = 4, Eta = 0.1 };
        return Enumerable.Range(0, count).Select(i =>
        {
            var (mid, depth, run) = WeightNorms.Cell(w, i);
            var cell = WeightNorms.RunCell(w, data, mid, depth, run, null, CancellationToken.None);
            return new CompletedBlock(WeightNorms.CellName(mid, depth, run), i, i, i + 1, JournalDoubles.Encode(WeightNorms.Encode(cell, i)));
        }).ToList();
    }

    [Test]
    public void Resumed_after_a_kill_equals_a_straight_run([ValueSource(nameof(Experiments))] TestCaseData experiment, [Values(1, 4)] int kept)
    {
        var options = (string[])experiment.Arguments[0]!;
        string straight = Run(options, "straight");
        Assert.That(File.Exists(Path.Combine(straight, CheckpointFile.FileName)), Is.False, "a finished run keeps no journal");
        // What a kill leaves: config.json, a journal of the first finished cells and a torn record after them, no results.json.
        string killed = Path.Combine(_dir, "killed");
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(straight, "config.json"), Path.Combine(killed, "config.json"));
        var header = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!;
        var identity = new CheckpointIdentity(options[0], (string)header["config_hash"]!, (string)header["version"]!, "0/1", 1);
        using (var journal = CheckpointFile.Create(killed, identity))
            foreach (var block in FirstCells(options[0], kept)) journal.Record(block);
        File.AppendAllText(Path.Combine(killed, CheckpointFile.FileName), "block\tnet=xavier run=1\t5\t5");

        var resumed = CliHarness.Run("run", options[0], "--resume", killed);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(resumed.Error, Does.Contain($"{kept} finished block(s)").And.Contain("torn"));
        ResultsComparison.AssertSameResults(straight, killed, $"{options[0]} resumed after {kept} cells");
    }

    [Test]
    public void Slurm_accepts_both([ValueSource(nameof(Experiments))] TestCaseData experiment)
    {
        var options = (string[])experiment.Arguments[0]!;
        string job = Path.Combine(_dir, "job");
        var r = CliHarness.Run(["slurm", "run", .. options.Where((_, i) => i < options.Length - 2), "--shards", "3", "--out", job]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        Assert.That(File.ReadAllText(Path.Combine(job, "job.sbatch")), Does.Contain(options[0]).And.Contain("--shard"));
    }
}
