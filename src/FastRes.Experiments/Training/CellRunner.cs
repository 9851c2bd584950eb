using FastRes.Experiments.Checkpoints;

namespace FastRes.Experiments.Training;

/// <summary>
/// Runs the independent cells of a training experiment (net × depth × rate × run, …): each cell is a pure function of
/// the config and its index, computed on one thread (so its bits do not depend on the thread count), cells in
/// parallel; a shard runs the cells of its slice; each finished cell goes to the journal, and a resumed run reads
/// finished cells back bit for bit instead of recomputing them.
/// </summary>
public static class CellRunner
{
    /// <param name="cells">The shard's cells: a name for the journal ("net=shortcut2 depth=16 run=3") and the cell's global index.</param>
    /// <param name="compute">Computes cell i (its global index).</param>
    /// <param name="encode">The cell as doubles, exactly (what the journal keeps).</param>
    /// <param name="decode">The inverse of <paramref name="encode"/>.</param>
    public static TCell[] Run<TCell>(IReadOnlyList<(string Name, long Index)> cells, Func<long, CancellationToken, TCell> compute,
        Func<TCell, double[]> encode, Func<double[], TCell> decode, int threads, ITrialBlockJournal? journal, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var results = new TCell[cells.Count];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount, CancellationToken = cancellationToken,
        };
        try
        {
            Parallel.For(0, cells.Count, options, j =>
            {
                var (name, index) = cells[j];
                if (journal is not null && journal.TryGetCompleted(name, index, out var done))
                    results[j] = decode(JournalDoubles.Decode(done.Tally));
                else
                {
                    results[j] = compute(index, cancellationToken);
                    journal?.Record(new CompletedBlock(name, index, index, index + 1, JournalDoubles.Encode(encode(results[j]))));
                }
                progress?.Report(1);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
        {
            throw new OperationCanceledException(cancellationToken);
        }
        return results;
    }
}
