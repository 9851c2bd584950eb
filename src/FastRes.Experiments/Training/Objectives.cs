using FastRes.Experiments.Data;
using FastRes.Kernels.Networks;

namespace FastRes.Experiments.Training;

/// <summary>The fastest exact objective for a network: the moment (Σ) path for linear nets, the per-sample path otherwise.</summary>
public static class Objectives
{
    /// <param name="threads">Threads of the per-sample path (1 inside a cell, so its bits do not depend on the
    /// thread count); the moment path is single-threaded and needs none.</param>
    public static ITrainingObjective For(NShortcutNetwork network, Dataset data, int threads)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.IsLinear ? new MomentObjective(network, data) : new SampleObjective(network, data, threads);
    }
}
