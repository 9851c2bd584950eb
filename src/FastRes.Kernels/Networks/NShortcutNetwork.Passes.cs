using System.Runtime.Intrinsics;
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
            nint ptI = (nint)pt, pxI = (nint)px, pyI = (nint)py;
            int nt = parameters.Length, nx = samples * Width;
            if (threads == 1) Partition(0, 1);
            else Parallel.For(0, threads, t => Partition(t, threads));

            void Partition(int t, int count)
            {
                int first = (int)((long)samples * t / count), last = (int)((long)samples * (t + 1) / count);
                var th = new ReadOnlySpan<double>((void*)ptI, nt);
                var xs = new ReadOnlySpan<double>((void*)pxI, nx);
                var ys = new ReadOnlySpan<double>((void*)pyI, nx);
                workspace.Partials[t] = SimdWidths.Resolve(width) switch
                {
                    SimdWidth.V512 => Range<Lanes512<double>, Vector512<double>>(th, xs, ys, first, last, workspace, t, withGradient),
                    SimdWidth.V256 => Range<Lanes256<double>, Vector256<double>>(th, xs, ys, first, last, workspace, t, withGradient),
                    SimdWidth.V128 => Range<Lanes128<double>, Vector128<double>>(th, xs, ys, first, last, workspace, t, withGradient),
                    _ => Range<Lanes1<double>, double>(th, xs, ys, first, last, workspace, t, withGradient),
                };
            }
        }

        double loss = 0;
        for (int t = 0; t < threads; t++) loss += workspace.Partials[t];
        double scale = 1.0 / samples;
        if (withGradient)
        {
            int w = SimdWidths.Resolve(width) switch { SimdWidth.V512 => 8, SimdWidth.V256 => 4, SimdWidth.V128 => 2, _ => 1 };
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
