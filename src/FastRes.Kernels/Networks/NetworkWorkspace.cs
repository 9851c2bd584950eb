using System.Runtime.InteropServices;

namespace FastRes.Kernels.Networks;

/// <summary>
/// Caller-owned scratch memory for <see cref="NShortcutNetwork.Loss"/> and <see cref="NShortcutNetwork.LossAndGradient"/>:
/// one lane workspace and one lane gradient accumulator per thread, sized for the widest vector (8 doubles), so the
/// passes allocate nothing once it exists. Not thread-safe: one call at a time per workspace.
/// </summary>
public sealed class NetworkWorkspace
{
    internal const int MaxLanes = 8;
    private readonly double[][] _state, _grad;

    /// <param name="threads">Sample blocks are split over this many threads (≥ 1; default: all processors).</param>
    public NetworkWorkspace(NShortcutNetwork network, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (threads <= 0) threads = Environment.ProcessorCount;
        Network = network;
        Threads = threads;
        var layout = new LaneLayout(network);
        _state = new double[threads][];
        _grad = new double[threads][];
        Partials = new double[threads];
        for (int t = 0; t < threads; t++)
        {
            _state[t] = new double[layout.Length * MaxLanes];
            _grad[t] = new double[network.ParameterCount * MaxLanes];
        }
    }

    public NShortcutNetwork Network { get; }
    public int Threads { get; }
    internal double[] Partials { get; }

    internal Span<TVec> State<TVec>(int thread) where TVec : struct => MemoryMarshal.Cast<double, TVec>(_state[thread].AsSpan());
    internal Span<TVec> Gradient<TVec>(int thread) where TVec : struct => MemoryMarshal.Cast<double, TVec>(_grad[thread].AsSpan());
    internal Span<double> GradientScalars(int thread) => _grad[thread];
}
