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
/// The loss over every sample, batched over samples with SIMD (<see cref="NShortcutNetwork.LossAndGradient"/>): any
/// network. Allocation-free per epoch: the workspace is made once.
/// </summary>
public sealed class SampleObjective(NShortcutNetwork network, Dataset data, int threads) : ITrainingObjective
{
    private readonly NetworkWorkspace _workspace = new(network, threads);

    public NShortcutNetwork Network { get; } = network;

    public double LossAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
        => Network.LossAndGradient(theta, data.X, data.Y, data.Samples, gradient, _workspace);

    public double Loss(ReadOnlySpan<double> theta) => Network.Loss(theta, data.X, data.Y, data.Samples, _workspace);
}
