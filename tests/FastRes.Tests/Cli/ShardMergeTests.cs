using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// SPEC §7: shards of one run merged with <c>fastres merge</c> equal a single-process run in every field but timing,
/// for several N (also more shards than trial blocks, and more shards than trials); merge refuses anything that
/// would make that false, with one line, exit 2 and nothing written.
/// </summary>
public class ShardMergeTests
{
    // 300 trials in blocks of 64: 5 blocks, the last one short.
    private static readonly string[] Options = ["--k", "2,4", "--trials", "300", "--iterations", "300", "--cap-deg", "120", "--block-trials", "64"];

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = CliHarness.TempPath("merge");

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private string Run(string name, params string[] extra)
    {
        string folder = Path.Combine(_dir, name);
        var r = CliHarness.Run(["run", "shortcut-cnn", .. With(extra), "--out", folder]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        return folder;
    }

    /// <summary><see cref="Options"/> with the flags in <paramref name="extra"/> replacing or adding to them.</summary>
    private static string[] With(string[] extra)
    {
        var flags = new List<(string Flag, string Value)>();
        for (int i = 0; i < Options.Length; i += 2) flags.Add((Options[i], Options[i + 1]));
        for (int i = 0; i < extra.Length; i += 2)
        {
            flags.RemoveAll(f => f.Flag == extra[i]);
            flags.Add((extra[i], extra[i + 1]));
        }
        return flags.SelectMany(f => new[] { f.Flag, f.Value }).ToArray();
    }

    private string[] Shards(int n, string tag = "s", params string[] extra)
        => Enumerable.Range(0, n).Select(i => Run($"{tag}{n}-{i}", [.. extra, "--shard", $"{i}/{n}"])).ToArray();

    private CliHarness.Outcome Merge(string outName, params string[] shards) => CliHarness.Run(["merge", .. shards, "--out", Path.Combine(_dir, outName)]);

    [Test]
    public void One_and_two_threads_give_identical_results_files()
    {
        string one = Run("t1", "--threads", "1");
        string two = Run("t2", "--threads", "2");
        ResultsComparison.AssertSameResults(one, two, "1 vs 2 threads");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(8, Description = "more shards than the 5 trial blocks")]
    public void Merged_shards_equal_a_single_run(int n)
    {
        string single = Run("single", "--threads", "1");
        var merged = Merge("merged", Shards(n));
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(_dir, "merged"), $"{n} shards merged vs single run");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "merged", "config.json")))!;
        Assert.That(config["merged_from"]!.AsArray(), Has.Count.EqualTo(n));
        Assert.That(File.Exists(Path.Combine(_dir, "merged", "success_vs_k.png")) && File.Exists(Path.Combine(_dir, "merged", "summary.md")));
    }

    [Test]
    public void More_shards_than_trials_leave_empty_shards_that_still_merge_exactly()
    {
        string single = Run("single", "--trials", "5");
        var shards = Shards(8, "e", "--trials", "5");
        var empty = JsonNode.Parse(File.ReadAllText(Path.Combine(shards[0], "results.json")))!;
        Assert.That((long)empty["shard"]!["trial_end"]! - (long)empty["shard"]!["trial_start"]!, Is.EqualTo(0), "shard 0/8 of 5 trials is empty");
        var merged = Merge("merged", shards);
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(single, Path.Combine(_dir, "merged"), "8 shards of 5 trials");
    }

    [Test]
    public void Shard_files_record_slice_hash_and_version()
    {
        string s = Run("s", "--shard", "1/3");
        foreach (string file in new[] { "config.json", "results.json" })
        {
            var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(s, file)))!;
            Assert.That(doc["shard"]!.ToJsonString(), Is.EqualTo("{\"index\":1,\"count\":3,\"trial_start\":100,\"trial_end\":200}"), file);
            Assert.That((string)doc["config_hash"]!, Has.Length.EqualTo(64), file);
            Assert.That((string)doc["version"]!, Is.EqualTo(BuildStamp.Version), file);
        }
    }

    [Test]
    public void Atlas_shards_merge_too()
    {
        string[] atlas = ["run", "shortcut-cnn-atlas", "--k", "2", "--caps", "60,180", "--trials", "100", "--iterations", "200", "--block-trials", "32"];
        var single = CliHarness.Run([.. atlas, "--out", Path.Combine(_dir, "a")]);
        Assert.That(single.ExitCode, Is.EqualTo(0), single.Error);
        var shards = Enumerable.Range(0, 3).Select(i => Path.Combine(_dir, $"a{i}")).ToArray();
        for (int i = 0; i < 3; i++) Assert.That(CliHarness.Run([.. atlas, "--shard", $"{i}/3", "--out", shards[i]]).ExitCode, Is.EqualTo(0));
        var merged = Merge("am", shards);
        Assert.That(merged.ExitCode, Is.EqualTo(0), merged.Error);
        ResultsComparison.AssertSameResults(Path.Combine(_dir, "a"), Path.Combine(_dir, "am"), "atlas 3 shards");
        Assert.That(File.Exists(Path.Combine(_dir, "am", "heatmap_resnet.png")));
    }

    // ---- refusals: one line naming the problem, exit 2, the --out folder never created ----

    private void AssertRefused(CliHarness.Outcome r, string outName, string mentions)
    {
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1), r.Error);
        Assert.That(r.Error, Does.StartWith("error: "));
        Assert.That(r.Error, Does.Contain(mentions));
        Assert.That(Directory.Exists(Path.Combine(_dir, outName)), Is.False, "nothing written");
    }

    [Test]
    public void Missing_shard_is_refused_and_named()
    {
        var s = Shards(3);
        AssertRefused(Merge("m", s[0], s[2]), "m", "missing shard 1/3");
    }

    [Test]
    public void Missing_last_empty_shard_is_refused()
    {
        var s = Shards(8, "e", "--trials", "5");
        AssertRefused(Merge("m", s[..7]), "m", "missing shard 7/8");
    }

    [Test]
    public void Duplicate_shard_is_refused()
    {
        var s = Shards(2);
        string copy = Path.Combine(_dir, "copy");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(s[1], "results.json"), Path.Combine(copy, "results.json"));
        AssertRefused(Merge("m", s[0], s[1], copy), "m", "shard 1/2 is given twice");
    }

    [Test]
    public void Overlapping_slices_are_refused()
    {
        var halves = Shards(2, "h");
        var thirds = Shards(3, "t");
        AssertRefused(Merge("m", halves[0], thirds[1], thirds[2]), "m", "overlap");
    }

    [Test]
    public void Mismatched_config_hash_is_refused()
    {
        string a = Run("a", "--shard", "0/2");
        string b = Run("b", "--shard", "1/2", "--seed", "2");
        AssertRefused(Merge("m", a, b), "m", "config hash");
    }

    [Test]
    public void Mismatched_version_is_refused()
    {
        var s = Shards(2);
        Rewrite(Path.Combine(s[1], "results.json"), doc => doc["version"] = "0.0.1-other");
        AssertRefused(Merge("m", s), "m", "fastres 0.0.1-other");
    }

    [Test]
    public void Mismatched_experiment_is_refused()
    {
        var s = Shards(2);
        string atlas = Path.Combine(_dir, "atlas");
        Assert.That(CliHarness.Run("run", "shortcut-cnn-atlas", "--k", "2", "--caps", "60", "--trials", "300", "--iterations", "50",
            "--shard", "1/2", "--out", atlas).ExitCode, Is.EqualTo(0));
        AssertRefused(Merge("m", s[0], atlas), "m", "shortcut-cnn-atlas run");
    }

    [Test]
    public void Truncated_results_file_is_refused_as_corrupt()
    {
        var s = Shards(2);
        string path = Path.Combine(s[1], "results.json");
        File.WriteAllText(path, File.ReadAllText(path)[..200]);
        AssertRefused(Merge("m", s), "m", "is corrupt");
    }

    [Test]
    public void Counts_that_do_not_add_up_are_refused_as_corrupt()
    {
        var s = Shards(2);
        Rewrite(Path.Combine(s[0], "results.json"), doc => doc["rows"]![0]!["success"] = (long)doc["rows"]![0]!["success"]! + 1);
        AssertRefused(Merge("m", s), "m", "do not add up");
    }

    [Test]
    public void Edited_config_is_refused_because_it_no_longer_matches_its_hash()
    {
        var s = Shards(2);
        foreach (string dir in s) Rewrite(Path.Combine(dir, "results.json"), doc => doc["config"]!["iterations"] = 301);
        AssertRefused(Merge("m", s), "m", "hashes to");
    }

    [Test]
    public void Unfinished_shard_without_results_is_refused()
    {
        var s = Shards(2);
        File.Delete(Path.Combine(s[1], "results.json"));
        AssertRefused(Merge("m", s), "m", "has no results.json");
    }

    [Test]
    public void Merging_into_a_shard_folder_is_refused()
    {
        var s = Shards(2);
        var r = CliHarness.Run(["merge", .. s, "--out", s[0]]);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.Error, Does.Contain("one of the shard folders"));
    }

    private static void Rewrite(string path, Action<JsonNode> edit)
    {
        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        edit(doc);
        File.WriteAllText(path, doc.ToJsonString());
    }
}
