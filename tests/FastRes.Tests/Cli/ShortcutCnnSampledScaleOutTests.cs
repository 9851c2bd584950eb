using System.Text.Json.Nodes;
using FastRes.Cli.Experiments;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.ShortcutCnn;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// SPEC §7 for <c>shortcut-cnn-sampled</c>: shards slice the trials (and the convergence trials); merged shards equal a
/// single run exactly (apart from timing) whatever the shard count, thread count or SIMD width; a run resumed from a
/// checkpoint holding some of its blocks equals a straight run.
/// </summary>
public class ShortcutCnnSampledScaleOutTests() : ScaleOutFixture("shortcut-cnn-sampled", Options)
{
    // 2 sampled cells × 3 methods × 12 trials of 300 iterations on 2–6 samples, 3 convergence trials: well under a second.
    private static readonly string[] Options =
        ["--k", "4", "--p", "5", "--trials", "12", "--iterations", "300", "--samples", "2,6", "--modes", "fresh,fixed",
         "--convergence-trials", "3", "--convergence-samples", "10,100,1000", "--block-trials", "4"];

    protected override string[] DifferentOption => ["--samples", "2,7"];

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(5, Description = "more shards than the 3 convergence trials: some shards have no convergence points")]
    public void Merged_shards_equal_a_single_run(int n)
    {
        string single = Run("single");
        var merged = Merge("merged", Shards(n));
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(Dir, "merged"), $"{n} shards merged vs single run");
        Assert.That(File.Exists(Path.Combine(Dir, "merged", "success_vs_n.png")) && File.Exists(Path.Combine(Dir, "merged", "convergence.png")));
    }

    [TestCase("2", "auto")]
    [TestCase("1", "scalar")]
    [TestCase("2", "128")]
    [TestCase("1", "256")]
    public void Results_do_not_depend_on_threads_or_simd_width(string threads, string simd)
    {
        string reference = Run("reference", "--threads", "1");
        string other = Run("other", "--threads", threads, "--simd", simd);
        ResultsComparison.AssertSameResults(reference, other, $"--threads {threads} --simd {simd} vs --threads 1 --simd auto");
    }

    [Test]
    public void Rows_pair_each_sampled_cell_with_the_population_run_of_the_same_trials()
    {
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(Run("r"), "results.json")))!;
        var rows = doc["rows"]!.AsArray();
        Assert.That(rows.Count, Is.EqualTo(3 * (1 + 2 * 2)), "population + modes × samples, per method");
        foreach (var row in rows)
        {
            var pop = rows.Single(r => (string)r!["method"]! == (string)row!["method"]! && (string)r!["mode"]! == "population");
            Assert.That((long)row!["population_success"]!, Is.EqualTo((long)pop!["success"]!));
            long total = (long)row["success"]! + (long)row["spurious"]! + (long)row["undecided"]! + (long)row["diverged"]!;
            Assert.That(total, Is.EqualTo(12));
        }
        Assert.That(doc["convergence"]!.AsArray().Select(r => (int)r!["samples"]!), Is.EqualTo(new[] { 10, 100, 1000 }));
        Assert.That(doc["slopes"]![0]!.AsObject().ContainsKey("grad_slope"));
    }

    /// <summary>Collects the blocks a run journals (in the order they finish).</summary>
    private sealed class Recorder : ITrialBlockJournal
    {
        public List<CompletedBlock> Blocks { get; } = [];
        public bool TryGetCompleted(string cell, long index, out CompletedBlock block) { block = null!; return false; }
        public void Record(CompletedBlock block) { lock (Blocks) Blocks.Add(block); }
    }

    [TestCase(1)]
    [TestCase(7)]
    public void Resumed_after_a_kill_equals_a_straight_run(int kept)
    {
        string straight = Run("straight");
        // The blocks this very run journals, from the runner itself with the config the CLI resolved.
        var header = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!;
        var config = new ShortcutCnnSampledCommand().Resolve(Path.Combine(straight, "config.json"), []);
        var recorder = new Recorder();
        ShortcutCnnSampled.Run(config, journal: recorder);
        Assert.That(recorder.Blocks.Count, Is.GreaterThan(kept));

        string killed = Path.Combine(Dir, "killed");
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(straight, "config.json"), Path.Combine(killed, "config.json"));
        var identity = new CheckpointIdentity("shortcut-cnn-sampled", (string)header["config_hash"]!, (string)header["version"]!, "0/1", 4);
        using (var journal = CheckpointFile.Create(killed, identity))
            foreach (var block in recorder.Blocks.Take(kept)) journal.Record(block);
        File.AppendAllText(Path.Combine(killed, CheckpointFile.FileName), "block\tcap=60 k=4 mode=fixed n=6\t2\t8");

        var resumed = CliHarness.Run("run", "shortcut-cnn-sampled", "--resume", killed);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(resumed.Error, Does.Contain($"{kept} finished block(s)").And.Contain("torn"));
        ResultsComparison.AssertSameResults(straight, killed, $"resumed after {kept} blocks");
    }

    [TestCase("--samples", "4,2", "samples")]
    [TestCase("--samples", "0", "samples")]
    [TestCase("--modes", "batch", "modes")]
    [TestCase("--convergence-samples", "10,10", "convergence-samples")]
    [TestCase("--precision", "float", "precision")]
    public void Bad_settings_are_refused_in_one_line_naming_the_field(string option, string value, string field)
    {
        var r = CliHarness.Run("run", "shortcut-cnn-sampled", option, value, "--out", Path.Combine(Dir, "bad"));
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1), r.Error);
        Assert.That(r.Error, Does.Contain(field));
        Assert.That(Directory.Exists(Path.Combine(Dir, "bad")), Is.False, "nothing written");
    }
}
