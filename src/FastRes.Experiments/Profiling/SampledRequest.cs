namespace FastRes.Experiments.Profiling;

/// <summary>
/// What `fastres bench sampled` measures: the sampled shortcut-CNN engine (issue 13) on <see cref="Trials"/> fixed-teacher
/// trials of width <see cref="K"/> and patch size <see cref="P"/>, <see cref="Samples"/> fresh samples per step.
/// </summary>
/// <param name="Iterations">GD steps per trial; null sizes each figure to a fixed wall time (<c>KernelProfiler.SampledSeconds</c>).</param>
public sealed record SampledRequest(int P, int K, IReadOnlyList<int> Samples, int Trials, int? Iterations = null, ulong Seed = 1)
{
    /// <summary>SPEC §5's target problem (p = 8, k = 16), n = 64 (a minibatch) and 1024, 64 trials (8 vectors of 8 lanes).</summary>
    public static SampledRequest Default { get; } = new(KernelProfiler.MonteCarloP, 16, [64, 1024], 64);
}
