using System.Collections.Concurrent;
using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.ShortcutCnn;

/// <summary>
/// The runner's side of checkpoints: every block is reported once, whole, with a tally that adds up to the run's
/// counts; a run stopped after some blocks and resumed from them ends with the counts of an uninterrupted run.
/// </summary>
public class BlockJournalTests
{
    private static ShortcutCnnConfig Small(int threads) => new()
    {
        K = [4, 8], Trials = 300, Iterations = 300, CapDeg = 120, EtaScale = 1.0, Seed = 3, Threads = threads, BlockTrials = 32,
    };

    private sealed class MemoryJournal : ITrialBlockJournal
    {
        public readonly ConcurrentDictionary<(string, long), CompletedBlock> Blocks = new();
        public Action? OnRecord;
        public bool TryGetCompleted(string cell, long index, out CompletedBlock block) => Blocks.TryGetValue((cell, index), out block!);
        public void Record(CompletedBlock block)
        {
            Assert.That(Blocks.TryAdd(block.Key, block), Is.True, $"block {block.Key} reported twice");
            OnRecord?.Invoke();
        }
    }

    private static string Signature(ShortcutCnnResult r) => string.Join(";", r.Rows.Select(x =>
        $"{x.K}/{x.Method}:{x.Trials},{x.Success},{x.Spurious},{x.Undecided},{x.Diverged},{x.TrialIterations}"));

    [TestCase(1)]
    [TestCase(2)]
    public void Every_block_is_reported_once_and_tallies_add_up_to_the_counts(int threads)
    {
        var journal = new MemoryJournal();
        var result = ShortcutCnnMonteCarlo.Run(Small(threads), journal: journal);
        Assert.That(journal.Blocks, Has.Count.EqualTo(2 * 10), "2 values of k × ceil(300/32) blocks");
        foreach (var row in result.Rows)
        {
            int m = Array.FindIndex(Small(1).Methods, x => x.Name() == row.Method);
            var blocks = journal.Blocks.Values.Where(b => b.Cell == ShortcutCnnMonteCarlo.CellName(120, row.K)).ToList();
            Assert.That(blocks.Sum(b => b.Tally[m * 5 + (int)TrialOutcome.Success]), Is.EqualTo(row.Success), row.Method);
            Assert.That(blocks.Sum(b => b.Tally[m * 5 + (int)TrialOutcome.Spurious]), Is.EqualTo(row.Spurious), row.Method);
            Assert.That(blocks.Sum(b => b.Tally[m * 5 + 4]), Is.EqualTo(row.TrialIterations), row.Method);
            Assert.That(blocks.All(b => b.Tally.Skip(m * 5).Take(4).Sum() == b.End - b.Start), "each block's outcomes cover its trials");
        }
    }

    [TestCase(1, 3)]
    [TestCase(2, 7)]
    [TestCase(2, 15)]
    public void Stopped_and_resumed_run_equals_an_uninterrupted_one(int threads, int stopAfter)
    {
        string straight = Signature(ShortcutCnnMonteCarlo.Run(Small(1)));
        var journal = new MemoryJournal();
        using var stop = new CancellationTokenSource();
        int recorded = 0;
        journal.OnRecord = () => { if (Interlocked.Increment(ref recorded) == stopAfter) stop.Cancel(); };
        Assert.Throws<OperationCanceledException>(() => ShortcutCnnMonteCarlo.Run(Small(threads), null, stop.Token, journal));
        int saved = journal.Blocks.Count;
        Assert.That(saved, Is.InRange(stopAfter, 19), "claimed blocks finish after the stop; not all of them ran");

        journal.OnRecord = null;
        long reported = 0;
        var resumed = ShortcutCnnMonteCarlo.Run(Small(threads), new InlineProgress(v => Interlocked.Add(ref reported, v)), default, journal);
        Assert.That(Signature(resumed), Is.EqualTo(straight));
        Assert.That(journal.Blocks, Has.Count.EqualTo(20));
        Assert.That(reported, Is.EqualTo(ShortcutCnnMonteCarlo.TotalTrials(Small(threads))), "progress counts resumed blocks once");
    }

    [Test]
    public void A_block_that_does_not_fit_the_plan_is_refused()
    {
        var journal = new MemoryJournal();
        journal.Blocks[(ShortcutCnnMonteCarlo.CellName(120, 4), 0)] = new CompletedBlock(ShortcutCnnMonteCarlo.CellName(120, 4), 0, 0, 16, new long[15]);
        Assert.Throws<InvalidDataException>(() => ShortcutCnnMonteCarlo.Run(Small(1), journal: journal));
    }

    private sealed class InlineProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
