using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;
using CommunityToolkit.HighPerformance.Buffers;
using CommunityToolkit.HighPerformance.Helpers;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Networks;

public static partial class ExactHessian
{
    /// <summary>Samples gathered per accumulation block (a multiple of every lane count).</summary>
    internal const int BlockSamples = 32;

    /// <summary>
    /// The exact Hessian from per-sample second derivatives, for any activations (the formula of the type remarks):
    /// forward and backward passes with one sample per SIMD lane, then for each source layer l a forward tangent
    /// walk from z_l in all d directions (giving Q_{l→l′}) and a second-order backward pass (Pearlmutter's
    /// R-propagation of the backward pass, with the σ″ terms, giving Ψ_{l,l′} = ∂δ_l′/∂z_l) for every l′ ≥ l; the
    /// layer-pair blocks are then accumulated over a block of samples as small GEMMs with register accumulators.
    /// </summary>
    /// <remarks>
    /// Threads split the source layers (each owns whole rows of H, balanced by the number of blocks to its right)
    /// and each walks all samples: every entry is summed by one thread in sample order, so the result is the same
    /// for every thread count (and equal to rounding at every SIMD width). Each block is computed once (l ≤ l′) and
    /// mirrored; the diagonal blocks, symmetric only up to the rounding of the R-propagation, are made exactly
    /// symmetric by averaging with their transpose. Threads split rows rather than samples so that no thread needs
    /// a private N×N accumulator to be reduced afterwards; the forward/backward passes they repeat cost ~1/D of the
    /// second-order work.
    /// </remarks>
    /// <param name="threads">≤ 0: all processors.</param>
    /// <param name="width">Vector width (Auto: widest accelerated).</param>
    /// <param name="cancellationToken">
    /// Polled by every thread before each (block of <see cref="BlockSamples"/> samples, source layer) it works on; a
    /// thread that sees it leaves its share, and the call throws once all have left (an exception inside the parallel
    /// region would come out wrapped in an AggregateException).
    /// </param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; <paramref name="hessian"/> then holds partial sums.</exception>
    public static unsafe void PerSample(NShortcutNetwork network, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x,
        ReadOnlySpan<double> y, int samples, Span<double> hessian, int threads = 0, SimdWidth width = SimdWidth.Auto,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.CheckParameters(parameters);
        network.CheckData(x, y, samples);
        int N = network.ParameterCount, D = network.Depth, d = network.Width;
        if (hessian.Length != (long)N * N) throw new ArgumentException($"the Hessian needs {N}×{N} values", nameof(hessian));
        if (threads <= 0) threads = Environment.ProcessorCount;
        threads = Math.Min(threads, D);

        // Balance source layers over threads: source l accumulates D − l blocks of d⁴ per sample.
        var owner = new int[D];
        var load = new long[threads];
        for (int l = 0; l < D; l++)
        {
            int best = 0;
            for (int t = 1; t < threads; t++) if (load[t] < load[best]) best = t;
            owner[l] = best;
            load[best] += D - l + 2; // + the forward/backward passes every thread repeats
        }

        hessian.Clear();
        fixed (double* pt = parameters, px = x, py = y, ph = hessian)
        {
            var work = new SourceLayers(network, (nint)pt, parameters.Length, (nint)px, (nint)py, samples, (nint)ph, owner, width,
                cancellationToken);
            if (threads == 1) work.Invoke(0);
            else ParallelHelper.For(0, threads, in work);
        }
        cancellationToken.ThrowIfCancellationRequested();

        // Scale by 1/m, mirror the upper blocks, symmetrize the diagonal blocks.
        Span2D<double> h = hessian.AsSpan2D(N, N);
        int dd = d * d;
        double scale = 1.0 / samples;
        for (int l = 0; l < D; l++)
            for (int a = l * dd; a < (l + 1) * dd; a++)
            {
                for (int b = a + 1; b < (l + 1) * dd; b++)
                    h[a, b] = h[b, a] = 0.5 * scale * (h[a, b] + h[b, a]);
                h[a, a] *= scale;
                for (int b = (l + 1) * dd; b < N; b++)
                    h[a, b] = h[b, a] = scale * h[a, b];
            }
    }

    /// <summary>
    /// Thread t's share of <see cref="PerSample"/>, as a ParallelHelper struct callback (specialized, no closure); it
    /// cannot hold spans, hence the pinned addresses.
    /// </summary>
    private readonly unsafe struct SourceLayers(NShortcutNetwork network, nint theta, int thetaLength, nint x, nint y, int samples,
        nint hessian, int[] owner, SimdWidth width, CancellationToken cancellationToken) : IAction
    {
        public void Invoke(int t)
        {
            int length = samples * network.Width, n = network.ParameterCount;
            var job = new PerSampleJob(network, new ReadOnlySpan<double>((void*)theta, thetaLength),
                new ReadOnlySpan<double>((void*)x, length), new ReadOnlySpan<double>((void*)y, length), samples,
                new Span<double>((void*)hessian, n * n), owner, t, cancellationToken);
            SimdDispatch.Run<PerSampleJob, double>(width, ref job);
        }
    }

    /// <summary>One thread's share of <see cref="PerSample"/>: all samples, the source layers it owns.</summary>
    private readonly ref struct PerSampleJob : ISimdJob<double>
    {
        private readonly NShortcutNetwork _net;
        private readonly ReadOnlySpan<double> _theta, _x, _y;
        private readonly int _samples;
        private readonly Span<double> _h;
        private readonly int[] _owner;
        private readonly int _thread;
        private readonly CancellationToken _cancellation;

        public PerSampleJob(NShortcutNetwork net, ReadOnlySpan<double> theta, ReadOnlySpan<double> x, ReadOnlySpan<double> y,
            int samples, Span<double> h, int[] owner, int thread, CancellationToken cancellation)
        {
            _net = net; _theta = theta; _x = x; _y = y; _samples = samples; _h = h; _owner = owner; _thread = thread;
            _cancellation = cancellation;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run<TL, TVec>()
            where TL : struct, ILanes<TVec, double>
            where TVec : struct
        {
            var net = _net;
            var a = new LaneLayout(net);
            int w = TL.Count, d = a.D, dd = d * d, D = a.L, R = a.R, n = a.N, N = net.ParameterCount;
            int dp = (d + w - 1) / w * w;       // j′ padded to whole vectors
            int kb = BlockSamples, sub = kb / w;
            double keep = net.HasShortcut ? 1.0 : 0.0;
            bool any = false;
            for (int l = 0; l < D; l++) any |= _owner[l] == _thread;
            if (!any) return;

            // Scratch from the shared array pool (about 2 MB per thread for the paper's d = 10, D = 16), cleared because
            // the zero padding of Qt and u (j′ ≥ d) is read and never written. Lane buffers first, one lane per sample:
            int nState = sub * a.Length, nTangent = D * dd, nF = kb * (dp / w);
            int nLanes = nState + 3 * nTangent + (R + 1) * dd + 2 * dd + nF;
            int nQt = D * kb * d * dp, nPs = D * kb * dd, nUa = D * kb * dp, nDa = D * kb * d;
            using var scratch = MemoryOwner<double>.Allocate(nLanes * w + nQt + nPs + nUa + nDa, AllocationMode.Clear);
            Span<double> rest = scratch.Span;
            Span<TVec> lanes = MemoryMarshal.Cast<double, TVec>(Carve(ref rest, nLanes * w));
            Span<TVec> state = Carve(ref lanes, nState);
            Span<TVec> zdot = Carve(ref lanes, nTangent);     // ż_l′[p, i]: tangent of z_l′ in direction e_i of z_l
            Span<TVec> qdot = Carve(ref lanes, nTangent);     // u̇_l′ = Q_{l→l′}
            Span<TVec> hdot = Carve(ref lanes, (R + 1) * dd); // ḣ_r
            Span<TVec> psi = Carve(ref lanes, nTangent);      // Ψ_{l,l′}[i′, i] = δ̇_l′
            Span<TVec> adot = Carve(ref lanes, dd);           // tangent of ∂ℓ/∂h (between units)
            Span<TVec> udot = Carve(ref lanes, dd);           // tangent of ∂ℓ/∂u
            Span<TVec> f = Carve(ref lanes, nF);              // F[μ][j′] for one (i, i′)
            // Sample-major buffers of one block (scalar per sample), for the accumulation GEMMs.
            Span<double> qt = Carve(ref rest, nQt);   // Qt[l′][μ][i][j′] = Q_{l→l′}[j′, i], zero-padded j′ ≥ d
            Span<double> ps = Carve(ref rest, nPs);   // Ps[l′][μ][i][i′] = Ψ_{l,l′}[i′, i]
            Span<double> ua = Carve(ref rest, nUa);   // u_l′[μ][j′], zero-padded
            Span<double> da = Carve(ref rest, nDa);   // δ_l′[μ][i′]

            for (int first = 0; first < _samples; first += kb)
            {
                int count = Math.Min(kb, _samples - first);
                for (int b = 0; b * w < count; b++)
                {
                    Span<TVec> s = state.Slice(b * a.Length, a.Length);
                    NetworkLanes<TL, TVec>.Load(a, _x, _y, first + b * w, Math.Min(w, count - b * w), s);
                    NetworkLanes<TL, TVec>.Forward(net, a, _theta, s);
                    NetworkLanes<TL, TVec>.Backward(net, a, _theta, s);
                    ReadOnlySpan<double> sc = MemoryMarshal.Cast<TVec, double>(s);
                    for (int k = 0; k < w && b * w + k < count; k++)
                    {
                        int mu = b * w + k;
                        for (int l = 0; l < D; l++)
                            for (int p = 0; p < d; p++)
                            {
                                ua[(l * kb + mu) * dp + p] = sc[(a.U + l * d + p) * w + k];
                                da[(l * kb + mu) * d + p] = sc[(a.Delta + l * d + p) * w + k];
                            }
                    }
                }

                for (int l = 0; l < D; l++)
                {
                    if (_owner[l] != _thread) continue;
                    if (_cancellation.IsCancellationRequested) return; // PerSample throws once every thread is out
                    qt.Slice(l * kb * d * dp, kb * d * dp).Clear(); // Q_{l→l} = 0: u_l does not depend on z_l
                    for (int b = 0; b * w < count; b++)
                    {
                        ReadOnlySpan<TVec> s = state.Slice(b * a.Length, a.Length);
                        SecondOrder<TL, TVec>(net, a, _theta, s, l, keep, zdot, qdot, hdot, psi, adot, udot);
                        ReadOnlySpan<double> qc = MemoryMarshal.Cast<TVec, double>(qdot);
                        ReadOnlySpan<double> pc = MemoryMarshal.Cast<TVec, double>(psi);
                        // Lanes → sample rows (transposing each tangent matrix on the way): Qt[l′][μ][i][j′] and
                        // Ps[l′][μ][i][i′] with the contraction index i outermost, as the accumulation reads them.
                        ref double q0 = ref MemoryMarshal.GetReference(qc);
                        ref double p0 = ref MemoryMarshal.GetReference(pc);
                        for (int k = 0; k < w && b * w + k < count; k++)
                        {
                            int mu = b * w + k;
                            for (int lp = l + 1; lp < D; lp++)
                                for (int i = 0; i < d; i++)
                                {
                                    ref double dst = ref qt[((lp * kb + mu) * d + i) * dp];
                                    ref double src = ref Unsafe.Add(ref q0, (lp * dd + i) * w + k);
                                    for (int jp = 0; jp < d; jp++) Unsafe.Add(ref dst, jp) = Unsafe.Add(ref src, jp * d * w);
                                }
                            for (int lp = l; lp < D; lp++)
                                for (int i = 0; i < d; i++)
                                {
                                    ref double dst = ref ps[((lp * kb + mu) * d + i) * d];
                                    ref double src = ref Unsafe.Add(ref p0, (lp * dd + i) * w + k);
                                    for (int ip = 0; ip < d; ip++) Unsafe.Add(ref dst, ip) = Unsafe.Add(ref src, ip * d * w);
                                }
                        }
                    }
                    for (int lp = l; lp < D; lp++)
                        AccumulatePair<TL, TVec>(_h, N, d, dp, kb, count, l, lp, qt, ps, ua, da, f);
                }
            }
        }
    }

    /// <summary>The first <paramref name="length"/> elements of <paramref name="rest"/>, which then starts after them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<T> Carve<T>(ref Span<T> rest, int length)
    {
        Span<T> head = rest[..length];
        rest = rest[length..];
        return head;
    }

    /// <summary>
    /// For source layer l and every l′ ≥ l: Q_{l→l′} = ∂u_l′/∂z_l by a forward tangent walk from z_l (d directions at
    /// once), then Ψ_{l,l′} = ∂δ_l′/∂z_l by differentiating each backward step along it (R-propagation):
    /// δ̇ = σ′(z) ⊙ (adjoint)˙ + σ″(z) ⊙ ż ⊙ adjoint, (∂ℓ/∂u)˙ = Wᵀ δ̇, (∂ℓ/∂h_r)˙ = s·(∂ℓ/∂h_{r+1})˙ + σ′_pre ⊙ (∂ℓ/∂u)˙
    /// + σ″_pre ⊙ ḣ_r ⊙ ∂ℓ/∂u, starting from (∂ℓ/∂ŷ)˙ = ḣ_R (∂²ℓ/∂ŷ² = I).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call runs for seconds: no tier-0 first pass
    private static void SecondOrder<TL, TVec>(NShortcutNetwork net, in LaneLayout a, ReadOnlySpan<double> theta, ReadOnlySpan<TVec> s,
        int l, double keepScalar, Span<TVec> zdot, Span<TVec> qdot, Span<TVec> hdot, Span<TVec> psi, Span<TVec> adot, Span<TVec> udot)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        int d = a.D, dd = d * d, D = a.L, n = a.N, R = a.R;
        int rl = l / n, kl = l % n;
        TVec zero = TL.Create(0.0), one = TL.Create(1.0), keep = TL.Create(keepScalar);

        Span<TVec> zl = zdot.Slice(l * dd, dd);
        for (int p = 0; p < d; p++)
            for (int i = 0; i < d; i++) zl[p * d + i] = p == i ? one : zero;

        // Forward tangent walk.
        for (int lp = l + 1; lp <= D; lp++)
        {
            Span<TVec> zprev = zdot.Slice((lp - 1) * dd, dd);
            int dz1 = a.Dz1 + (lp - 1) * d;
            if (lp % n == 0)
            {
                int r = lp / n; // unit r − 1 just closed: ḣ_r = s·ḣ_{r−1} + σ′_post ⊙ ż
                Span<TVec> hr = hdot.Slice(r * dd, dd);
                bool fromSource = r - 1 == rl;
                for (int p = 0; p < d; p++)
                {
                    TVec g = s[dz1 + p];
                    for (int i = 0; i < d; i++)
                    {
                        TVec prev = fromSource ? zero : TL.Multiply(keep, hdot[(r - 1) * dd + p * d + i]);
                        hr[p * d + i] = TL.FusedMultiplyAdd(g, zprev[p * d + i], prev);
                    }
                }
                if (lp == D) break;
                Span<TVec> q = qdot.Slice(lp * dd, dd);
                for (int p = 0; p < d; p++)
                {
                    TVec g = s[a.DPre1 + r * d + p];
                    for (int i = 0; i < d; i++) q[p * d + i] = TL.Multiply(g, hr[p * d + i]);
                }
            }
            else
            {
                Span<TVec> q = qdot.Slice(lp * dd, dd);
                for (int p = 0; p < d; p++)
                {
                    TVec g = s[dz1 + p];
                    for (int i = 0; i < d; i++) q[p * d + i] = TL.Multiply(g, zprev[p * d + i]);
                }
            }
            MatMul<TL, TVec>(theta.Slice(lp * dd, dd), false, qdot.Slice(lp * dd, dd), zdot.Slice(lp * dd, dd), d);
        }

        // Second-order backward pass, from (∂ℓ/∂ŷ)˙ = ḣ_R down to δ̇_l.
        hdot.Slice(R * dd, dd).CopyTo(adot);
        for (int r = R - 1; r >= rl; r--)
        {
            int kLow = r == rl ? kl : 0;
            for (int k = n - 1; k >= kLow; k--)
            {
                int lp = r * n + k;
                ReadOnlySpan<TVec> above = k == n - 1 ? adot : udot;
                int adj = k == n - 1 ? a.AHat + (r + 1) * d : a.UHat + (lp + 1) * d;
                Span<TVec> ps = psi.Slice(lp * dd, dd);
                ReadOnlySpan<TVec> z = zdot.Slice(lp * dd, dd);
                for (int p = 0; p < d; p++)
                {
                    TVec g1 = s[a.Dz1 + lp * d + p];
                    TVec g2a = TL.Multiply(s[a.Dz2 + lp * d + p], s[adj + p]);
                    for (int i = 0; i < d; i++)
                        ps[p * d + i] = TL.FusedMultiplyAdd(g1, above[p * d + i], TL.Multiply(g2a, z[p * d + i]));
                }
                if (lp == l) return;
                MatMul<TL, TVec>(theta.Slice(lp * dd, dd), true, ps, udot, d);
            }
            // Through σ_pre and the shortcut into ∂ℓ/∂h_r (r > rl here).
            int l0 = r * n;
            for (int p = 0; p < d; p++)
            {
                TVec g1 = s[a.DPre1 + r * d + p];
                TVec g2a = TL.Multiply(s[a.DPre2 + r * d + p], s[a.UHat + l0 * d + p]);
                for (int i = 0; i < d; i++)
                    adot[p * d + i] = TL.FusedMultiplyAdd(g1, udot[p * d + i],
                        TL.FusedMultiplyAdd(g2a, hdot[r * dd + p * d + i], TL.Multiply(keep, adot[p * d + i])));
            }
        }
    }

    /// <summary>c[p, i] = Σ_q op(W)[p, q] · b[q, i], W a shared d×d weight matrix (op = transpose when asked).</summary>
    /// <remarks>Five columns i at a time accumulate in registers over q, so each FMA costs one load instead of three.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call runs for seconds: no tier-0 first pass
    private static void MatMul<TL, TVec>(ReadOnlySpan<double> w, bool transpose, ReadOnlySpan<TVec> b, Span<TVec> c, int d)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        ref TVec b0 = ref MemoryMarshal.GetReference(b);
        ref double w0 = ref MemoryMarshal.GetReference(w);
        int ws = transpose ? d : 1, ps = transpose ? 1 : d; // W[p, q] at p·ps + q·ws
        for (int p = 0; p < d; p++)
        {
            int i = 0;
            for (; i + 5 <= d; i += 5)
            {
                TVec a0 = TL.Create(0.0), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
                for (int q = 0; q < d; q++)
                {
                    TVec wpq = TL.Create(Unsafe.Add(ref w0, p * ps + q * ws));
                    ref TVec bq = ref Unsafe.Add(ref b0, q * d + i);
                    a0 = TL.FusedMultiplyAdd(wpq, bq, a0);
                    a1 = TL.FusedMultiplyAdd(wpq, Unsafe.Add(ref bq, 1), a1);
                    a2 = TL.FusedMultiplyAdd(wpq, Unsafe.Add(ref bq, 2), a2);
                    a3 = TL.FusedMultiplyAdd(wpq, Unsafe.Add(ref bq, 3), a3);
                    a4 = TL.FusedMultiplyAdd(wpq, Unsafe.Add(ref bq, 4), a4);
                }
                c[p * d + i] = a0; c[p * d + i + 1] = a1; c[p * d + i + 2] = a2; c[p * d + i + 3] = a3; c[p * d + i + 4] = a4;
            }
            for (; i < d; i++)
            {
                TVec a0 = TL.Create(0.0);
                for (int q = 0; q < d; q++)
                    a0 = TL.FusedMultiplyAdd(TL.Create(Unsafe.Add(ref w0, p * ps + q * ws)), Unsafe.Add(ref b0, q * d + i), a0);
                c[p * d + i] = a0;
            }
        }
    }

    /// <summary>
    /// H[(l,i,j), (l′,i′,j′)] += Σ_μ u_l[μ][j] · F[μ][j′] with F[μ][j′] = δ_l′[μ][i′]·Q[μ][j′, i] + Ψ[μ][i′, i]·u_l′[μ][j′]
    /// for one block of samples: per (i, i′) F is formed once, then four rows j at a time keep their accumulators
    /// in registers over the samples (a GEMM of a d×K by K×d′ pair with K = the block's samples).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call runs for seconds: no tier-0 first pass
    private static void AccumulatePair<TL, TVec>(Span<double> h, int N, int d, int dp, int kb, int count, int l, int lp,
        Span<double> qt, Span<double> ps, Span<double> ua, Span<double> da, Span<TVec> f)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        int w = TL.Count, nv = dp / w, dd = d * d;
        ReadOnlySpan<double> uOuter = ua.Slice(l * kb * dp, kb * dp);
        ReadOnlySpan<double> uInner = ua.Slice(lp * kb * dp, kb * dp);
        ReadOnlySpan<double> dInner = da.Slice(lp * kb * d, kb * d);
        Span<double> spill = stackalloc double[w];
        if (nv == 2 && d >= 5)
        {
            AccumulatePairTwoVectors<TL, TVec>(h, N, d, dp, kb, count, l, lp, qt, ps, uOuter, uInner, dInner, spill);
            return;
        }
        if (nv == 3 && d >= 4)
        {
            AccumulatePairThreeVectors<TL, TVec>(h, N, d, dp, kb, count, l, lp, qt, ps, uOuter, uInner, dInner, spill);
            return;
        }
        for (int i = 0; i < d; i++)
            for (int ip = 0; ip < d; ip++)
            {
                for (int mu = 0; mu < count; mu++)
                {
                    TVec dl = TL.Create(dInner[mu * d + ip]);
                    TVec pl = TL.Create(ps[((lp * kb + mu) * d + i) * d + ip]);
                    int qrow = ((lp * kb + mu) * d + i) * dp;
                    for (int v = 0; v < nv; v++)
                        f[mu * nv + v] = TL.FusedMultiplyAdd(dl, TL.Load(in qt[qrow + v * w]),
                                                             TL.Multiply(pl, TL.Load(in uInner[mu * dp + v * w])));
                }
                int colBase = lp * dd + ip * d;
                for (int v = 0; v < nv; v++)
                {
                    int lanes = Math.Min(w, d - v * w);
                    int j = 0;
                    for (; j + 4 <= d; j += 4)
                    {
                        TVec a0 = TL.Create(0.0), a1 = a0, a2 = a0, a3 = a0;
                        for (int mu = 0; mu < count; mu++)
                        {
                            TVec fv = f[mu * nv + v];
                            int o = mu * dp + j;
                            a0 = TL.FusedMultiplyAdd(TL.Create(uOuter[o]), fv, a0);
                            a1 = TL.FusedMultiplyAdd(TL.Create(uOuter[o + 1]), fv, a1);
                            a2 = TL.FusedMultiplyAdd(TL.Create(uOuter[o + 2]), fv, a2);
                            a3 = TL.FusedMultiplyAdd(TL.Create(uOuter[o + 3]), fv, a3);
                        }
                        AddRow<TL, TVec>(h, ((l * dd + i * d + j) * N) + colBase + v * w, a0, lanes, spill);
                        AddRow<TL, TVec>(h, ((l * dd + i * d + j + 1) * N) + colBase + v * w, a1, lanes, spill);
                        AddRow<TL, TVec>(h, ((l * dd + i * d + j + 2) * N) + colBase + v * w, a2, lanes, spill);
                        AddRow<TL, TVec>(h, ((l * dd + i * d + j + 3) * N) + colBase + v * w, a3, lanes, spill);
                    }
                    for (; j < d; j++)
                    {
                        TVec a0 = TL.Create(0.0);
                        for (int mu = 0; mu < count; mu++)
                            a0 = TL.FusedMultiplyAdd(TL.Create(uOuter[mu * dp + j]), f[mu * nv + v], a0);
                        AddRow<TL, TVec>(h, ((l * dd + i * d + j) * N) + colBase + v * w, a0, lanes, spill);
                    }
                }
            }
    }

    /// <summary>
    /// <see cref="AccumulatePair{TL,TVec}"/> when a row segment is two vectors (d = 10 at 8 lanes, 5..8 at 4 lanes):
    /// F is formed in registers inside the sample loop and used at once by five rows j, whose ten accumulators stay
    /// in registers over the block — no F buffer, one pass per five rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call runs for seconds: no tier-0 first pass
    private static void AccumulatePairTwoVectors<TL, TVec>(Span<double> h, int N, int d, int dp, int kb, int count, int l, int lp,
        Span<double> qt, Span<double> ps, ReadOnlySpan<double> uOuter, ReadOnlySpan<double> uInner, ReadOnlySpan<double> dInner, Span<double> spill)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        int w = TL.Count, dd = d * d, lanes1 = d - w;
        ref double qt0 = ref qt[lp * kb * d * dp];          // Qt[l′][μ][i][·]
        ref double ps0 = ref ps[lp * kb * dd];              // Ps[l′][μ][i][i′]
        ref double uo0 = ref MemoryMarshal.GetReference(uOuter);
        ref double ui0 = ref MemoryMarshal.GetReference(uInner);
        ref double di0 = ref MemoryMarshal.GetReference(dInner);
        for (int i = 0; i < d; i++)
            for (int ip = 0; ip < d; ip++)
            {
                int colBase = lp * dd + ip * d;
                if (d == 10)
                {
                    Rows10<TL, TVec>(h, N, d, dp, count, l, i, ip, colBase, ref qt0, ref ps0, ref uo0, ref ui0, ref di0, spill);
                    continue;
                }
                for (int j = 0; j < d; j += 5)
                {
                    int rows = Math.Min(5, d - j);
                    int jj = rows == 5 ? j : d - 5; // a ragged last group recomputes a few rows and skips adding them twice
                    TVec a00 = TL.Create(0.0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00;
                    for (int mu = 0; mu < count; mu++)
                    {
                        ref double q = ref Unsafe.Add(ref qt0, (mu * d + i) * dp);
                        ref double ui = ref Unsafe.Add(ref ui0, mu * dp);
                        TVec dl = TL.Create(Unsafe.Add(ref di0, mu * d + ip));
                        TVec pl = TL.Create(Unsafe.Add(ref ps0, (mu * d + i) * d + ip));
                        TVec f0 = TL.FusedMultiplyAdd(dl, TL.Load(in q), TL.Multiply(pl, TL.Load(in ui)));
                        TVec f1 = TL.FusedMultiplyAdd(dl, TL.Load(in Unsafe.Add(ref q, w)), TL.Multiply(pl, TL.Load(in Unsafe.Add(ref ui, w))));
                        ref double um = ref Unsafe.Add(ref uo0, mu * dp + jj);
                        TVec b = TL.Create(um);
                        a00 = TL.FusedMultiplyAdd(b, f0, a00); a01 = TL.FusedMultiplyAdd(b, f1, a01);
                        b = TL.Create(Unsafe.Add(ref um, 1));
                        a10 = TL.FusedMultiplyAdd(b, f0, a10); a11 = TL.FusedMultiplyAdd(b, f1, a11);
                        b = TL.Create(Unsafe.Add(ref um, 2));
                        a20 = TL.FusedMultiplyAdd(b, f0, a20); a21 = TL.FusedMultiplyAdd(b, f1, a21);
                        b = TL.Create(Unsafe.Add(ref um, 3));
                        a30 = TL.FusedMultiplyAdd(b, f0, a30); a31 = TL.FusedMultiplyAdd(b, f1, a31);
                        b = TL.Create(Unsafe.Add(ref um, 4));
                        a40 = TL.FusedMultiplyAdd(b, f0, a40); a41 = TL.FusedMultiplyAdd(b, f1, a41);
                    }
                    int skip = 5 - rows; // rows jj .. jj+skip−1 were already added by the previous group
                    int row = (l * dd + i * d + jj) * N + colBase;
                    if (skip <= 0) { AddRow<TL, TVec>(h, row, a00, w, spill); AddRow<TL, TVec>(h, row + w, a01, lanes1, spill); }
                    row += N;
                    if (skip <= 1) { AddRow<TL, TVec>(h, row, a10, w, spill); AddRow<TL, TVec>(h, row + w, a11, lanes1, spill); }
                    row += N;
                    if (skip <= 2) { AddRow<TL, TVec>(h, row, a20, w, spill); AddRow<TL, TVec>(h, row + w, a21, lanes1, spill); }
                    row += N;
                    if (skip <= 3) { AddRow<TL, TVec>(h, row, a30, w, spill); AddRow<TL, TVec>(h, row + w, a31, lanes1, spill); }
                    row += N;
                    AddRow<TL, TVec>(h, row, a40, w, spill); AddRow<TL, TVec>(h, row + w, a41, lanes1, spill);
                }
            }
    }

    /// <summary>
    /// <see cref="AccumulatePair{TL,TVec}"/> when a row segment is three vectors (d = 9..12 at 4 lanes: the AVX2 path
    /// for d = 10): as <see cref="AccumulatePairTwoVectors{TL,TVec}"/>, four rows at a time so that twelve
    /// accumulators, three F vectors and a broadcast fit in sixteen registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // one call runs for seconds: no tier-0 first pass
    private static void AccumulatePairThreeVectors<TL, TVec>(Span<double> h, int N, int d, int dp, int kb, int count, int l, int lp,
        Span<double> qt, Span<double> ps, ReadOnlySpan<double> uOuter, ReadOnlySpan<double> uInner, ReadOnlySpan<double> dInner, Span<double> spill)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        int w = TL.Count, dd = d * d, lanes2 = d - 2 * w;
        ref double qt0 = ref qt[lp * kb * d * dp];
        ref double ps0 = ref ps[lp * kb * dd];
        ref double uo0 = ref MemoryMarshal.GetReference(uOuter);
        ref double ui0 = ref MemoryMarshal.GetReference(uInner);
        ref double di0 = ref MemoryMarshal.GetReference(dInner);
        for (int i = 0; i < d; i++)
            for (int ip = 0; ip < d; ip++)
            {
                int colBase = lp * dd + ip * d;
                for (int j = 0; j < d; j += 4)
                {
                    int rows = Math.Min(4, d - j);
                    int jj = rows == 4 ? j : d - 4; // a ragged last group recomputes a few rows and skips adding them twice
                    TVec z = TL.Create(0.0);
                    TVec a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z, a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
                    for (int mu = 0; mu < count; mu++)
                    {
                        ref double q = ref Unsafe.Add(ref qt0, (mu * d + i) * dp);
                        ref double ui = ref Unsafe.Add(ref ui0, mu * dp);
                        TVec dl = TL.Create(Unsafe.Add(ref di0, mu * d + ip));
                        TVec pl = TL.Create(Unsafe.Add(ref ps0, (mu * d + i) * d + ip));
                        TVec f0 = TL.FusedMultiplyAdd(dl, TL.Load(in q), TL.Multiply(pl, TL.Load(in ui)));
                        TVec f1 = TL.FusedMultiplyAdd(dl, TL.Load(in Unsafe.Add(ref q, w)), TL.Multiply(pl, TL.Load(in Unsafe.Add(ref ui, w))));
                        TVec f2 = TL.FusedMultiplyAdd(dl, TL.Load(in Unsafe.Add(ref q, 2 * w)), TL.Multiply(pl, TL.Load(in Unsafe.Add(ref ui, 2 * w))));
                        ref double um = ref Unsafe.Add(ref uo0, mu * dp + jj);
                        TVec b = TL.Create(um);
                        a00 = TL.FusedMultiplyAdd(b, f0, a00); a01 = TL.FusedMultiplyAdd(b, f1, a01); a02 = TL.FusedMultiplyAdd(b, f2, a02);
                        b = TL.Create(Unsafe.Add(ref um, 1));
                        a10 = TL.FusedMultiplyAdd(b, f0, a10); a11 = TL.FusedMultiplyAdd(b, f1, a11); a12 = TL.FusedMultiplyAdd(b, f2, a12);
                        b = TL.Create(Unsafe.Add(ref um, 2));
                        a20 = TL.FusedMultiplyAdd(b, f0, a20); a21 = TL.FusedMultiplyAdd(b, f1, a21); a22 = TL.FusedMultiplyAdd(b, f2, a22);
                        b = TL.Create(Unsafe.Add(ref um, 3));
                        a30 = TL.FusedMultiplyAdd(b, f0, a30); a31 = TL.FusedMultiplyAdd(b, f1, a31); a32 = TL.FusedMultiplyAdd(b, f2, a32);
                    }
                    int skip = 4 - rows;
                    int row = (l * dd + i * d + jj) * N + colBase;
                    if (skip <= 0) { AddRow<TL, TVec>(h, row, a00, w, spill); AddRow<TL, TVec>(h, row + w, a01, w, spill); AddRow<TL, TVec>(h, row + 2 * w, a02, lanes2, spill); }
                    row += N;
                    if (skip <= 1) { AddRow<TL, TVec>(h, row, a10, w, spill); AddRow<TL, TVec>(h, row + w, a11, w, spill); AddRow<TL, TVec>(h, row + 2 * w, a12, lanes2, spill); }
                    row += N;
                    if (skip <= 2) { AddRow<TL, TVec>(h, row, a20, w, spill); AddRow<TL, TVec>(h, row + w, a21, w, spill); AddRow<TL, TVec>(h, row + 2 * w, a22, lanes2, spill); }
                    row += N;
                    AddRow<TL, TVec>(h, row, a30, w, spill); AddRow<TL, TVec>(h, row + w, a31, w, spill); AddRow<TL, TVec>(h, row + 2 * w, a32, lanes2, spill);
                }
            }
    }

    /// <summary>
    /// d = 10 (the paper's width) at two vectors per row segment: all ten rows j in one pass, twenty register
    /// accumulators, F formed once per sample — 20 FMAs per 4 operations of F instead of 20 per 8 in two passes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows10<TL, TVec>(Span<double> h, int N, int d, int dp, int count, int l, int i, int ip, int colBase,
        ref double qt0, ref double ps0, ref double uo0, ref double ui0, ref double di0, Span<double> spill)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        int w = TL.Count, dd = d * d, lanes1 = d - w;
        TVec z = TL.Create(0.0);
        TVec a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z, a40 = z, a41 = z;
        TVec a50 = z, a51 = z, a60 = z, a61 = z, a70 = z, a71 = z, a80 = z, a81 = z, a90 = z, a91 = z;
        for (int mu = 0; mu < count; mu++)
        {
            ref double q = ref Unsafe.Add(ref qt0, (mu * d + i) * dp);
            ref double ui = ref Unsafe.Add(ref ui0, mu * dp);
            TVec dl = TL.Create(Unsafe.Add(ref di0, mu * d + ip));
            TVec pl = TL.Create(Unsafe.Add(ref ps0, (mu * d + i) * d + ip));
            TVec f0 = TL.FusedMultiplyAdd(dl, TL.Load(in q), TL.Multiply(pl, TL.Load(in ui)));
            TVec f1 = TL.FusedMultiplyAdd(dl, TL.Load(in Unsafe.Add(ref q, w)), TL.Multiply(pl, TL.Load(in Unsafe.Add(ref ui, w))));
            ref double um = ref Unsafe.Add(ref uo0, mu * dp);
            TVec b = TL.Create(um);
            a00 = TL.FusedMultiplyAdd(b, f0, a00); a01 = TL.FusedMultiplyAdd(b, f1, a01);
            b = TL.Create(Unsafe.Add(ref um, 1)); a10 = TL.FusedMultiplyAdd(b, f0, a10); a11 = TL.FusedMultiplyAdd(b, f1, a11);
            b = TL.Create(Unsafe.Add(ref um, 2)); a20 = TL.FusedMultiplyAdd(b, f0, a20); a21 = TL.FusedMultiplyAdd(b, f1, a21);
            b = TL.Create(Unsafe.Add(ref um, 3)); a30 = TL.FusedMultiplyAdd(b, f0, a30); a31 = TL.FusedMultiplyAdd(b, f1, a31);
            b = TL.Create(Unsafe.Add(ref um, 4)); a40 = TL.FusedMultiplyAdd(b, f0, a40); a41 = TL.FusedMultiplyAdd(b, f1, a41);
            b = TL.Create(Unsafe.Add(ref um, 5)); a50 = TL.FusedMultiplyAdd(b, f0, a50); a51 = TL.FusedMultiplyAdd(b, f1, a51);
            b = TL.Create(Unsafe.Add(ref um, 6)); a60 = TL.FusedMultiplyAdd(b, f0, a60); a61 = TL.FusedMultiplyAdd(b, f1, a61);
            b = TL.Create(Unsafe.Add(ref um, 7)); a70 = TL.FusedMultiplyAdd(b, f0, a70); a71 = TL.FusedMultiplyAdd(b, f1, a71);
            b = TL.Create(Unsafe.Add(ref um, 8)); a80 = TL.FusedMultiplyAdd(b, f0, a80); a81 = TL.FusedMultiplyAdd(b, f1, a81);
            b = TL.Create(Unsafe.Add(ref um, 9)); a90 = TL.FusedMultiplyAdd(b, f0, a90); a91 = TL.FusedMultiplyAdd(b, f1, a91);
        }
        int row = (l * dd + i * d) * N + colBase;
        AddRow<TL, TVec>(h, row, a00, w, spill); AddRow<TL, TVec>(h, row + w, a01, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a10, w, spill); AddRow<TL, TVec>(h, row + w, a11, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a20, w, spill); AddRow<TL, TVec>(h, row + w, a21, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a30, w, spill); AddRow<TL, TVec>(h, row + w, a31, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a40, w, spill); AddRow<TL, TVec>(h, row + w, a41, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a50, w, spill); AddRow<TL, TVec>(h, row + w, a51, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a60, w, spill); AddRow<TL, TVec>(h, row + w, a61, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a70, w, spill); AddRow<TL, TVec>(h, row + w, a71, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a80, w, spill); AddRow<TL, TVec>(h, row + w, a81, lanes1, spill); row += N;
        AddRow<TL, TVec>(h, row, a90, w, spill); AddRow<TL, TVec>(h, row + w, a91, lanes1, spill);
    }

    /// <remarks>
    /// The padded lanes of an accumulator are exactly 0 (F's padding is 0·δ + Ψ·0 from zero-filled Qt and u rows), so
    /// the tail of a row segment may add a whole vector: the extra lanes add +0 to the next columns of the same row
    /// (or the first columns of the next row, which lie left of the diagonal block, belong to the same source layer
    /// and are overwritten by the mirror step). Only the very end of H needs the scalar tail.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<TL, TVec>(Span<double> h, int at, TVec acc, int lanes, Span<double> spill)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        if (lanes == TL.Count || at + TL.Count <= h.Length)
        {
            ref double target = ref h[at];
            TL.Store(TL.Add(TL.Load(in target), acc), ref target);
            return;
        }
        TL.Store(acc, ref spill[0]);
        for (int k = 0; k < lanes; k++) h[at + k] += spill[k];
    }
}
