namespace FastRes.Experiments.Checkpoints;

/// <summary>
/// One finished block of trials of one cell of an experiment: which cell (e.g. <c>cap=60 k=8</c>), which block
/// (0-based within the run's shard), the trials it covered and its tally — integers the runner adds up (for
/// shortcut-cnn: per method the four outcome counts and the trial-iterations). Blocks are the unit of resumption:
/// a block is either recorded whole or redone whole, so no trial is lost or counted twice.
/// </summary>
public sealed record CompletedBlock(string Cell, long Index, long Start, long End, long[] Tally)
{
    public (string Cell, long Index) Key => (Cell, Index);
}

/// <summary>
/// Where a runner reports finished blocks and learns which blocks an earlier, interrupted run already finished.
/// The runner never does I/O itself; the host (checkpoint file) implements this. Any experiment whose work splits
/// into independent, deterministic blocks (trial blocks here, the Hessian experiments' repeated runs later) can use it.
/// </summary>
public interface ITrialBlockJournal
{
    /// <summary>The block if an earlier run finished it; its tally is then added instead of running it again.</summary>
    bool TryGetCompleted(string cell, long index, out CompletedBlock block);

    /// <summary>A block has just finished. Called from worker threads; must be thread-safe.</summary>
    void Record(CompletedBlock block);
}
