using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastRes.Kernels.Maths;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.ShortcutCnn;

/// <summary>
/// Population gradient descent for the shortcut / plain CNN teacher–student model (SPEC §1.1–1.2), one trial per SIMD
/// lane: structure of arrays, several vectors of trials in flight so that the long-latency chain of one vector
/// (dot → acos → sqrt → division) overlaps the others, retired lanes refilled from the feed.
/// </summary>
/// <remarks>
/// <para>The state is u rather than w: u = e + w for the shortcut student (Liu et al. 2019) and u = w for the plain
/// CNN (Du et al. 2017). Both normalized updates keep ‖u_t‖ = 1 (u_0 = e or a unit w_0), so both methods are the same
/// iteration in u — the plain CNN's w̃/‖w̃‖ and the shortcut's (e + w̃)/‖e + w̃‖ are both ũ/‖ũ‖ with ũ = u − η_w∇_w L —
/// and differ only in u_0 and the step sizes. With v = u, cos φ = uᵀv* and
///   ∇_w L = −(aᵀa*)(π − φ)/π · (v* − cos φ · u),
///   ũ = (1 − s cos φ) u + s v*,   s = η_w (aᵀa*)(π − φ)/π,
///   ‖ũ‖² = (1 − s cos φ)²‖u‖² + 2(1 − s cos φ) s cos φ + s²‖v*‖²  (no cancellation: it is ≥ 1 − O(ε)),
///   a ← (1 − η_a(π−1)/π) a + η_a(g(φ) − 1)/π · a* + η_a(𝟏ᵀa* − 𝟏ᵀa)/π · 𝟏,
/// the last being a − η_a∇_a L expanded. ‖u‖² is recomputed every step from u itself, so rounding never accumulates
/// in the norm. Gradients use (w_t, a_t) for both updates (simultaneous update).</para>
/// <para>Every operation is a single IEEE operation per lane in a fixed order, so each lane's arithmetic is
/// identical at every width (Vector512, Vector256, Vector128, scalar): outcomes and iteration counts do not depend on
/// SIMD width, batch composition or threads.</para>
/// </remarks>
/// <typeparam name="TAblation"><see cref="ShortcutCnnFullStep"/> in production; the ablation benchmark's variants
/// drop one piece of the step each (<see cref="IShortcutCnnStepAblation"/>).</typeparam>
public sealed class ShortcutCnnLaneEngine<TL, TVec, T, TAblation>
    where TL : struct, ILanes<TVec, T>
    where TVec : struct
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TAblation : struct, IShortcutCnnStepAblation
{
    public const int DefaultVectorsInFlight = 4;

    private readonly ShortcutCnnGdSettings _settings;
    private readonly int _p, _k, _width, _lanes, _iterations, _checkEvery;

    // Structure of arrays: element j of lane l lives at [j * _lanes + l]; 64-byte aligned (see AlignedArray).
    private readonly AlignedArray<T> _u, _vStar, _a, _aStar;
    // Per lane.
    private readonly AlignedArray<T> _vStarNorm2, _sumAStar, _aDotAStar, _sumA, _etaW, _etaA, _etaW1, _etaA1;
    // Per lane, from the closed form to the updates of the same step.
    private readonly AlignedArray<T> _cu, _cv, _ka, _kb, _kc;
    private readonly int[] _t, _t1, _nextCheck;
    private readonly long[] _tag;
    private readonly bool[] _active;
    // Feed scratch (double).
    private readonly double[] _u0, _vStar0, _aStar0, _a0;

    private readonly T _eta, _tol, _tol2, _retireLoss;

    public ShortcutCnnLaneEngine(ShortcutCnnGdSettings settings, int vectorsInFlight = DefaultVectorsInFlight)
    {
        if (settings.P < 1 || settings.K < 1) throw new ArgumentOutOfRangeException(nameof(settings), "p and k must be ≥ 1");
        if (settings.Iterations < 1 || settings.CheckEvery < 1) throw new ArgumentOutOfRangeException(nameof(settings));
        if (vectorsInFlight < 1) throw new ArgumentOutOfRangeException(nameof(vectorsInFlight));
        _settings = settings;
        _p = settings.P; _k = settings.K;
        _width = TL.Count;
        _lanes = _width * vectorsInFlight;
        _iterations = settings.Iterations;
        _checkEvery = settings.CheckEvery;
        int phase = TAblation.Misaligned ? 16 : 0;
        _u = new AlignedArray<T>(_p * _lanes, phase); _vStar = new AlignedArray<T>(_p * _lanes, phase);
        _a = new AlignedArray<T>(_k * _lanes, phase); _aStar = new AlignedArray<T>(_k * _lanes, phase);
        _vStarNorm2 = new AlignedArray<T>(_lanes, phase); _sumAStar = new AlignedArray<T>(_lanes, phase); _aDotAStar = new AlignedArray<T>(_lanes, phase); _sumA = new AlignedArray<T>(_lanes, phase);
        _etaW = new AlignedArray<T>(_lanes, phase); _etaA = new AlignedArray<T>(_lanes, phase); _etaW1 = new AlignedArray<T>(_lanes, phase); _etaA1 = new AlignedArray<T>(_lanes, phase);
        _cu = new AlignedArray<T>(_lanes, phase); _cv = new AlignedArray<T>(_lanes, phase); _ka = new AlignedArray<T>(_lanes, phase); _kb = new AlignedArray<T>(_lanes, phase); _kc = new AlignedArray<T>(_lanes, phase);
        _t = new int[_lanes]; _t1 = new int[_lanes]; _nextCheck = new int[_lanes]; _tag = new long[_lanes]; _active = new bool[_lanes];
        _u0 = new double[_p]; _vStar0 = new double[_p]; _aStar0 = new double[_k]; _a0 = new double[_k];
        Array.Fill(_nextCheck, int.MaxValue);
        _eta = T.CreateChecked(settings.Eta);
        _tol = T.CreateChecked(settings.Tol);
        _tol2 = _tol * _tol;
        _retireLoss = T.CreateChecked(settings.RetireLoss);
    }

    /// <summary>Lanes in flight (vector width × vectors).</summary>
    public int Lanes => _lanes;

    /// <summary>Runs every trial the feed supplies to its end; returns the trial-iterations done.</summary>
    /// <remarks>AggressiveOptimization: this loop runs for the whole run, so tier-0 code and on-stack replacement
    /// would cost a visible share of short runs (measured: 0.5 s runs went from ~55 to ~87 M trial-iterations/s).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Run(IShortcutCnnTrialFeed feed)
    {
        long work = 0;
        int activeCount = 0;
        for (int l = 0; l < _lanes; l++)
        {
            if (Load(feed, l)) activeCount++;
            else break;
        }

        while (activeCount > 0)
        {
            // A chunk: no active lane may pass its own next check point (a multiple of R, T₁ or T). Each lane keeps
            // that point from its last check (NextCheck), so a chunk costs a min over the lanes — not the two integer
            // divisions per lane per chunk that recomputing it took (measured 1–3% of the run in double, 4–7% in float).
            // Inactive lanes sit at int.MaxValue and never bound the chunk.
            int n = int.MaxValue;
            if (TAblation.DividingChunks) n = DividingChunk();
            else for (int l = 0; l < _lanes; l++) n = Math.Min(n, _nextCheck[l] - _t[l]);

            for (int it = 0; it < n && !(TAblation.DropClosedForm && TAblation.DropUpdates); it++)
            {
                // Phase by phase across the bundles: one bundle's step is a single dependency chain
                // (dot → acos → sqrt → division → updates → sums) longer than the out-of-order window; each phase of
                // one bundle is short enough to overlap the same phase of the next. Measured on Zen 5 (bench mc
                // --ablate, "fused step order") it is no faster than the bundle-by-bundle order (0.96–1.03×): the
                // closed form stays latency-bound either way. The lane arithmetic is the same in both.
                if (TAblation.Fused)
                {
                    for (int o = 0; o < _lanes; o += _width) { StepClosedForm(o); StepUpdate(o); }
                }
                else
                {
                    for (int o = 0; o < _lanes; o += _width) StepClosedForm(o);
                    for (int o = 0; o < _lanes; o += _width) StepUpdate(o);
                }
            }

            for (int l = 0; l < _lanes; l++) _t[l] += n;
            work += (long)n * activeCount;

            for (int o = 0; o < _lanes; o += _width)
            {
                ulong due = 0;
                for (int i = 0; i < _width; i++)
                {
                    int l = o + i;
                    if (TAblation.DividingChunks)
                    {
                        int t = _t[l];
                        if (_active[l] && (t % _checkEvery == 0 || t == _iterations || t == _t1[l])) due |= 1UL << i;
                    }
                    else if (_active[l] && _t[l] == _nextCheck[l]) due |= 1UL << i;
                }
                if (due == 0) continue;

                Check(o, out ulong bad, out ulong success, out ulong spurious, out ulong retire);
                for (int i = 0; i < _width; i++)
                {
                    if ((due >> i & 1) == 0) continue;
                    int l = o + i;
                    bool atEnd = _t[l] == _iterations;
                    if (!atEnd && (retire >> i & 1) == 0)
                    {
                        // Stage I ends at T₁ (a check point): both step sizes become η from the next step on.
                        if (_t[l] == _t1[l]) { _etaW[l] = _eta; _etaA[l] = _eta; }
                        _nextCheck[l] = NextCheck(_t[l], _t1[l]);
                        continue;
                    }
                    TrialOutcome outcome =
                        (bad >> i & 1) != 0 ? TrialOutcome.Diverged :
                        (success >> i & 1) != 0 ? TrialOutcome.Success :
                        (spurious >> i & 1) != 0 ? TrialOutcome.Spurious :
                        TrialOutcome.Undecided;
                    feed.Complete(_tag[l], outcome, _t[l]);
                    if (!Load(feed, l)) activeCount--;
                }
            }
        }
        return work;
    }

    /// <summary>The chunk length as the pre-Zen 5 engine found it: each lane's next check point recomputed (the
    /// ablation benchmark's <see cref="IShortcutCnnStepAblation.DividingChunks"/>; same length as the min over NextCheck).</summary>
    private int DividingChunk()
    {
        int n = int.MaxValue;
        for (int l = 0; l < _lanes; l++)
        {
            if (!_active[l]) { _etaW[l] = T.Zero; _etaA[l] = T.Zero; continue; }
            int t = _t[l];
            int d = _checkEvery - t % _checkEvery;
            d = Math.Min(d, _iterations - t);
            bool stageOne = t < _t1[l];
            if (stageOne) d = Math.Min(d, _t1[l] - t);
            n = Math.Min(n, d);
            _etaW[l] = stageOne ? _etaW1[l] : _eta;
            _etaA[l] = stageOne ? _etaA1[l] : _eta;
        }
        return n;
    }

    /// <summary>The first check point after step <paramref name="t"/>: the next multiple of R, T₁ while in Stage I, or T.</summary>
    private int NextCheck(int t, int t1)
    {
        int d = Math.Min(_checkEvery - t % _checkEvery, _iterations - t);
        if (t < t1) d = Math.Min(d, t1 - t);
        return t + d;
    }

    /// <summary>
    /// The closed form of one GD step for the lanes [o, o + width): from u_t and the sums of a_t, the coefficients
    /// of the u update (cu, cv) and of the a update (ka, kb, kc), kept per lane for <see cref="StepUpdate"/>.
    /// </summary>
    /// <remarks>Not inlined: the run loop stays small, and inlined into it (with the updates) the float step measured a
    /// tenth of its speed — the register allocator gives up on one body that size.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void StepClosedForm(int o)
    {
        TVec one = TL.Create(T.One);
        if (TAblation.DropClosedForm)
        {
            TVec zero = TL.Create(T.Zero);
            TL.Store(one, ref _cu[o]); TL.Store(zero, ref _cv[o]);
            TL.Store(one, ref _ka[o]); TL.Store(zero, ref _kb[o]); TL.Store(zero, ref _kc[o]);
            return;
        }
        int L = _lanes;
        ref T u = ref _u[0];
        ref T vs = ref _vStar[0];

        TVec pi = TL.Create(T.Pi);
        TVec invPi = TL.Create(T.One / T.Pi);

        // cos φ = uᵀv* (‖u‖ = 1) and ‖u‖².
        TVec c = TL.Create(T.Zero), uu = TL.Create(T.Zero);
        // Row refs bumped by the lane stride and a count-down trip count: no int index to widen and scale per row,
        // and no loop bound reloaded from the object after every store.
        ref T ur = ref Unsafe.Add(ref u, o), vr = ref Unsafe.Add(ref vs, o);
        for (int j = _p; j > 0; j--, ur = ref Unsafe.Add(ref ur, L), vr = ref Unsafe.Add(ref vr, L))
        {
            TVec uj = TL.Load(in ur);
            c = TL.FusedMultiplyAdd(uj, TL.Load(in vr), c);
            uu = TL.FusedMultiplyAdd(uj, uj, uu);
        }
        // Rounding can push |cos φ| an ulp past 1, where acos is NaN; the selects keep a real NaN (divergence) as NaN.
        c = TL.Select(TL.GreaterThan(c, one), one, c);
        c = TL.Select(TL.LessThan(c, TL.Negate(one)), TL.Negate(one), c);
        TVec phi = TAblation.DropAcos
            ? TL.Subtract(TL.Create(T.Pi / (T.One + T.One)), c)
            : AcosKernel.Acos<TL, TVec, T>(c);
        TVec piMinusPhi = TL.Subtract(pi, phi);
        TVec sin = AblatableSqrt(TL.Multiply(TL.Subtract(one, c), TL.Add(one, c)));
        TVec g = TL.FusedMultiplyAdd(piMinusPhi, c, sin); // g(φ) = sin φ + (π − φ) cos φ

        TVec ada = TL.Load(in _aDotAStar[o]);
        TVec sumA = TL.Load(in _sumA[o]);
        TVec etaW = TL.Load(in _etaW[o]);
        TVec etaA = TL.Load(in _etaA[o]);

        // w: ũ = α u + s v*, then u ← ũ/‖ũ‖.
        TVec s = TL.Multiply(TL.Multiply(etaW, ada), TL.Multiply(piMinusPhi, invPi));
        TVec alpha = TL.FusedMultiplyAdd(TL.Negate(s), c, one);
        TVec twoAlphaS = TL.Multiply(TL.Add(alpha, alpha), s);
        TVec norm2 = TL.FusedMultiplyAdd(TL.Multiply(alpha, alpha), uu,
                     TL.FusedMultiplyAdd(twoAlphaS, c, TL.Multiply(TL.Multiply(s, s), TL.Load(in _vStarNorm2[o]))));
        TVec norm = AblatableSqrt(norm2);
        TVec inv = TAblation.DropDivision ? TL.Subtract(TL.Add(one, one), norm) : TL.Divide(one, norm);
        TL.Store(TL.Multiply(alpha, inv), ref _cu[o]);
        TL.Store(TL.Multiply(s, inv), ref _cv[o]);

        // a ← ka·a + kb·a* + kc·𝟏 (= a − η_a ∇_a L).
        TL.Store(TL.FusedMultiplyAdd(TL.Negate(etaA), TL.Create((T.Pi - T.One) / T.Pi), one), ref _ka[o]);
        TL.Store(TL.Multiply(TL.Multiply(etaA, TL.Subtract(g, one)), invPi), ref _kb[o]);
        TL.Store(TL.Multiply(TL.Multiply(etaA, TL.Subtract(TL.Load(in _sumAStar[o]), sumA)), invPi), ref _kc[o]);
    }

    /// <summary>
    /// The updates of one GD step for the lanes [o, o + width), with the coefficients of
    /// <see cref="StepClosedForm"/>: u ← cu·u + cv·v*, a ← ka·a + kb·a* + kc·𝟏, accumulating aᵀa* and 𝟏ᵀa of the
    /// new a for the next step.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void StepUpdate(int o)
    {
        if (TAblation.DropUpdates) return;
        int L = _lanes;
        ref T u = ref _u[0];
        ref T vs = ref _vStar[0];
        ref T a = ref _a[0];
        ref T aS = ref _aStar[0];

        TVec cu = TL.Load(in _cu[o]), cv = TL.Load(in _cv[o]);
        ref T ur = ref Unsafe.Add(ref u, o), vr = ref Unsafe.Add(ref vs, o);
        for (int j = _p; j > 0; j--, ur = ref Unsafe.Add(ref ur, L), vr = ref Unsafe.Add(ref vr, L))
            TL.Store(TL.FusedMultiplyAdd(cu, TL.Load(in ur), TL.Multiply(cv, TL.Load(in vr))), ref ur);

        TVec ka = TL.Load(in _ka[o]), kb = TL.Load(in _kb[o]), kc = TL.Load(in _kc[o]);
        TVec ada2 = TL.Create(T.Zero), sumA2 = TL.Create(T.Zero);
        ref T ar = ref Unsafe.Add(ref a, o), asr = ref Unsafe.Add(ref aS, o);
        for (int j = _k; j > 0; j--, ar = ref Unsafe.Add(ref ar, L), asr = ref Unsafe.Add(ref asr, L))
        {
            TVec asj = TL.Load(in asr);
            TVec next = TL.FusedMultiplyAdd(ka, TL.Load(in ar), TL.FusedMultiplyAdd(kb, asj, kc));
            TL.Store(next, ref ar);
            ada2 = TL.FusedMultiplyAdd(next, asj, ada2);
            sumA2 = TL.Add(sumA2, next);
        }
        TL.Store(ada2, ref _aDotAStar[o]);
        TL.Store(sumA2, ref _sumA[o]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec AblatableSqrt(TVec x)
    {
        if (!TAblation.DropSqrt) return TL.Sqrt(x);
        TVec half = TL.Create(T.One / (T.One + T.One));
        return TL.FusedMultiplyAdd(x, half, half);
    }

    /// <summary>Outcome masks of lanes [o, o + width) in their current state (SPEC §1.5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Check(int o, out ulong bad, out ulong success, out ulong spurious, out ulong retire)
    {
        int L = _lanes;
        TVec one = TL.Create(T.One);
        TVec pi = TL.Create(T.Pi);
        TVec c = TL.Create(T.Zero), err2 = TL.Create(T.Zero);
        for (int j = 0, idx = o; j < _p; j++, idx += L)
            c = TL.FusedMultiplyAdd(TL.Load(in _u[idx]), TL.Load(in _vStar[idx]), c);
        for (int j = 0, idx = o; j < _k; j++, idx += L)
        {
            TVec d = TL.Subtract(TL.Load(in _a[idx]), TL.Load(in _aStar[idx]));
            err2 = TL.FusedMultiplyAdd(d, d, err2);
        }
        c = TL.Select(TL.GreaterThan(c, one), one, c);
        c = TL.Select(TL.LessThan(c, TL.Negate(one)), TL.Negate(one), c);
        TVec phi = AcosKernel.Acos<TL, TVec, T>(c);
        TVec sin = TL.Sqrt(TL.Multiply(TL.Subtract(one, c), TL.Add(one, c)));
        // π − g(φ) = π(1 − cos φ) + φ cos φ − sin φ: no cancellation against π as φ → 0, so the loss can get near 0.
        TVec piMinusG = TL.FusedMultiplyAdd(pi, TL.Subtract(one, c), TL.FusedMultiplyAdd(phi, c, TL.Negate(sin)));
        TVec sumDiff = TL.Subtract(TL.Load(in _sumA[o]), TL.Load(in _sumAStar[o]));
        // L = (1/2π)[(π−1)‖a − a*‖² + (𝟏ᵀ(a − a*))²] + ((π − g)/π) aᵀa*
        TVec loss = TL.Add(
            TL.Multiply(TL.FusedMultiplyAdd(TL.Create(T.Pi - T.One), err2, TL.Multiply(sumDiff, sumDiff)), TL.Create(T.One / (T.Pi + T.Pi))),
            TL.Multiply(TL.Multiply(piMinusG, TL.Load(in _aDotAStar[o])), TL.Create(T.One / T.Pi)));

        TVec badMask = TL.IsNotFinite(TL.Add(TL.Add(c, err2), TL.Add(sumDiff, loss)));
        TVec successMask = TL.And(TL.LessThan(phi, TL.Create(_tol)), TL.LessThan(err2, TL.Create(_tol2)));
        TVec spuriousMask = TL.GreaterThan(phi, TL.Create(T.Pi / (T.One + T.One)));
        TVec retireMask = TL.Or(badMask, TL.And(successMask, TL.LessThan(loss, TL.Create(_retireLoss))));
        bad = TL.MaskBits(badMask);
        success = TL.MaskBits(successMask);
        spurious = TL.MaskBits(spuriousMask);
        retire = TL.MaskBits(retireMask);
    }

    private bool Load(IShortcutCnnTrialFeed feed, int l)
    {
        if (!feed.TryNext(out long tag, _u0, _vStar0, _aStar0, _a0, out double etaW1, out double etaA1, out int t1))
        {
            // A retired lane keeps stepping with the others: zero step sizes keep its (finite) state still.
            _active[l] = false;
            _etaW[l] = T.Zero; _etaA[l] = T.Zero;
            _nextCheck[l] = int.MaxValue;
            return false;
        }
        int L = _lanes;
        // Per-lane sums in T with the same operation order as Step, so a freshly loaded lane and a running lane agree
        // exactly however the lanes are batched.
        T vv = T.Zero;
        for (int j = 0; j < _p; j++)
        {
            T uj = T.CreateChecked(_u0[j]), vj = T.CreateChecked(_vStar0[j]);
            _u[j * L + l] = uj;
            _vStar[j * L + l] = vj;
            vv = T.FusedMultiplyAdd(vj, vj, vv);
        }
        T sumAs = T.Zero, ada = T.Zero, sumA = T.Zero;
        for (int j = 0; j < _k; j++)
        {
            T aj = T.CreateChecked(_a0[j]), asj = T.CreateChecked(_aStar0[j]);
            _a[j * L + l] = aj;
            _aStar[j * L + l] = asj;
            sumAs += asj;
            ada = T.FusedMultiplyAdd(aj, asj, ada);
            sumA += aj;
        }
        _vStarNorm2[l] = vv; _sumAStar[l] = sumAs; _aDotAStar[l] = ada; _sumA[l] = sumA;
        _etaW1[l] = T.CreateChecked(etaW1); _etaA1[l] = T.CreateChecked(etaA1);
        _t[l] = 0; _t1[l] = Math.Clamp(t1, 0, _iterations);
        bool stageOne = 0 < _t1[l];
        _etaW[l] = stageOne ? _etaW1[l] : _eta;
        _etaA[l] = stageOne ? _etaA1[l] : _eta;
        _nextCheck[l] = NextCheck(0, _t1[l]);
        _tag[l] = tag;
        _active[l] = true;
        return true;
    }
}
