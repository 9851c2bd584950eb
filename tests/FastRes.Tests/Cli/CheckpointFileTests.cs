using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// The checkpoint journal on its own: records read back exactly, a torn last record is dropped (and cut away so the
/// next record starts on its own line), and a damaged, duplicated or foreign file is refused rather than guessed at.
/// </summary>
public class CheckpointFileTests
{
    private static readonly CheckpointIdentity Id = new("shortcut-cnn", new string('a', 64), "1.2.3", "0/1", 64);
    private string _dir = null!;

    [SetUp]
    public void SetUp() { _dir = CliHarness.TempPath("ckpt"); Directory.CreateDirectory(_dir); }

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private string LogPath => Path.Combine(_dir, CheckpointFile.FileName);

    private static CompletedBlock Block(long index) => new("cap=60 k=8", index, index * 64, index * 64 + 64, [index, 64 - index, 0, 0, 1000 + index]);

    private void WriteBlocks(int n)
    {
        using var journal = CheckpointFile.Create(_dir, Id);
        for (int i = 0; i < n; i++) journal.Record(Block(i));
    }

    [Test]
    public void Records_read_back_exactly()
    {
        WriteBlocks(3);
        using var journal = CheckpointFile.Resume(_dir, Id);
        Assert.That(journal.Resumed, Is.EqualTo(3));
        Assert.That(journal.TryGetCompleted("cap=60 k=8", 2, out var b), Is.True);
        Assert.That(b.Tally, Is.EqualTo(Block(2).Tally));
        Assert.That((b.Start, b.End), Is.EqualTo((128L, 192L)));
        Assert.That(journal.TryGetCompleted("cap=60 k=8", 3, out _), Is.False);
        Assert.That(journal.TryGetCompleted("cap=60 k=4", 0, out _), Is.False);
    }

    [Test]
    public void Torn_last_record_is_dropped_and_cut_so_appending_continues_cleanly()
    {
        WriteBlocks(3);
        // A write cut short by a kill: the first half of block 3's line, no newline.
        string full = File.ReadAllLines(LogPath)[3];
        File.AppendAllText(LogPath, full[..(full.Length / 2)].Replace("\t2\t", "\t3\t"));
        using (var journal = CheckpointFile.Resume(_dir, Id))
        {
            Assert.That(journal.Resumed, Is.EqualTo(3));
            Assert.That(journal.DroppedTornBytes, Is.GreaterThan(0));
            journal.Record(Block(3));
        }
        using var again = CheckpointFile.Resume(_dir, Id);
        Assert.That(again.Resumed, Is.EqualTo(4), "the record after the cut is whole");
        Assert.That(again.DroppedTornBytes, Is.EqualTo(0));
    }

    [Test]
    public void Zero_fill_after_a_crash_counts_as_torn_tail()
    {
        WriteBlocks(2);
        File.AppendAllText(LogPath, new string('\0', 100));
        using var journal = CheckpointFile.Resume(_dir, Id);
        Assert.That(journal.Resumed, Is.EqualTo(2));
        Assert.That(journal.DroppedTornBytes, Is.EqualTo(100));
    }

    private void AssertRefused(string mentions)
    {
        var e = Assert.Throws<BadInputException>(() => CheckpointFile.Resume(_dir, Id).Dispose());
        Assert.That(e!.Field, Is.EqualTo("--resume"));
        Assert.That(e.Problem, Does.Contain(mentions));
    }

    [Test]
    public void A_changed_count_fails_the_checksum()
    {
        WriteBlocks(3);
        var lines = File.ReadAllLines(LogPath);
        lines[2] = lines[2].Replace("\t1,63,", "\t2,62,"); // still adds up: only the checksum can tell
        File.WriteAllLines(LogPath, lines);
        AssertRefused("fails its checksum at line 3");
    }

    [Test]
    public void A_complete_but_damaged_last_line_is_corrupt_not_torn()
    {
        WriteBlocks(2);
        var lines = File.ReadAllLines(LogPath);
        lines[^1] = lines[^1][..^3] + "zzz";
        File.WriteAllLines(LogPath, lines);
        AssertRefused("checksum");
    }

    [Test]
    public void A_duplicated_block_is_refused()
    {
        WriteBlocks(2);
        File.AppendAllText(LogPath, File.ReadAllLines(LogPath)[1] + "\n");
        AssertRefused("twice");
    }

    [TestCase("config", Description = "another run's checkpoint")]
    [TestCase("shard")]
    [TestCase("version")]
    [TestCase("blocks")]
    [TestCase("experiment")]
    public void A_foreign_checkpoint_is_refused(string what)
    {
        var other = what switch
        {
            "config" => Id with { ConfigHash = new string('b', 64) },
            "shard" => Id with { Shard = "1/4" },
            "version" => Id with { Version = "9.9.9" },
            "blocks" => Id with { BlockTrials = 256 },
            _ => Id with { Experiment = "shortcut-cnn-atlas" },
        };
        using (var journal = CheckpointFile.Create(_dir, other)) journal.Record(Block(0));
        var e = Assert.Throws<BadInputException>(() => CheckpointFile.Resume(_dir, Id).Dispose());
        Assert.That(e!.Problem, Does.Contain("refusing to mix runs"));
    }

    [Test]
    public void Missing_or_empty_checkpoint_starts_fresh()
    {
        using (var journal = CheckpointFile.Resume(_dir, Id)) Assert.That(journal.Resumed, Is.EqualTo(0));
        File.WriteAllText(LogPath, "");
        using (var journal = CheckpointFile.Resume(_dir, Id)) Assert.That(journal.Resumed, Is.EqualTo(0));
        Assert.That(File.ReadAllLines(LogPath), Has.Length.EqualTo(1), "a fresh header");
    }
}
