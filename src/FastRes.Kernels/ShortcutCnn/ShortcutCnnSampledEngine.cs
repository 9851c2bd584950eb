using System.Runtime.CompilerServices;
using FastRes.Kernels.Random;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.ShortcutCnn;

/// <summary>Where a sampled trial's Z comes from at each step.</summary>
public enum ShortcutCnnSampleMode
{
    /// <summary>n fresh samples every step: mini-batch SGD of batch n on the population loss.</summary>
    Fresh,
    /// <summary>The same n samples every step: gradient descent on the empirical risk of one data set.</summary>
    Fixed,
}

/// <summary>What every trial of one sampled engine shares.</summary>
/// <param name="Gd">As the population engine: p, k, η, T, tol, retire loss (on the population loss), check period.</param>
/// <param name="Samples">n, samples per step.</param>
/// <param name="Seed">Keys every sample's normals (see <see cref="ShortcutCnnSamples"/>).</param>
public readonly record struct ShortcutCnnSampledSettings(ShortcutCnnGdSettings Gd, int Samples, ShortcutCnnSampleMode Mode, ulong Seed);

/// <summary>
/// An <see cref="IShortcutCnnTrialFeed"/> that also names the trial index keying a tag's samples, so that the methods
/// of one trial (different tags) see the same samples: a paired comparison down to the data.
/// </summary>
public interface IShortcutCnnSampledFeed : IShortcutCnnTrialFeed
{
    ulong SampleTrial(long tag);
}

/// <summary>
/// The samples of the sampled shortcut CNN: sample s of draw d of trial i is the k·p normals
/// <c>PhiloxVector.FillNormal(seed, i, d, s·B, ·)</c> with B = ⌈kp/2⌉ Philox blocks per sample, patch j's entries at
/// [j·p, (j + 1)·p). A pure function of (seed, trial, draw, sample): nothing of size n × k × p is ever stored, a step
/// regenerates what it needs. Draws: <see cref="FirstFreshDraw"/> + t at step t in <see cref="ShortcutCnnSampleMode.Fresh"/>
/// mode, <see cref="FixedDraw"/> at every step in <see cref="ShortcutCnnSampleMode.Fixed"/> mode, <see cref="EvaluationDraw"/>
/// for the convergence check's fixed points — all ≥ 14, clear of the trial set-up streams 0–3
/// (ShortcutCnnTrialSetup) that share the key and the trial word.
/// </summary>
public static class ShortcutCnnSamples
{
    public const uint EvaluationDraw = 14, FixedDraw = 15, FirstFreshDraw = 16;

    /// <summary>Philox blocks per sample: two normals per block; an odd k·p leaves the last block's second normal unused.</summary>
    public static int BlocksPerSample(int p, int k) => (k * p + 1) / 2;

    /// <summary>The largest n whose block counters fit the 32-bit block word: n·⌈kp/2⌉ ≤ 2³².</summary>
    public static long MaxSamples(int p, int k) => (1L << 32) / BlocksPerSample(p, k);

    public static uint Draw(ShortcutCnnSampleMode mode, int t) => mode == ShortcutCnnSampleMode.Fixed ? FixedDraw : FirstFreshDraw + (uint)t;

    /// <summary>Sample <paramref name="sample"/> of the draw into <paramref name="z"/> (length k·p), as the engines see it.</summary>
    public static void Fill(ulong seed, ulong trial, uint draw, int sample, int p, int k, Span<double> z)
    {
        if (z.Length != k * p) throw new ArgumentException("z must have length k·p", nameof(z));
        PhiloxVector.FillNormal(seed, trial, draw, (uint)((long)sample * BlocksPerSample(p, k)), z);
    }
}

/// <summary>
/// The empirical shortcut / plain CNN (SPEC §1.1) on finite samples, one trial per SIMD lane as the population lane
/// engine: per step, for s = 1..n, Z_s's normals generated on the fly from each lane's own Philox counter (its trial,
/// its draw, s), the forward pass f_s = Σ_j a*_j σ(Z_sjᵀv*), h_s = Σ_j a_j σ(Z_sjᵀv), r_s = h_s − f_s, and the backward
/// pass accumulated in registers and L1: L̂ = (1/n)Σr_s², ∇_a L̂ = (2/n)Σ r_s σ(Z_sᵀv), ∇_u L̂ = (2/n)(I − vvᵀ)Σ_s r_s
/// Σ_j a_j 1[Z_sjᵀv &gt; 0] Z_sj / ‖u‖ (v = u/‖u‖). The GD step is the population engine's with ∇L̂ for ∇L:
/// ũ = u − η_w ∇_u L̂, u ← ũ/‖ũ‖, a ← a − η_a ∇_a L̂.
/// </summary>
/// <remarks>
/// <para>Every lane's arithmetic is a fixed sequence of IEEE operations on its own values (the normals are integer Philox
/// plus width-independent Box–Muller), so a trial's path — and its outcome — is bit-identical at every SIMD width,
/// batch composition, thread count and shard. The scratch is one sample's Z (2B vectors) and the k projections: the
/// step allocates nothing.</para>
/// <para>Outcomes (SPEC §1.5) are judged on the state, with the exact angle (Kahan's formula) and the population loss,
/// at the population engine's check points; a trial retires early once a success has population loss below the retire
/// threshold. In the realizable teacher–student model r_s = 0 for every s at the optimum, so the sampling noise of the
/// gradient vanishes there and SGD can converge exactly.</para>
/// </remarks>
internal sealed class ShortcutCnnSampledEngine<TL, TVec, TP, TU> : IShortcutCnnSampledEngine
    where TL : struct, ILanes<TVec, double>
    where TVec : struct
    where TP : struct, IPhiloxLanes<TU>
    where TU : struct
{
    private readonly int _p, _k, _n, _w, _blocks, _iterations, _checkEvery;
    private readonly ShortcutCnnGdSettings _gd;
    private readonly ShortcutCnnSampleMode _mode;
    private readonly ulong _seed;

    // Lane-major: element j of lane l at [j·W + l].
    private readonly AlignedArray<double> _u, _v, _vStar, _a, _aStar, _gu, _ga, _z, _dv;
    // ∇_u L̂ and ∇_a L̂ from the sums (kept apart so the sums can go on over more samples).
    private readonly AlignedArray<double> _gradU, _gradA;
    private readonly AlignedArray<double> _loss, _etaW, _etaA;
    // Per-lane Philox counter words (trial low, trial high, draw), each in a 64-bit lane as the generator wants them.
    private readonly ulong[] _c0, _c1, _c2;
    private readonly int[] _t, _t1, _nextCheck;
    private readonly long[] _tag;
    private readonly bool[] _active;
    private readonly double[] _etaW1, _etaA1;
    private readonly double[] _u0, _vStar0, _aStar0, _a0;

    public ShortcutCnnSampledEngine(ShortcutCnnGdSettings gd, int samples, ShortcutCnnSampleMode mode, ulong seed)
    {
        if (gd.P < 1 || gd.K < 1) throw new ArgumentOutOfRangeException(nameof(gd), "p and k must be ≥ 1");
        if (gd.Iterations < 1 || gd.CheckEvery < 1) throw new ArgumentOutOfRangeException(nameof(gd));
        if (samples < 1 || samples > ShortcutCnnSamples.MaxSamples(gd.P, gd.K))
            throw new ArgumentOutOfRangeException(nameof(samples), $"n must be between 1 and {ShortcutCnnSamples.MaxSamples(gd.P, gd.K)}");
        (_gd, _p, _k, _n, _mode, _seed) = (gd, gd.P, gd.K, samples, mode, seed);
        _iterations = gd.Iterations;
        _checkEvery = gd.CheckEvery;
        _w = TL.Count;
        _blocks = ShortcutCnnSamples.BlocksPerSample(_p, _k);
        int W = _w;
        _u = new(_p * W); _v = new(_p * W); _vStar = new(_p * W); _gu = new(_p * W); _gradU = new(_p * W); _gradA = new(_k * W);
        _a = new(_k * W); _aStar = new(_k * W); _ga = new(_k * W); _dv = new(_k * W);
        _z = new(2 * _blocks * W);
        _loss = new(W); _etaW = new(W); _etaA = new(W);
        _c0 = new ulong[W]; _c1 = new ulong[W]; _c2 = new ulong[W];
        _t = new int[W]; _t1 = new int[W]; _nextCheck = new int[W]; _tag = new long[W]; _active = new bool[W];
        _etaW1 = new double[W]; _etaA1 = new double[W];
        _u0 = new double[_p]; _vStar0 = new double[_p]; _aStar0 = new double[_k]; _a0 = new double[_k];
        Array.Fill(_nextCheck, int.MaxValue);
    }

    public int Lanes => _w;

    /// <summary>Runs every trial the feed supplies to its end; returns the trial-iterations done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Run(IShortcutCnnSampledFeed feed)
    {
        long work = 0;
        int active = 0;
        for (int l = 0; l < _w; l++)
        {
            if (Load(feed, l)) active++;
            else break;
        }
        while (active > 0)
        {
            for (int l = 0; l < _w; l++) _c2[l] = ShortcutCnnSamples.Draw(_mode, _t[l]);
            Step();
            work += active;
            for (int l = 0; l < _w; l++)
            {
                if (!_active[l] || ++_t[l] != _nextCheck[l]) continue;
                Check(l, out bool bad, out bool success, out bool spurious, out bool retire);
                if (_t[l] != _iterations && !retire)
                {
                    if (_t[l] == _t1[l]) { _etaW[l] = _gd.Eta; _etaA[l] = _gd.Eta; }
                    _nextCheck[l] = NextCheck(_t[l], _t1[l]);
                    continue;
                }
                var outcome = bad ? TrialOutcome.Diverged : success ? TrialOutcome.Success : spurious ? TrialOutcome.Spurious : TrialOutcome.Undecided;
                feed.Complete(_tag[l], outcome, _t[l]);
                if (!Load(feed, l)) active--;
            }
        }
        return work;
    }

    /// <summary>
    /// The empirical loss and gradients at fixed points (one per lane, padding lanes repeat the last point), on the
    /// nested sample sets 1..n for each n of <paramref name="sampleCounts"/> (increasing), all from draw
    /// <paramref name="draw"/>: loss[i·S + c], gradW[(i·S + c)·p + j], gradA[(i·S + c)·k + j] for point i of the span.
    /// </summary>
    public void Evaluate(ReadOnlySpan<ulong> trials, uint draw, ReadOnlySpan<double> u, ReadOnlySpan<double> vStar,
                         ReadOnlySpan<double> a, ReadOnlySpan<double> aStar, ReadOnlySpan<int> sampleCounts,
                         Span<double> loss, Span<double> gradW, Span<double> gradA)
    {
        int points = trials.Length, S = sampleCounts.Length, W = _w;
        for (int first = 0; first < points; first += W)
        {
            for (int l = 0; l < W; l++)
            {
                int i = Math.Min(first + l, points - 1);
                _c0[l] = (uint)trials[i]; _c1[l] = trials[i] >> 32; _c2[l] = draw;
                for (int j = 0; j < _p; j++) { _u[j * W + l] = u[i * _p + j]; _vStar[j * W + l] = vStar[i * _p + j]; }
                for (int j = 0; j < _k; j++) { _a[j * W + l] = a[i * _k + j]; _aStar[j * W + l] = aStar[i * _k + j]; }
            }
            Begin(out TVec inverseNorm);
            int done = 0;
            for (int c = 0; c < S; c++)
            {
                Accumulate(done, sampleCounts[c]);
                done = sampleCounts[c];
                Gradients(inverseNorm, done, out TVec meanLoss);
                for (int l = 0; l < W && first + l < points; l++)
                {
                    int row = (first + l) * S + c;
                    loss[row] = TL.GetLane(meanLoss, l);
                    for (int j = 0; j < _p; j++) gradW[row * _p + j] = _gradU[j * W + l];
                    for (int j = 0; j < _k; j++) gradA[row * _k + j] = _gradA[j * W + l];
                }
            }
        }
    }

    /// <summary>One GD step of every lane on its n samples.</summary>
    private void Step()
    {
        Begin(out TVec inverseNorm);
        Accumulate(0, _n);
        Gradients(inverseNorm, _n, out _);
        int W = _w;
        TVec etaW = TL.Load(in _etaW[0]), etaA = TL.Load(in _etaA[0]);
        TVec norm2 = TL.Create(0);
        for (int j = 0; j < _p; j++)
        {
            TVec next = TL.FusedMultiplyAdd(TL.Negate(etaW), TL.Load(in _gradU[j * W]), TL.Load(in _u[j * W]));
            TL.Store(next, ref _u[j * W]);
            norm2 = TL.FusedMultiplyAdd(next, next, norm2);
        }
        TVec inv = TL.Divide(TL.Create(1), TL.Sqrt(norm2));
        for (int j = 0; j < _p; j++) TL.Store(TL.Multiply(TL.Load(in _u[j * W]), inv), ref _u[j * W]);
        for (int j = 0; j < _k; j++)
            TL.Store(TL.FusedMultiplyAdd(TL.Negate(etaA), TL.Load(in _gradA[j * W]), TL.Load(in _a[j * W])), ref _a[j * W]);
    }

    /// <summary>v = u/‖u‖ and zeroed accumulators.</summary>
    private void Begin(out TVec inverseNorm)
    {
        int W = _w;
        TVec uu = TL.Create(0), zero = TL.Create(0);
        for (int j = 0; j < _p; j++) { TVec uj = TL.Load(in _u[j * W]); uu = TL.FusedMultiplyAdd(uj, uj, uu); }
        inverseNorm = TL.Divide(TL.Create(1), TL.Sqrt(uu));
        for (int j = 0; j < _p; j++) { TL.Store(TL.Multiply(TL.Load(in _u[j * W]), inverseNorm), ref _v[j * W]); TL.Store(zero, ref _gu[j * W]); }
        for (int j = 0; j < _k; j++) TL.Store(zero, ref _ga[j * W]);
        TL.Store(zero, ref _loss[0]);
    }

    /// <summary>
    /// Samples [from, to) into the sums: Σr², Σ r σ(Z_jᵀv) per j, Σ r a_j 1[Z_jᵀv &gt; 0] Z_j. The hot loop: per sample ⌈kp/2⌉
    /// Philox blocks and Box–Muller pairs, then 3kp fused multiply–adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(int from, int to)
    {
        int W = _w, p = _p, k = _k, blocks = _blocks;
        ref double z = ref _z[0];
        ref double v = ref _v[0];
        ref double vs = ref _vStar[0];
        ref double a = ref _a[0];
        ref double aS = ref _aStar[0];
        ref double gu = ref _gu[0];
        ref double ga = ref _ga[0];
        ref double dvs = ref _dv[0];
        TVec zero = TL.Create(0);
        TVec loss = TL.Load(in _loss[0]);
        for (int s = from; s < to; s++)
        {
            Sample((uint)((long)s * blocks));

            // Forward: Z_jᵀv, Z_jᵀv* per patch; h and f.
            TVec h = zero, f = zero;
            ref double zj = ref z;
            for (int j = 0; j < k; j++)
            {
                TVec dv = zero, ds = zero;
                for (int i = 0; i < p; i++, zj = ref Unsafe.Add(ref zj, W))
                {
                    TVec zi = TL.Load(in zj);
                    dv = TL.FusedMultiplyAdd(zi, TL.Load(in Unsafe.Add(ref v, i * W)), dv);
                    ds = TL.FusedMultiplyAdd(zi, TL.Load(in Unsafe.Add(ref vs, i * W)), ds);
                }
                TL.Store(dv, ref Unsafe.Add(ref dvs, j * W));
                h = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref a, j * W)), TL.Max(dv, zero), h);
                f = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref aS, j * W)), TL.Max(ds, zero), f);
            }
            TVec r = TL.Subtract(h, f);
            loss = TL.FusedMultiplyAdd(r, r, loss);

            // Backward: ∂r/∂a_j = σ(Z_jᵀv); ∂r/∂v = Σ_j a_j 1[Z_jᵀv > 0] Z_j (the projection and 1/‖u‖ come once per step).
            zj = ref z;
            for (int j = 0; j < k; j++)
            {
                TVec dv = TL.Load(in Unsafe.Add(ref dvs, j * W));
                ref double gaj = ref Unsafe.Add(ref ga, j * W);
                TL.Store(TL.FusedMultiplyAdd(r, TL.Max(dv, zero), TL.Load(in gaj)), ref gaj);
                TVec c = TL.Select(TL.GreaterThan(dv, zero), TL.Multiply(r, TL.Load(in Unsafe.Add(ref a, j * W))), zero);
                for (int i = 0; i < p; i++, zj = ref Unsafe.Add(ref zj, W))
                {
                    ref double gui = ref Unsafe.Add(ref gu, i * W);
                    TL.Store(TL.FusedMultiplyAdd(c, TL.Load(in zj), TL.Load(in gui)), ref gui);
                }
            }
        }
        TL.Store(loss, ref _loss[0]);
    }

    /// <summary>
    /// The k·p normals of one sample of every lane into _z. Its own method: inside <see cref="Accumulate"/>, with the
    /// forward/backward pass's references and accumulators live around it, the Philox rounds spilled: measured (thread
    /// CPU time, p = k = 8, n = 64, V512) 2.9 → 5.7 M sample-trial-iterations/s with four interleaved blocks, and
    /// 1.9 → 3.7 with one block at a time — interleaving is 1.5× either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void Sample(uint block)
    {
        int W = _w, blocks = _blocks;
        TU c0 = LoadCounter(_c0), c1 = LoadCounter(_c1), c2 = LoadCounter(_c2);
        TU k0 = TP.Broadcast((uint)_seed), k1 = TP.Broadcast(_seed >> 32);
        ref double zq = ref _z[0];
        int b = 0;
        for (; b + 4 <= blocks; b += 4, zq = ref Unsafe.Add(ref zq, 8 * W))
            PhiloxVector.Bundles<TP, TL, TU, TVec>.NormalPairs4(c0, c1, c2, unchecked(block + (uint)b), k0, k1, ref zq, W);
        for (; b < blocks; b++, zq = ref Unsafe.Add(ref zq, 2 * W))
        {
            PhiloxVector.Bundles<TP, TL, TU, TVec>.NormalPair(c0, c1, c2, TP.Broadcast(unchecked(block + (uint)b)), k0, k1, out TVec x, out TVec y);
            TL.Store(x, ref zq);
            TL.Store(y, ref Unsafe.Add(ref zq, W));
        }
    }

    /// <summary>The sums of n samples into ∇_u L̂ (_gradU), ∇_a L̂ (_gradA) and L̂.</summary>
    private void Gradients(TVec inverseNorm, int n, out TVec meanLoss)
    {
        int W = _w;
        TVec scale = TL.Create(2.0 / n);
        TVec vg = TL.Create(0);
        for (int j = 0; j < _p; j++) vg = TL.FusedMultiplyAdd(TL.Load(in _v[j * W]), TL.Load(in _gu[j * W]), vg);
        TVec factor = TL.Multiply(scale, inverseNorm);
        for (int j = 0; j < _p; j++)
        {
            // (I − vvᵀ)·G: ∇ of h(u/‖u‖) is the tangential part over ‖u‖.
            TVec projected = TL.FusedMultiplyAdd(TL.Negate(TL.Load(in _v[j * W])), vg, TL.Load(in _gu[j * W]));
            TL.Store(TL.Multiply(factor, projected), ref _gradU[j * W]);
        }
        for (int j = 0; j < _k; j++) TL.Store(TL.Multiply(scale, TL.Load(in _ga[j * W])), ref _gradA[j * W]);
        meanLoss = TL.Divide(TL.Load(in _loss[0]), TL.Create((double)n));
    }

    private TU LoadCounter(ulong[] words) => Unsafe.ReadUnaligned<TU>(ref Unsafe.As<ulong, byte>(ref words[0]));

    private int NextCheck(int t, int t1)
    {
        int d = Math.Min(_checkEvery - t % _checkEvery, _iterations - t);
        if (t < t1) d = Math.Min(d, t1 - t);
        return t + d;
    }

    /// <summary>SPEC §1.5 on lane l's state: exact angle, ‖a − a*‖, population loss.</summary>
    private void Check(int l, out bool bad, out bool success, out bool spurious, out bool retire)
    {
        int W = _w;
        Span<double> u = stackalloc double[_p], vs = stackalloc double[_p];
        Span<double> a = stackalloc double[_k], aS = stackalloc double[_k];
        for (int j = 0; j < _p; j++) { u[j] = _u[j * W + l]; vs[j] = _vStar[j * W + l]; }
        double err2 = 0;
        for (int j = 0; j < _k; j++) { a[j] = _a[j * W + l]; aS[j] = _aStar[j * W + l]; err2 += (a[j] - aS[j]) * (a[j] - aS[j]); }
        double phi = ShortcutCnnClosedForm.Angle(u, vs);
        double loss = ShortcutCnnClosedForm.Loss(a, aS, phi);
        bad = !double.IsFinite(phi) || !double.IsFinite(err2) || !double.IsFinite(loss);
        success = !bad && phi < _gd.Tol && err2 < _gd.Tol * _gd.Tol;
        spurious = !bad && phi > Math.PI / 2;
        retire = bad || (success && loss < _gd.RetireLoss);
    }

    private bool Load(IShortcutCnnSampledFeed feed, int l)
    {
        int W = _w;
        if (!feed.TryNext(out long tag, _u0, _vStar0, _aStar0, _a0, out double etaW1, out double etaA1, out int t1))
        {
            // A retired lane keeps stepping with the others: zero step sizes keep its state still.
            _active[l] = false;
            _etaW[l] = 0; _etaA[l] = 0;
            _nextCheck[l] = int.MaxValue;
            return false;
        }
        for (int j = 0; j < _p; j++) { _u[j * W + l] = _u0[j]; _vStar[j * W + l] = _vStar0[j]; }
        for (int j = 0; j < _k; j++) { _a[j * W + l] = _a0[j]; _aStar[j * W + l] = _aStar0[j]; }
        ulong trial = feed.SampleTrial(tag);
        _c0[l] = (uint)trial; _c1[l] = trial >> 32;
        _etaW1[l] = etaW1; _etaA1[l] = etaA1;
        _t[l] = 0; _t1[l] = Math.Clamp(t1, 0, _iterations);
        bool stageOne = 0 < _t1[l];
        _etaW[l] = stageOne ? etaW1 : _gd.Eta;
        _etaA[l] = stageOne ? etaA1 : _gd.Eta;
        _nextCheck[l] = NextCheck(0, _t1[l]);
        _tag[l] = tag;
        _active[l] = true;
        return true;
    }
}
