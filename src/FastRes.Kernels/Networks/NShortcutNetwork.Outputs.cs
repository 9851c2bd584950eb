using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Networks;

public sealed partial class NShortcutNetwork
{
    /// <summary>
    /// ŷ(x^μ) of every sample (the forward pass of the type remarks, one sample per SIMD lane, on the workspace's
    /// first thread's scratch): what a classifier reads its argmax from. Allocation-free.
    /// </summary>
    /// <param name="parameters">θ, in the layout of the type remarks.</param>
    /// <param name="x">m×d row-major inputs.</param>
    /// <param name="samples">m.</param>
    /// <param name="outputs">Receives the m×d row-major outputs.</param>
    /// <param name="workspace">Scratch for this network.</param>
    /// <param name="width">Vector width; Auto picks the widest accelerated one.</param>
    public void Outputs(ReadOnlySpan<double> parameters, ReadOnlySpan<double> x, int samples, Span<double> outputs,
        NetworkWorkspace workspace, SimdWidth width = SimdWidth.Auto)
    {
        CheckParameters(parameters);
        CheckData(x, x, samples);
        if ((long)samples * Width > outputs.Length) throw new ArgumentException($"outputs need {samples}×{Width} values", nameof(outputs));
        ArgumentNullException.ThrowIfNull(workspace);
        if (!ReferenceEquals(workspace.Network, this) && !SameShape(workspace.Network))
            throw new ArgumentException("the workspace was made for another network shape", nameof(workspace));
        var job = new OutputsJob(this, parameters, x, samples, outputs, workspace);
        SimdDispatch.Run<OutputsJob, double>(width, ref job);
    }

    private readonly ref struct OutputsJob(NShortcutNetwork network, ReadOnlySpan<double> theta, ReadOnlySpan<double> x, int samples,
        Span<double> outputs, NetworkWorkspace workspace) : ISimdJob<double>
    {
        private readonly ReadOnlySpan<double> _theta = theta, _x = x;
        private readonly Span<double> _outputs = outputs;

        public void Run<TL, TVec>() where TL : struct, ILanes<TVec, double> where TVec : struct
        {
            var layout = new LaneLayout(network);
            Span<TVec> s = workspace.State<TVec>(0);
            Span<double> lane = stackalloc double[TL.Count];
            int d = network.Width, top = layout.H + network.Units * d;
            for (int start = 0; start < samples; start += TL.Count)
            {
                int count = Math.Min(TL.Count, samples - start);
                // The targets' lanes are not read by the forward pass: x stands in for them.
                NetworkLanes<TL, TVec>.Load(layout, _x, _x, start, count, s);
                NetworkLanes<TL, TVec>.Forward(network, layout, _theta, s);
                for (int p = 0; p < d; p++)
                {
                    TL.Store(s[top + p], ref lane[0]);
                    for (int k = 0; k < count; k++) _outputs[(start + k) * d + p] = lane[k];
                }
            }
        }
    }
}
