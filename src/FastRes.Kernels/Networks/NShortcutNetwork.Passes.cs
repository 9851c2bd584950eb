using CommunityToolkit.HighPerformance.Helpers;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Networks;

public sealed partial class NShortcutNetwork
{
    /// <summary>L(θ) = (1/2m) Σ_μ ‖y^μ − ŷ(x^μ)‖², batched over samples (one per SIMD lane) and threads.</summary>
    /// <param name="parameters">θ, in the layout of the type remarks.</param>
    /// <param name="x">m×d row-major inputs.</param>
    /// <param name="y">m×d row-major targets.</param>
    /// <param name="samples">m.</param>
    /// <param name="workspace">Scratch for this network (allocation-free passes).</param>
    /// <param name="width">Vector width; Auto picks the widest accelerated one (tests pin each).</param>
    /// <remarks>The result depends on the thread count only through the order of the final partial sums.</remarks>
    public double Loss(ReadOnlySpan<double> parameters, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples,
        NetworkWorkspace workspace, SimdWidth width = SimdWidth.Auto)
        => Run(parameters, x, y, samples, Span<double>.Empty, workspace, width, withGradient: false);

    /// <summary>L(θ) and ∇L(θ) (same layout as θ) by backpropagation; returns L.</summary>
    /// <inheritdoc cref="Loss" path="/param"/>
    /// <param name="gradient">Receives ∇L (N values).</param>
    public double LossAndGradient(ReadOnlySpan<double> parameters, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples,
        Span<double> gradient, NetworkWorkspace workspace, SimdWidth width = SimdWidth.Auto)
    {
        if (gradient.Length != ParameterCount)
            throw new ArgumentException($"gradient needs {ParameterCount} values", nameof(gradient));
        return Run(parameters, x, y, samples, gradient, workspace, width, withGradient: true);
    }

    private unsafe double Run(ReadOnlySpan<double> parameters, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples,
        Span<double> gradient, NetworkWorkspace workspace, SimdWidth width, bool withGradient)
    {
        CheckParameters(parameters);
        CheckData(x, y, samples);
        ArgumentNullException.ThrowIfNull(workspace);
        if (!ReferenceEquals(workspace.Network, this) && !SameShape(workspace.Network))
            throw new ArgumentException("the workspace was made for another network shape", nameof(workspace));

        int threads = Math.Max(1, Math.Min(workspace.Threads, samples / 64)); // below 64 samples per thread, threads cost more than they save
        fixed (double* pt = parameters, px = x, py = y)
        {
            var partition = new Partition(this, (nint)pt, parameters.Length, (nint)px, (nint)py, samples, threads, workspace, width, withGradient);
            if (threads == 1) partition.Invoke(0);
            else ParallelHelper.For(0, threads, in partition);
        }

        double loss = 0;
        for (int t = 0; t < threads; t++) loss += workspace.Partials[t];
        double scale = 1.0 / samples;
        if (withGradient)
        {
            // Sequential over threads and lanes, not TensorPrimitives.Sum (4–9× faster on spans of 80 and 4096,
            // TensorPrimitivesBench): the gradient feeds experiment results, so its order of summation stays fixed.
            int w = SimdDispatch.LaneCount<double>(width);
            for (int i = 0; i < gradient.Length; i++)
            {
                double g = 0;
                for (int t = 0; t < threads; t++)
                {
                    Span<double> lanes = workspace.GradientScalars(t).Slice(i * w, w);
                    for (int k = 0; k < w; k++) g += lanes[k];
                }
                gradient[i] = g * scale;
            }
        }
        return 0.5 * loss * scale;
    }

    /// <summary>
    /// Thread t's share of the samples, [m·t/threads, m·(t+1)/threads). A struct callback for ParallelHelper, so the
    /// per-thread work is specialized rather than a closure call; it cannot hold spans, hence the pinned addresses.
    /// </summary>
    private readonly unsafe struct Partition(NShortcutNetwork network, nint theta, int thetaLength, nint x, nint y, int samples,
        int threads, NetworkWorkspace workspace, SimdWidth width, bool withGradient) : IAction
    {
        public void Invoke(int t)
        {
            int first = (int)((long)samples * t / threads), last = (int)((long)samples * (t + 1) / threads);
            int length = samples * network.Width;
            var job = new RangeJob(network, new ReadOnlySpan<double>((void*)theta, thetaLength), new ReadOnlySpan<double>((void*)x, length),
                new ReadOnlySpan<double>((void*)y, length), first, last, workspace, t, withGradient);
            workspace.Partials[t] = SimdDispatch.Run<RangeJob, double, double>(width, ref job);
        }
    }

    private readonly ref struct RangeJob(NShortcutNetwork network, ReadOnlySpan<double> theta, ReadOnlySpan<double> x, ReadOnlySpan<double> y,
        int first, int last, NetworkWorkspace workspace, int thread, bool withGradient) : ISimdJob<double, double>
    {
        private readonly ReadOnlySpan<double> _theta = theta, _x = x, _y = y;

        public double Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
            => network.Range<TLanes, TVec>(_theta, _x, _y, first, last, workspace, thread, withGradient);
    }

    private double Range<TL, TVec>(ReadOnlySpan<double> theta, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int first, int last,
        NetworkWorkspace workspace, int thread, bool withGradient)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        var layout = new LaneLayout(this);
        Span<TVec> s = workspace.State<TVec>(thread);
        Span<TVec> g = workspace.Gradient<TVec>(thread).Slice(0, ParameterCount);
        if (withGradient) g.Clear();
        TVec sq = TL.Create(0.0);
        for (int start = first; start < last; start += TL.Count)
        {
            int count = Math.Min(TL.Count, last - start);
            NetworkLanes<TL, TVec>.Load(layout, x, y, start, count, s);
            NetworkLanes<TL, TVec>.Forward(this, layout, theta, s);
            if (withGradient)
            {
                sq = TL.Add(sq, NetworkLanes<TL, TVec>.Backward(this, layout, theta, s));
                NetworkLanes<TL, TVec>.AccumulateGradient(layout, s, g);
            }
            else
            {
                for (int p = 0; p < Width; p++)
                {
                    TVec e = TL.Multiply(s[layout.Mask], TL.Subtract(s[layout.H + Units * Width + p], s[layout.Y + p]));
                    sq = TL.FusedMultiplyAdd(e, e, sq);
                }
            }
        }
        return NetworkLanes<TL, TVec>.Sum(sq);
    }

    internal bool SameShape(NShortcutNetwork other) =>
        other.Width == Width && other.Units == Units && other.ShortcutDepth == ShortcutDepth && other.HasShortcut == HasShortcut
        && other.Pre == Pre && other.Mid == Mid && other.Post == Post;
}
