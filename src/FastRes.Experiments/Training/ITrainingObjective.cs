using FastRes.Experiments.Data;
using FastRes.Kernels.Networks;

namespace FastRes.Experiments.Training;

/// <summary>The training loss L(θ) = (1/2m) Σ_μ ‖y^μ − ŷ(x^μ)‖² and its gradient, as full-batch gradient descent needs them.</summary>
public interface ITrainingObjective
{
    NShortcutNetwork Network { get; }

    /// <summary>L(θ), with ∇L(θ) written into <paramref name="gradient"/> (same layout as θ).</summary>
    double LossAndGradient(ReadOnlySpan<double> theta, Span<double> gradient);

    /// <summary>L(θ) only.</summary>
    double Loss(ReadOnlySpan<double> theta);
}

/// <summary>
/// The loss over every sample, batched over samples with SIMD (<see cref="NetworkEpoch"/>: chunks of 128 samples, each
/// layer a register-blocked product over the chunk): any network. Allocation-free per epoch: the workspace is made
/// once. The result is bit-identical for every thread count (blocks of 1,024 samples are summed in a fixed order).
/// </summary>
public sealed class SampleObjective(NShortcutNetwork network, Dataset data, int threads) : ITrainingObjective
{
    private readonly EpochWorkspace _workspace = new(network, data.Samples, threads);

    public NShortcutNetwork Network { get; } = network;

    public double LossAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
        => NetworkEpoch.LossAndGradient(Network, theta, data.X, data.Y, gradient, _workspace);

    public double Loss(ReadOnlySpan<double> theta) => NetworkEpoch.Loss(Network, theta, data.X, data.Y, _workspace);
}
