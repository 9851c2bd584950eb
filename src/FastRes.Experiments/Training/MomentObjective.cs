using FastRes.Experiments.Data;
using FastRes.Kernels.Networks;

namespace FastRes.Experiments.Training;

/// <summary>
/// The loss of a linear network from the data's moments Σ^{XX}, Σ^{XY}, tr Σ^{YY} (<see cref="LinearNetworkLoss"/>):
/// nothing per sample, O(D·d³) per epoch whatever m is. The moments are taken once, here; every call after that is
/// allocation-free. Equal to <see cref="SampleObjective"/> to rounding (not bit for bit: the sum over samples is done
/// before the network, not after).
/// </summary>
public sealed class MomentObjective : ITrainingObjective
{
    private readonly DataMoments _moments;
    private readonly LinearNetworkWorkspace _workspace;

    public MomentObjective(NShortcutNetwork network, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        if (!network.IsLinear) throw new ArgumentException($"{network}: the moment path needs a linear network", nameof(network));
        if (data.InputDim != network.Width || data.OutputDim != network.Width)
            throw new ArgumentException($"{data.Source}: {data.InputDim}→{data.OutputDim} data for a width-{network.Width} network", nameof(data));
        Network = network;
        _moments = new DataMoments(data.X, data.Y, data.Samples, network.Width);
        _workspace = new LinearNetworkWorkspace(network);
    }

    public NShortcutNetwork Network { get; }

    public double LossAndGradient(ReadOnlySpan<double> theta, Span<double> gradient)
        => LinearNetworkLoss.LossAndGradient(Network, theta, _moments, gradient, _workspace);

    public double Loss(ReadOnlySpan<double> theta) => LinearNetworkLoss.Loss(Network, theta, _moments, _workspace);
}
