using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// What the scale-out tests of an experiment whose run slices into shards share (SPEC §7): a scratch folder, runs of
/// the experiment with its fixture's options, N shards of one, a merge — and the two facts that hold for every such
/// experiment alike: a merge without one of its shards is refused, and resuming a finished run changes nothing.
/// </summary>
public abstract class ScaleOutFixture(string experiment, string[] options)
{
    protected string Dir { get; private set; } = null!;

    /// <summary>An option whose value differs from the fixture's own: resuming with it must be refused.</summary>
    protected abstract string[] DifferentOption { get; }

    [SetUp]
    public void MakeFolder() => Dir = CliHarness.TempPath(experiment + "-scale");

    [TearDown]
    public void RemoveFolder() { if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true); }

    protected string Run(string name, params string[] extra)
    {
        string folder = Path.Combine(Dir, name);
        var r = CliHarness.Run(["run", experiment, .. options, .. extra, "--out", folder]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        return folder;
    }

    protected string[] Shards(int n, params string[] extra)
        => Enumerable.Range(0, n).Select(i => Run($"s{n}-{i}", [.. extra, "--shard", $"{i}/{n}"])).ToArray();

    protected CliHarness.Outcome Merge(string outName, params string[] shards) => CliHarness.Run(["merge", .. shards, "--out", Path.Combine(Dir, outName)]);

    /// <summary>Merging <paramref name="shards"/> is refused as bad input in one line and writes nothing; the line.</summary>
    protected string MergeRefused(params string[] shards)
    {
        var r = Merge("m", shards);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1), r.Error);
        Assert.That(r.Error, Does.StartWith("error: "));
        Assert.That(Directory.Exists(Path.Combine(Dir, "m")), Is.False, "nothing written");
        return r.Error;
    }

    /// <summary>Edits a run's results.json in place (a corrupt shard).</summary>
    protected static void EditResults(string folder, Action<JsonNode> edit)
    {
        string path = Path.Combine(folder, "results.json");
        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        edit(doc);
        File.WriteAllText(path, doc.ToJsonString());
    }

    [Test]
    public void Missing_shard_is_refused()
    {
        var s = Shards(3);
        Assert.That(MergeRefused(s[0], s[2]), Does.Contain("missing shard 1/3"));
    }

    [Test]
    public void Resuming_a_finished_run_changes_nothing()
    {
        string run = Run("done");
        byte[] before = File.ReadAllBytes(Path.Combine(run, "results.json"));
        var r = CliHarness.Run("run", experiment, "--resume", run);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        Assert.That(r.Error, Does.Contain("already finished"));
        Assert.That(File.ReadAllBytes(Path.Combine(run, "results.json")), Is.EqualTo(before));
        Assert.That(File.Exists(Path.Combine(run, CheckpointFile.FileName)), Is.False);
        var changed = CliHarness.Run(["run", experiment, "--resume", run, .. DifferentOption]);
        Assert.That(changed.ExitCode, Is.EqualTo(ExitCodes.BadInput), "options that differ from the finished run are still refused");
    }
}
