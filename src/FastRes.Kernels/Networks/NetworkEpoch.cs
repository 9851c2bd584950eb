using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance.Helpers;
using FastRes.Kernels.Maths;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Networks;

/// <summary>
/// Caller-owned memory for <see cref="NetworkEpoch"/>: per thread the state of one chunk of samples and the gradient's
/// lane accumulators, and per block its loss and gradient. Made once per (network, data size); an epoch allocates
/// nothing. Not thread-safe: one call at a time per workspace.
/// </summary>
public sealed class EpochWorkspace
{
    /// <summary>Samples a pass holds at once. Depth 16, d = 10: ~60 k doubles of state, resident in L2.</summary>
    public const int ChunkSamples = 128;

    /// <summary>Chunks per block. A block is the unit of parallel work and of the fixed order of summation: its loss
    /// and gradient are reduced to scalars on their own and the blocks are summed in order, so the result does not
    /// depend on the thread count.</summary>
    public const int BlockChunks = 8;

    public const int BlockSamples = ChunkSamples * BlockChunks;

    internal const int MaxLanes = 8;

    private readonly double[][] _state, _accumulators;
    private readonly int[] _stateOffset, _accumulatorOffset;

    /// <param name="samples">m: the block partials are sized for it.</param>
    /// <param name="threads">Blocks are spread over this many threads (≥ 1; default: all processors). The result is
    /// the same for every thread count.</param>
    public EpochWorkspace(NShortcutNetwork network, int samples, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (threads <= 0) threads = Environment.ProcessorCount;
        Network = network;
        Samples = samples;
        Blocks = (samples + BlockSamples - 1) / BlockSamples;
        Threads = System.Math.Min(threads, Blocks);
        Layout = new ChunkLayout(network);
        _state = new double[Threads][];
        _accumulators = new double[Threads][];
        _stateOffset = new int[Threads];
        _accumulatorOffset = new int[Threads];
        for (int t = 0; t < Threads; t++)
        {
            (_state[t], _stateOffset[t]) = Aligned(Layout.Length);
            (_accumulators[t], _accumulatorOffset[t]) = Aligned(network.ParameterCount * MaxLanes);
        }
        BlockGradients = new double[Blocks * network.ParameterCount];
        BlockLosses = new double[Blocks];
    }

    public NShortcutNetwork Network { get; }
    public int Samples { get; }
    public int Blocks { get; }
    public int Threads { get; }
    internal ChunkLayout Layout { get; }
    internal double[] BlockGradients { get; }
    internal double[] BlockLosses { get; }
    internal Span<double> State(int thread) => _state[thread].AsSpan(_stateOffset[thread], Layout.Length);
    internal Span<double> Accumulators(int thread) => _accumulators[thread].AsSpan(_accumulatorOffset[thread], Network.ParameterCount * MaxLanes);

    /// <summary>
    /// A pinned array (it never moves) and the offset at which it is 64-byte aligned: every vector the passes load or
    /// store then sits in one cache line (an unaligned 512-bit access spans two).
    /// </summary>
    private static unsafe (double[] Array, int Offset) Aligned(int length)
    {
        var array = GC.AllocateArray<double>(length + 8, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref array[0]);
        int offset = (int)((64 - (address & 63)) & 63) / sizeof(double);
        return (array, offset);
    }
}

/// <summary>Offsets (in doubles) of a chunk's quantities; each is feature-major, C = 128 samples per feature.</summary>
internal readonly struct ChunkLayout
{
    public const int C = EpochWorkspace.ChunkSamples;
    public readonly int D, R, N, L, H, U, D1, P1, Y, Mask, Above, Delta, UHat, Length;

    public ChunkLayout(NShortcutNetwork net)
    {
        D = net.Width; R = net.Units; N = net.ShortcutDepth; L = net.Depth;
        int f = D * C, o = 0;
        H = o; o += (R + 1) * f;   // h_r, r = 0..R (h_0 = x, h_R = ŷ)
        U = o; o += L * f;         // u_l, the input of layer l
        D1 = o; o += L * f;        // σ′(z_l) of the activation after layer l (unused for the identity)
        P1 = o; o += R * f;        // σ′_pre(h_r) (unused for the identity)
        Y = o; o += f;
        Mask = o; o += C;          // 1 for real samples, 0 for the padding of the last chunk
        Above = o; o += f;         // ∂ℓ/∂h_r, walking down
        Delta = o; o += f;         // δ_l = ∂ℓ/∂z_l
        UHat = o; o += f;          // ∂ℓ/∂u_l = W_lᵀδ_l
        Length = o;
    }
}

/// <summary>
/// One full-batch epoch of training: L = (1/2m) Σ_μ ‖y^μ − ŷ(x^μ)‖² and ∇L of an n-shortcut or plain network over all m
/// samples, first derivatives only (the exact Hessian's per-sample pass, <see cref="NShortcutNetwork.LossAndGradient"/>,
/// also carries σ″ and per-lane gradient sums, which training does not need).
/// </summary>
/// <remarks>
/// d = 10 is too narrow to vectorize over, so the samples go in the lanes, as in the Hessian pass — but in chunks of 128
/// samples laid out feature-major, so that every layer is a small matrix product W·U over the chunk: the d×d matrix stays
/// in L1 as broadcasts, each product is register-blocked (4 rows × 2 vectors: 8 independent FMA chains; the rows left over
/// 1 × 4 vectors), and the gradient δ_l u_lᵀ is summed over the chunk in registers before it touches memory. The loss and
/// gradient of each block of 1,024 samples are reduced to scalars in a fixed order and the blocks summed in order:
/// bit-identical for every thread count; SIMD widths differ in the last bits (their lane sums are grouped differently).
/// </remarks>
public static class NetworkEpoch
{
    /// <summary>L(θ), with ∇L(θ) written into <paramref name="gradient"/>; returns L.</summary>
    public static double LossAndGradient(NShortcutNetwork network, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x,
        ReadOnlySpan<double> y, Span<double> gradient, EpochWorkspace workspace, SimdWidth width = SimdWidth.Auto)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (gradient.Length != network.ParameterCount)
            throw new ArgumentException($"gradient needs {network.ParameterCount} values", nameof(gradient));
        return Run(network, parameters, x, y, gradient, workspace, width, withGradient: true);
    }

    /// <summary>L(θ) alone (the forward pass only).</summary>
    public static double Loss(NShortcutNetwork network, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x,
        ReadOnlySpan<double> y, EpochWorkspace workspace, SimdWidth width = SimdWidth.Auto)
        => Run(network, parameters, x, y, Span<double>.Empty, workspace, width, withGradient: false);

    private static unsafe double Run(NShortcutNetwork network, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x,
        ReadOnlySpan<double> y, Span<double> gradient, EpochWorkspace workspace, SimdWidth width, bool withGradient)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(workspace);
        network.CheckParameters(parameters);
        int m = workspace.Samples, d = network.Width, n = network.ParameterCount;
        network.CheckData(x, y, m);
        if (!ReferenceEquals(workspace.Network, network) && !network.SameShape(workspace.Network))
            throw new ArgumentException("the workspace was made for another network shape", nameof(workspace));
        if (x.Length != m * d) throw new ArgumentException($"the workspace was made for {m} samples, the data has {x.Length / d}", nameof(x));

        fixed (double* pt = parameters, px = x, py = y)
        {
            var blocks = new Blocks(network, (nint)pt, (nint)px, (nint)py, workspace, width, withGradient);
            if (workspace.Threads == 1) blocks.Invoke(0);
            else ParallelHelper.For(0, workspace.Threads, in blocks);
        }

        double loss = 0;
        for (int b = 0; b < workspace.Blocks; b++) loss += workspace.BlockLosses[b];
        if (withGradient)
        {
            ReadOnlySpan<double> partials = workspace.BlockGradients;
            for (int i = 0; i < n; i++)
            {
                double g = 0;
                for (int b = 0; b < workspace.Blocks; b++) g += partials[b * n + i];
                gradient[i] = g / m;
            }
        }
        return 0.5 * loss / m;
    }

    /// <summary>Thread t takes blocks t, t + T, t + 2T, …; each block's result lands in its own slot.</summary>
    private readonly unsafe struct Blocks(NShortcutNetwork network, nint theta, nint x, nint y, EpochWorkspace workspace,
        SimdWidth width, bool withGradient) : IAction
    {
        public void Invoke(int t)
        {
            int m = workspace.Samples, d = network.Width;
            var job = new BlockJob(network, new ReadOnlySpan<double>((void*)theta, network.ParameterCount),
                new ReadOnlySpan<double>((void*)x, m * d), new ReadOnlySpan<double>((void*)y, m * d), workspace, t, withGradient);
            SimdDispatch.Run<BlockJob, double>(width, ref job);
        }
    }

    private readonly ref struct BlockJob(NShortcutNetwork network, ReadOnlySpan<double> theta, ReadOnlySpan<double> x,
        ReadOnlySpan<double> y, EpochWorkspace workspace, int thread, bool withGradient) : ISimdJob<double>
    {
        private readonly ReadOnlySpan<double> _theta = theta, _x = x, _y = y;

        public void Run<TL, TVec>() where TL : struct, ILanes<TVec, double> where TVec : struct
        {
            var a = workspace.Layout;
            Span<double> s = workspace.State(thread);
            Span<double> acc = workspace.Accumulators(thread)[..(network.ParameterCount * TL.Count)];
            int n = network.ParameterCount;
            for (int b = thread; b < workspace.Blocks; b += workspace.Threads)
            {
                if (withGradient) acc.Clear();
                TVec sq = TL.Create(0.0);
                int first = b * EpochWorkspace.BlockSamples, last = System.Math.Min(workspace.Samples, first + EpochWorkspace.BlockSamples);
                for (int start = first; start < last; start += ChunkLayout.C)
                {
                    int count = System.Math.Min(ChunkLayout.C, last - start);
                    Chunk<TL, TVec>.Load(a, _x, _y, start, count, s);
                    Chunk<TL, TVec>.Forward(network, a, _theta, s);
                    sq = TL.Add(sq, Chunk<TL, TVec>.OutputError(a, s));
                    if (withGradient) Chunk<TL, TVec>.Backward(network, a, _theta, s, acc);
                }
                workspace.BlockLosses[b] = Chunk<TL, TVec>.Sum(sq);
                if (withGradient)
                {
                    Span<double> partial = workspace.BlockGradients.AsSpan(b * n, n);
                    for (int i = 0; i < n; i++) partial[i] = Chunk<TL, TVec>.Sum(TL.Load(in acc[i * TL.Count]));
                }
            }
        }
    }
}

/// <summary>The passes over one chunk (C samples, feature-major: quantity[p·C + sample]).</summary>
internal static class Chunk<TL, TVec>
    where TL : struct, ILanes<TVec, double>
    where TVec : struct
{
    private const int C = ChunkLayout.C;

    /// <summary>Vectors per feature row.</summary>
    private static int V => C / TL.Count;

    public static void Load(in ChunkLayout a, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int first, int count, Span<double> s)
    {
        int d = a.D;
        for (int p = 0; p < d; p++)
        {
            Span<double> hx = s.Slice(a.H + p * C, C), hy = s.Slice(a.Y + p * C, C);
            for (int k = 0; k < count; k++) { hx[k] = x[(first + k) * d + p]; hy[k] = y[(first + k) * d + p]; }
            hx[count..].Clear();
            hy[count..].Clear();
        }
        Span<double> mask = s.Slice(a.Mask, C);
        mask[..count].Fill(1.0);
        mask[count..].Clear();
    }

    /// <summary>h_0 = x → ŷ = h_R, storing every u_l, h_r and σ′.</summary>
    public static void Forward(NShortcutNetwork net, in ChunkLayout a, ReadOnlySpan<double> theta, Span<double> s)
    {
        int d = a.D, n = a.N, f = d * C;
        bool shortcut = net.HasShortcut;
        ref double s0 = ref MemoryMarshal.GetReference(s);
        for (int r = 0; r < a.R; r++)
        {
            int h = a.H + r * f, l0 = r * n;
            ref double hr = ref Unsafe.Add(ref s0, h);
            ref double u0 = ref Unsafe.Add(ref s0, a.U + l0 * f);
            if (net.Pre == Activation.Identity) MemoryMarshal.CreateSpan(ref hr, f).CopyTo(MemoryMarshal.CreateSpan(ref u0, f));
            else
            {
                ref double p1 = ref Unsafe.Add(ref s0, a.P1 + r * f);
                for (int i = 0; i < f; i += TL.Count)
                    TL.Store(Apply(net.Pre, TL.Load(in Unsafe.Add(ref hr, i)), ref Unsafe.Add(ref p1, i)), ref Unsafe.Add(ref u0, i));
            }
            for (int k = 0; k < n; k++)
            {
                int l = l0 + k;
                bool last = k == n - 1;
                var output = new Activated(s, last ? a.H + (r + 1) * f : a.U + (l + 1) * f, a.D1 + l * f, h, last ? net.Post : net.Mid, last && shortcut);
                Product(theta.Slice(l * d * d, d * d), d, 1, d, s, a.U + l * f, ref output);
            }
        }
    }

    /// <summary>∂ℓ/∂ŷ = mask·(ŷ − y) into the Above rows; returns Σ_p (ŷ_p − y_p)² per lane.</summary>
    public static TVec OutputError(in ChunkLayout a, Span<double> s)
    {
        int d = a.D;
        ref double s0 = ref MemoryMarshal.GetReference(s);
        ref double yhat = ref Unsafe.Add(ref s0, a.H + a.R * d * C);
        ref double yy = ref Unsafe.Add(ref s0, a.Y);
        ref double mask = ref Unsafe.Add(ref s0, a.Mask);
        ref double above = ref Unsafe.Add(ref s0, a.Above);
        TVec sq0 = TL.Create(0.0), sq1 = sq0;
        for (int p = 0; p < d; p++)
            for (int v = 0; v < C; v += 2 * TL.Count)
            {
                int i = p * C + v;
                TVec e0 = TL.Multiply(TL.Load(in Unsafe.Add(ref mask, v)), TL.Subtract(TL.Load(in Unsafe.Add(ref yhat, i)), TL.Load(in Unsafe.Add(ref yy, i))));
                TVec e1 = TL.Multiply(TL.Load(in Unsafe.Add(ref mask, v + TL.Count)),
                    TL.Subtract(TL.Load(in Unsafe.Add(ref yhat, i + TL.Count)), TL.Load(in Unsafe.Add(ref yy, i + TL.Count))));
                TL.Store(e0, ref Unsafe.Add(ref above, i));
                TL.Store(e1, ref Unsafe.Add(ref above, i + TL.Count));
                sq0 = TL.FusedMultiplyAdd(e0, e0, sq0);
                sq1 = TL.FusedMultiplyAdd(e1, e1, sq1);
            }
        return TL.Add(sq0, sq1);
    }

    /// <summary>Backpropagation from the Above rows, adding δ_l u_lᵀ (summed over the chunk) into the lane accumulators.</summary>
    public static void Backward(NShortcutNetwork net, in ChunkLayout a, ReadOnlySpan<double> theta, Span<double> s, Span<double> acc)
    {
        int d = a.D, n = a.N, f = d * C;
        ref double s0 = ref MemoryMarshal.GetReference(s);
        ref double above = ref Unsafe.Add(ref s0, a.Above);
        ref double delta = ref Unsafe.Add(ref s0, a.Delta);
        ref double uhat = ref Unsafe.Add(ref s0, a.UHat);
        double keep = net.HasShortcut ? 1.0 : 0.0;
        for (int r = a.R - 1; r >= 0; r--)
        {
            for (int k = n - 1; k >= 0; k--)
            {
                int l = r * n + k;
                Activation act = k == n - 1 ? net.Post : net.Mid;
                ref double from = ref k == n - 1 ? ref above : ref uhat;
                ref double d1 = ref Unsafe.Add(ref s0, a.D1 + l * f);
                if (act == Activation.Identity) MemoryMarshal.CreateSpan(ref from, f).CopyTo(MemoryMarshal.CreateSpan(ref delta, f));
                else
                    for (int i = 0; i < f; i += TL.Count)
                        TL.Store(TL.Multiply(TL.Load(in Unsafe.Add(ref from, i)), TL.Load(in Unsafe.Add(ref d1, i))), ref Unsafe.Add(ref delta, i));
                ReadOnlySpan<double> w = theta.Slice(l * d * d, d * d);
                Outer(d, ref delta, ref Unsafe.Add(ref s0, a.U + l * f), acc.Slice(l * d * d * TL.Count, d * d * TL.Count));
                if (l == 0) continue;
                var transposed = new Stored(s, a.UHat);
                Product(w, 1, d, d, s, a.Delta, ref transposed);
            }
            if (r == 0) break;
            // ∂ℓ/∂h_r = s·∂ℓ/∂h_{r+1} + σ′_pre(h_r) ⊙ ∂ℓ/∂u_{r·n}
            TVec kv = TL.Create(keep);
            bool pre = net.Pre != Activation.Identity;
            ref double p1 = ref Unsafe.Add(ref s0, a.P1 + r * f);
            for (int i = 0; i < f; i += TL.Count)
            {
                TVec g = TL.Load(in Unsafe.Add(ref uhat, i));
                if (pre) g = TL.Multiply(g, TL.Load(in Unsafe.Add(ref p1, i)));
                TL.Store(TL.FusedMultiplyAdd(kv, TL.Load(in Unsafe.Add(ref above, i)), g), ref Unsafe.Add(ref above, i));
            }
        }
    }

    /// <summary>Where a product's output vectors go: element i (feature-major offset) of the chunk.</summary>
    private interface IOutput
    {
        void Write(TVec z, int i);
    }

    /// <summary>A layer's output: σ(z) (+ h for a unit's last layer with a shortcut) into dst, σ′(z) into d1 unless σ is the identity.</summary>
    private readonly ref struct Activated(Span<double> s, int dst, int d1, int h, Activation act, bool addShortcut) : IOutput
    {
        private readonly Span<double> _s = s;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(TVec z, int i)
        {
            ref double s0 = ref MemoryMarshal.GetReference(_s);
            TVec v = Apply(act, z, ref Unsafe.Add(ref s0, d1 + i));
            if (addShortcut) v = TL.Add(TL.Load(in Unsafe.Add(ref s0, h + i)), v);
            TL.Store(v, ref Unsafe.Add(ref s0, dst + i));
        }
    }

    /// <summary>The product itself into dst (û = Wᵀδ).</summary>
    private readonly ref struct Stored(Span<double> s, int dst) : IOutput
    {
        private readonly Span<double> _s = s;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(TVec z, int i) => TL.Store(z, ref Unsafe.Add(ref MemoryMarshal.GetReference(_s), dst + i));
    }

    /// <summary>
    /// Z = M·X over the chunk for the d×d matrix M_{o,i} = w[o·outStride + i·inStride] (W: d, 1; Wᵀ: 1, d), X at
    /// offset x of the state; every output vector goes to <paramref name="output"/>. 4 output rows × 2 vectors at a
    /// time (8 independent FMA chains, each input vector loaded once per 4 rows, M as broadcasts from L1), the rows
    /// left over 1 × 4 vectors.
    /// </summary>
    private static void Product<TOut>(ReadOnlySpan<double> w, int outStride, int inStride, int d, Span<double> s, int x, ref TOut output)
        where TOut : IOutput, allows ref struct
    {
        int W = TL.Count;
        ref double w0 = ref MemoryMarshal.GetReference(w);
        ref double u = ref Unsafe.Add(ref MemoryMarshal.GetReference(s), x);
        int p = 0;
        for (; p + 4 <= d; p += 4)
        {
            for (int v = 0; v < C; v += 2 * W)
            {
                TVec a0 = TL.Create(0.0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
                for (int q = 0; q < d; q++)
                {
                    TVec x0 = TL.Load(in Unsafe.Add(ref u, q * C + v)), x1 = TL.Load(in Unsafe.Add(ref u, q * C + v + W));
                    ref double wq = ref Unsafe.Add(ref w0, p * outStride + q * inStride);
                    TVec wa = TL.Create(wq), wb = TL.Create(Unsafe.Add(ref wq, outStride));
                    TVec wc = TL.Create(Unsafe.Add(ref wq, 2 * outStride)), we = TL.Create(Unsafe.Add(ref wq, 3 * outStride));
                    a0 = TL.FusedMultiplyAdd(wa, x0, a0); a1 = TL.FusedMultiplyAdd(wa, x1, a1);
                    b0 = TL.FusedMultiplyAdd(wb, x0, b0); b1 = TL.FusedMultiplyAdd(wb, x1, b1);
                    c0 = TL.FusedMultiplyAdd(wc, x0, c0); c1 = TL.FusedMultiplyAdd(wc, x1, c1);
                    e0 = TL.FusedMultiplyAdd(we, x0, e0); e1 = TL.FusedMultiplyAdd(we, x1, e1);
                }
                int i = p * C + v;
                output.Write(a0, i); output.Write(a1, i + W);
                output.Write(b0, i + C); output.Write(b1, i + C + W);
                output.Write(c0, i + 2 * C); output.Write(c1, i + 2 * C + W);
                output.Write(e0, i + 3 * C); output.Write(e1, i + 3 * C + W);
            }
        }
        for (; p < d; p++)
        {
            for (int v = 0; v < C; v += 4 * W)
            {
                TVec z0 = TL.Create(0.0), z1 = z0, z2 = z0, z3 = z0;
                for (int q = 0; q < d; q++)
                {
                    TVec wq = TL.Create(Unsafe.Add(ref w0, p * outStride + q * inStride));
                    ref double uq = ref Unsafe.Add(ref u, q * C + v);
                    z0 = TL.FusedMultiplyAdd(wq, TL.Load(in uq), z0);
                    z1 = TL.FusedMultiplyAdd(wq, TL.Load(in Unsafe.Add(ref uq, W)), z1);
                    z2 = TL.FusedMultiplyAdd(wq, TL.Load(in Unsafe.Add(ref uq, 2 * W)), z2);
                    z3 = TL.FusedMultiplyAdd(wq, TL.Load(in Unsafe.Add(ref uq, 3 * W)), z3);
                }
                int i = p * C + v;
                output.Write(z0, i); output.Write(z1, i + W); output.Write(z2, i + 2 * W); output.Write(z3, i + 3 * W);
            }
        }
    }

    /// <summary>σ(z); σ′(z) into <paramref name="derivative"/> unless σ is the identity.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Apply(Activation act, TVec z, ref double derivative)
    {
        switch (act)
        {
            case Activation.Identity:
                return z;
            case Activation.Relu:
                TVec positive = TL.GreaterThan(z, TL.Create(0.0));
                TL.Store(TL.Select(positive, TL.Create(1.0), TL.Create(0.0)), ref derivative);
                return TL.Select(positive, z, TL.Create(0.0));
            default:
                return Tanh(z, ref derivative);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TVec Tanh(TVec z, ref double derivative)
    {
        TVec t = TanhKernel.Tanh<TL, TVec>(z);
        TL.Store(TL.Subtract(TL.Create(1.0), TL.Multiply(t, t)), ref derivative);
        return t;
    }

    /// <summary>
    /// acc[i, j] += Σ_chunk δ_i u_j lane-wise (∂ℓ/∂W_l = δ_l u_lᵀ): per row i, four columns × two vector streams in
    /// registers over the whole chunk, then one load and store of each accumulator.
    /// </summary>
    private static void Outer(int d, ref double delta, ref double u, Span<double> acc)
    {
        int W = TL.Count;
        ref double g0 = ref MemoryMarshal.GetReference(acc);
        for (int i = 0; i < d; i++)
        {
            ref double di = ref Unsafe.Add(ref delta, i * C);
            int j = 0;
            for (; j + 4 <= d; j += 4)
            {
                TVec a0 = TL.Create(0.0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, e0 = a0, e1 = a0;
                for (int v = 0; v < C; v += 2 * W)
                {
                    TVec x0 = TL.Load(in Unsafe.Add(ref di, v)), x1 = TL.Load(in Unsafe.Add(ref di, v + W));
                    a0 = TL.FusedMultiplyAdd(x0, TL.Load(in Unsafe.Add(ref u, j * C + v)), a0);
                    a1 = TL.FusedMultiplyAdd(x1, TL.Load(in Unsafe.Add(ref u, j * C + v + W)), a1);
                    b0 = TL.FusedMultiplyAdd(x0, TL.Load(in Unsafe.Add(ref u, (j + 1) * C + v)), b0);
                    b1 = TL.FusedMultiplyAdd(x1, TL.Load(in Unsafe.Add(ref u, (j + 1) * C + v + W)), b1);
                    c0 = TL.FusedMultiplyAdd(x0, TL.Load(in Unsafe.Add(ref u, (j + 2) * C + v)), c0);
                    c1 = TL.FusedMultiplyAdd(x1, TL.Load(in Unsafe.Add(ref u, (j + 2) * C + v + W)), c1);
                    e0 = TL.FusedMultiplyAdd(x0, TL.Load(in Unsafe.Add(ref u, (j + 3) * C + v)), e0);
                    e1 = TL.FusedMultiplyAdd(x1, TL.Load(in Unsafe.Add(ref u, (j + 3) * C + v + W)), e1);
                }
                Add(ref Unsafe.Add(ref g0, (i * d + j) * W), TL.Add(a0, a1));
                Add(ref Unsafe.Add(ref g0, (i * d + j + 1) * W), TL.Add(b0, b1));
                Add(ref Unsafe.Add(ref g0, (i * d + j + 2) * W), TL.Add(c0, c1));
                Add(ref Unsafe.Add(ref g0, (i * d + j + 3) * W), TL.Add(e0, e1));
            }
            for (; j < d; j++)
            {
                TVec a0 = TL.Create(0.0), a1 = a0, a2 = a0, a3 = a0;
                for (int v = 0; v < C; v += 4 * W)
                {
                    a0 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref di, v)), TL.Load(in Unsafe.Add(ref u, j * C + v)), a0);
                    a1 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref di, v + W)), TL.Load(in Unsafe.Add(ref u, j * C + v + W)), a1);
                    a2 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref di, v + 2 * W)), TL.Load(in Unsafe.Add(ref u, j * C + v + 2 * W)), a2);
                    a3 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref di, v + 3 * W)), TL.Load(in Unsafe.Add(ref u, j * C + v + 3 * W)), a3);
                }
                Add(ref Unsafe.Add(ref g0, (i * d + j) * W), TL.Add(TL.Add(a0, a1), TL.Add(a2, a3)));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref double slot, TVec value) => TL.Store(TL.Add(TL.Load(in slot), value), ref slot);

    /// <summary>Sum of the lanes in a fixed order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(TVec v)
    {
        double t = 0;
        for (int k = 0; k < TL.Count; k++) t += TL.GetLane(v, k);
        return t;
    }
}
