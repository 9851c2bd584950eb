using System.Text.Json;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// SPEC §7 for <c>hessian-at-zero</c>: <c>--shard i/N</c> slices the (n, depth) cells, merge concatenates the
/// shards' rows and equals a single run exactly (apart from timing), and a run resumed from its checkpoint (finished
/// cells, each with its row and both spectra) equals a straight run.
/// </summary>
public class HessianAtZeroScaleOutTests() : ScaleOutFixture("hessian-at-zero", Options)
{
    // n = 1, 2, 3 at depths 2, 4 on d = 4: five cells (n = 3 maps both depths to one unit), Hessians of 16–64 rows.
    private static readonly string[] Options = ["--depths", "2,4", "--width", "4", "--threads", "1"];
    private const int CellCount = 5;

    protected override string[] DifferentOption => ["--depths", "2"];

    private static JsonArray Rows(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "results.json")))!["rows"]!.AsArray();

    [Test]
    public void The_cells_are_each_n_with_its_distinct_unit_counts()
    {
        var config = new HessianAtZeroConfig { Shortcut = [1, 2, 3], Depths = [2, 4] };
        Assert.That(HessianAtZero.Cells(config), Is.EqualTo(new[] { (1, 2), (1, 4), (2, 1), (2, 2), (3, 1) }));
        Assert.That(HessianAtZero.TotalSteps(config), Is.EqualTo(CellCount), "one progress step per cell, not per (n, requested depth)");
        Assert.That(HessianAtZero.TotalSteps(config with { Shard = new Shard(1, 2) }), Is.EqualTo(3));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(8, Description = "more shards than the 5 cells: three shards are empty")]
    public void Merged_shards_equal_a_single_run(int n)
    {
        string single = Run("single");
        var shards = Shards(n);
        Assert.That(shards.Sum(s => Rows(s).Count), Is.EqualTo(CellCount), "each cell in exactly one shard");
        var merged = Merge("merged", shards);
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(Dir, "merged"), $"{n} shards merged vs single run");
        Assert.That(File.Exists(Path.Combine(Dir, "merged", "kappa_vs_depth.png")) && File.Exists(Path.Combine(Dir, "merged", "summary.md")));
        // results.json keeps no spectra: the merged spectrum figure is the one the shard of the deepest n = 2 cell drew, the single run's.
        Assert.That(File.ReadAllBytes(Path.Combine(Dir, "merged", "spectrum_n2.png")), Is.EqualTo(File.ReadAllBytes(Path.Combine(single, "spectrum_n2.png"))));
    }

    [TestCase("identity")]
    [TestCase("tanh")]
    public void Merged_tanh_and_identity_shards_equal_a_single_run(string activation)
    {
        string single = Run("single", "--activation", activation, "--shortcut", "2,3");
        var merged = Merge("merged", Shards(2, "--activation", activation, "--shortcut", "2,3"));
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(Dir, "merged"), $"{activation}: 2 shards merged vs single run");
    }

    [Test]
    public void Shards_record_their_slice_of_cells()
    {
        string s = Run("s", "--shard", "1/2");
        var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(s, "results.json")))!;
        Assert.That(doc["shard"]!.ToJsonString(), Is.EqualTo("{\"index\":1,\"count\":2,\"trial_start\":2,\"trial_end\":5}"));
        Assert.That(doc["rows"]!.AsArray().Select(r => ((int)r!["n"]!, (int)r["depth"]!)), Is.EqualTo(new[] { (2, 2), (2, 4), (3, 3) }));
        Assert.That((string)doc["config_hash"]!, Is.EqualTo((string)JsonNode.Parse(File.ReadAllText(Path.Combine(Run("whole"), "results.json")))!["config_hash"]!),
            "the shard is not part of the config hash");
    }

    [Test]
    public void Duplicate_shard_is_refused()
    {
        var s = Shards(2);
        string copy = Path.Combine(Dir, "copy");
        Directory.CreateDirectory(copy);
        foreach (string f in Directory.GetFiles(s[1])) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        Assert.That(MergeRefused(s[0], s[1], copy), Does.Contain("1/2"));
    }

    [Test]
    public void A_shard_whose_rows_are_not_its_cells_is_refused_as_corrupt()
    {
        var s = Shards(2);
        EditResults(s[0], doc => doc["rows"]![0]!["depth"] = 6);
        Assert.That(MergeRefused(s), Does.Contain("is corrupt").And.Contain("not exactly the cells [0, 2)"));
    }

    /// <summary>What the runner journals for the config of <paramref name="folder"/>, computed in process on the same synthetic data.</summary>
    private static List<CompletedBlock> JournalOf(string folder, string shard)
    {
        var config = new HessianAtZeroConfig { Depths = [2, 4], Width = 4, Threads = 1, Shard = new Shard(int.Parse(shard.Split('/')[0]), int.Parse(shard.Split('/')[1])) };
        var journal = new RecordingJournal();
        HessianAtZero.Run(config, new DataCache().Get(null, config.Width, config.Seed), journal: journal);
        Assert.That(journal.Blocks.Select(b => b.Cell), Is.EqualTo(Rows(folder).Select(r => HessianAtZero.CellName((int)r!["n"]!, (int)r["depth"]!))));
        return journal.Blocks;
    }

    private static string KilledAfter(string straight, string killed, string shard, IEnumerable<CompletedBlock> blocks)
    {
        Directory.CreateDirectory(killed);
        File.Copy(Path.Combine(straight, "config.json"), Path.Combine(killed, "config.json"));
        var header = JsonNode.Parse(File.ReadAllText(Path.Combine(straight, "config.json")))!;
        var identity = new CheckpointIdentity("hessian-at-zero", (string)header["config_hash"]!, (string)header["version"]!, shard, 1);
        using (var journal = CheckpointFile.Create(killed, identity))
            foreach (var block in blocks) journal.Record(block);
        return Path.Combine(killed, CheckpointFile.FileName);
    }

    [TestCase("0/1", 1)]
    [TestCase("0/1", 4)]
    [TestCase("1/2", 1)]
    public void Resumed_after_a_kill_equals_a_straight_run(string shard, int keptBlocks)
    {
        string straight = Run("straight", "--shard", shard);
        Assert.That(File.Exists(Path.Combine(straight, CheckpointFile.FileName)), Is.False, "a finished run keeps no journal");
        // What a kill leaves: config.json, a checkpoint holding the first finished cells and a torn record after them, no results.json.
        var blocks = JournalOf(straight, shard);
        Assert.That(blocks.Count, Is.GreaterThan(keptBlocks), "the full run has more cells than kept");
        string killed = Path.Combine(Dir, "killed");
        string log = KilledAfter(straight, killed, shard, blocks.Take(keptBlocks));
        File.AppendAllText(log, "block\tn=3 depth=3\t4\t4");

        var resumed = CliHarness.Run("run", "hessian-at-zero", "--resume", killed);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That(resumed.Error, Does.Contain($"{keptBlocks} finished block(s)").And.Contain("torn"));
        ResultsComparison.AssertSameResults(straight, killed, $"resumed after {keptBlocks} cells of shard {shard}");
        Assert.That(File.Exists(Path.Combine(killed, "spectrum_n2.png")), Is.EqualTo(File.Exists(Path.Combine(straight, "spectrum_n2.png"))),
            "the spectra come back from the journal too");
        Assert.That(File.Exists(log), Is.False, "the journal goes once the results are written");
    }

    [Test]
    public void A_resumed_run_reads_its_finished_cells_rather_than_recomputing_them()
    {
        string straight = Run("straight");
        var first = JournalOf(straight, "0/1")[0];
        // The same cell with λ_max's bits changed: a run that recomputed it would not show them.
        var values = FastRes.Experiments.Training.JournalDoubles.Decode(first.Tally);
        values[1] = 12345.5;
        string killed = Path.Combine(Dir, "killed");
        KilledAfter(straight, killed, "0/1", [first with { Tally = FastRes.Experiments.Training.JournalDoubles.Encode(values) }]);
        var resumed = CliHarness.Run("run", "hessian-at-zero", "--resume", killed);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Error);
        Assert.That((double)Rows(killed)[0]!["lambda_max"]!, Is.EqualTo(12345.5));
        Assert.That((double)Rows(killed)[1]!["lambda_max"]!, Is.EqualTo((double)Rows(straight)[1]!["lambda_max"]!));
    }

    [Test]
    public void Slurm_accepts_hessian_at_zero()
    {
        string job = Path.Combine(Dir, "job");
        var r = CliHarness.Run(["slurm", "run", "hessian-at-zero", "--depths", "2,4", "--width", "4", "--shards", "2", "--out", job]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        Assert.That(File.ReadAllText(Path.Combine(job, "job.sbatch")), Does.Contain("hessian-at-zero").And.Contain("--shard"));
    }

    [Test]
    public void A_row_read_back_from_json_has_its_infinite_ratios_again()
    {
        // JSON writes NaN and ±∞ alike as null: κ and cond are +∞ where max|λ| > 0, NaN where the spectrum is all zero.
        var infinite = new HessianAtZeroRow(2, 4, "identity", 64, -1, 1, 1, 0, double.PositiveInfinity, double.PositiveInfinity, 0.5,
                                            -1, 1, double.PositiveInfinity, 0, HessianAtZero.DeviationMeasure(2));
        var zero = new HessianAtZeroRow(3, 3, "identity", 48, 0, 0, 0, 0, double.NaN, double.NaN, 0, 0, 0, double.NaN, 0, HessianAtZero.DeviationMeasure(3));
        foreach (var row in new[] { infinite, zero })
        {
            var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer)) HessianAtZeroRow.Columns.WriteJson(w, row);
            using var json = JsonDocument.Parse(buffer.ToArray());
            var read = HessianAtZeroRow.Columns.Read(HessianAtZeroRow.Blank, json.RootElement);
            Assert.That(read.Kappa, Is.NaN, "null reads back as NaN");
            Assert.That(read.WithInfinities(), Is.EqualTo(row));
        }
    }

    private sealed class RecordingJournal : ITrialBlockJournal
    {
        public List<CompletedBlock> Blocks { get; } = [];
        public bool TryGetCompleted(string cell, long index, out CompletedBlock block) { block = null!; return false; }
        public void Record(CompletedBlock block) => Blocks.Add(block);
    }
}
