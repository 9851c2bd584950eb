using System.Runtime.CompilerServices;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Networks;

/// <summary>
/// Where each per-sample quantity of one block of samples lives in a lane workspace (structure of arrays: one
/// sample per SIMD lane, one vector per scalar of the formula). d = 10 is too narrow to vectorize over, so the
/// samples go in the lanes and every formula below reads like its scalar version.
/// </summary>
internal readonly struct LaneLayout
{
    public readonly int D, R, N, L;     // width, units, layers per unit, depth
    public readonly int H, U, DPre1, DPre2, Dz1, Dz2, AHat, Delta, UHat, Y, Mask, Length;

    public LaneLayout(NShortcutNetwork net)
    {
        D = net.Width; R = net.Units; N = net.ShortcutDepth; L = net.Depth;
        int o = 0;
        H = o; o += (R + 1) * D;      // h_r, r = 0..R (h_0 = x, h_R = ŷ)
        U = o; o += L * D;            // u_l, the input of layer l (after σ_pre or σ_mid)
        DPre1 = o; o += R * D;        // σ′_pre(h_r)
        DPre2 = o; o += R * D;        // σ″_pre(h_r)
        Dz1 = o; o += L * D;          // σ′(z_l) of the activation after layer l
        Dz2 = o; o += L * D;          // σ″(z_l)
        AHat = o; o += (R + 1) * D;   // ∂ℓ/∂h_r
        Delta = o; o += L * D;        // δ_l = ∂ℓ/∂z_l
        UHat = o; o += L * D;         // ∂ℓ/∂u_l = W_lᵀ δ_l
        Y = o; o += D;
        Mask = o; o += 1;             // 1 for real samples, 0 for the padding lanes of the last block
        Length = o;
    }
}

/// <summary>Forward and backward passes over one block of TL.Count samples (Li et al. Def. 2; backpropagation).</summary>
internal static class NetworkLanes<TL, TVec>
    where TL : struct, ILanes<TVec, double>
    where TVec : struct
{
    /// <summary>Transposes samples [first, first + count) of row-major X, Y into lanes; missing lanes get zeros.</summary>
    public static void Load(in LaneLayout a, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int first, int count, Span<TVec> s)
    {
        int w = TL.Count, d = a.D;
        Span<double> lane = stackalloc double[w];
        for (int p = 0; p < d; p++)
        {
            for (int k = 0; k < w; k++) lane[k] = k < count ? x[(first + k) * d + p] : 0.0;
            s[a.H + p] = TL.Load(in lane[0]);
            for (int k = 0; k < w; k++) lane[k] = k < count ? y[(first + k) * d + p] : 0.0;
            s[a.Y + p] = TL.Load(in lane[0]);
        }
        for (int k = 0; k < w; k++) lane[k] = k < count ? 1.0 : 0.0;
        s[a.Mask] = TL.Load(in lane[0]);
    }

    /// <summary>h_0 = x → ŷ = h_R, storing every u_l, h_r and the activation derivatives.</summary>
    public static void Forward(NShortcutNetwork net, in LaneLayout a, ReadOnlySpan<double> theta, Span<TVec> s)
    {
        int d = a.D, n = a.N;
        TVec keep = TL.Create(net.HasShortcut ? 1.0 : 0.0);
        for (int r = 0; r < a.R; r++)
        {
            int h = a.H + r * d, l0 = r * n;
            for (int p = 0; p < d; p++)
            {
                Activations.Evaluate<TL, TVec>(net.Pre, s[h + p], out TVec v, out TVec f1, out TVec f2);
                s[a.U + l0 * d + p] = v; s[a.DPre1 + r * d + p] = f1; s[a.DPre2 + r * d + p] = f2;
            }
            for (int k = 0; k < n; k++)
            {
                int l = l0 + k;
                ReadOnlySpan<double> w = theta.Slice(l * d * d, d * d);
                Activation act = k == n - 1 ? net.Post : net.Mid;
                int u = a.U + l * d;
                // z = W u, four rows at a time: independent accumulator chains hide the FMA latency and each u[q]
                // is loaded once per four rows.
                int p0 = 0;
                for (; p0 + 4 <= d; p0 += 4)
                {
                    TVec z0 = TL.Create(0.0), z1 = z0, z2 = z0, z3 = z0;
                    for (int q = 0; q < d; q++)
                    {
                        TVec uq = s[u + q];
                        z0 = TL.FusedMultiplyAdd(TL.Create(w[p0 * d + q]), uq, z0);
                        z1 = TL.FusedMultiplyAdd(TL.Create(w[(p0 + 1) * d + q]), uq, z1);
                        z2 = TL.FusedMultiplyAdd(TL.Create(w[(p0 + 2) * d + q]), uq, z2);
                        z3 = TL.FusedMultiplyAdd(TL.Create(w[(p0 + 3) * d + q]), uq, z3);
                    }
                    Emit(net, a, s, act, r, k, l, h, p0, z0, keep);
                    Emit(net, a, s, act, r, k, l, h, p0 + 1, z1, keep);
                    Emit(net, a, s, act, r, k, l, h, p0 + 2, z2, keep);
                    Emit(net, a, s, act, r, k, l, h, p0 + 3, z3, keep);
                }
                for (int p = p0; p < d; p++)
                {
                    TVec zp = TL.Create(0.0);
                    for (int q = 0; q < d; q++) zp = TL.FusedMultiplyAdd(TL.Create(w[p * d + q]), s[u + q], zp);
                    Emit(net, a, s, act, r, k, l, h, p, zp, keep);
                }
            }
        }
    }

    /// <summary>Activation of one output z_l[p]: store σ′, σ″ and the next layer's input (or the unit's output).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(NShortcutNetwork net, in LaneLayout a, Span<TVec> s, Activation act, int r, int k, int l, int h, int p, TVec z, TVec keep)
    {
        int d = a.D;
        Activations.Evaluate<TL, TVec>(act, z, out TVec v, out TVec f1, out TVec f2);
        s[a.Dz1 + l * d + p] = f1; s[a.Dz2 + l * d + p] = f2;
        if (k < a.N - 1) s[a.U + (l + 1) * d + p] = v;
        else s[a.H + (r + 1) * d + p] = TL.FusedMultiplyAdd(keep, s[h + p], v);
    }

    /// <summary>
    /// Backpropagation from ∂ℓ/∂ŷ = mask·(ŷ − y); returns Σ_p (ŷ_p − y_p)² per lane (masked).
    /// </summary>
    public static TVec Backward(NShortcutNetwork net, in LaneLayout a, ReadOnlySpan<double> theta, Span<TVec> s)
    {
        int d = a.D, n = a.N;
        TVec mask = s[a.Mask], sq = TL.Create(0.0);
        TVec keep = TL.Create(net.HasShortcut ? 1.0 : 0.0);
        for (int p = 0; p < d; p++)
        {
            TVec e = TL.Multiply(mask, TL.Subtract(s[a.H + a.R * d + p], s[a.Y + p]));
            s[a.AHat + a.R * d + p] = e;
            sq = TL.FusedMultiplyAdd(e, e, sq);
        }
        for (int r = a.R - 1; r >= 0; r--)
        {
            for (int k = n - 1; k >= 0; k--)
            {
                int l = r * n + k;
                int above = k == n - 1 ? a.AHat + (r + 1) * d : a.UHat + (l + 1) * d;
                for (int p = 0; p < d; p++) s[a.Delta + l * d + p] = TL.Multiply(s[a.Dz1 + l * d + p], s[above + p]);
                ReadOnlySpan<double> w = theta.Slice(l * d * d, d * d);
                int q0 = 0;
                for (; q0 + 4 <= d; q0 += 4) // ∂ℓ/∂u = Wᵀδ, four columns at a time (as in the forward pass)
                {
                    TVec c0 = TL.Create(0.0), c1 = c0, c2 = c0, c3 = c0;
                    for (int p = 0; p < d; p++)
                    {
                        TVec dp = s[a.Delta + l * d + p];
                        c0 = TL.FusedMultiplyAdd(TL.Create(w[p * d + q0]), dp, c0);
                        c1 = TL.FusedMultiplyAdd(TL.Create(w[p * d + q0 + 1]), dp, c1);
                        c2 = TL.FusedMultiplyAdd(TL.Create(w[p * d + q0 + 2]), dp, c2);
                        c3 = TL.FusedMultiplyAdd(TL.Create(w[p * d + q0 + 3]), dp, c3);
                    }
                    s[a.UHat + l * d + q0] = c0; s[a.UHat + l * d + q0 + 1] = c1;
                    s[a.UHat + l * d + q0 + 2] = c2; s[a.UHat + l * d + q0 + 3] = c3;
                }
                for (int q = q0; q < d; q++)
                {
                    TVec acc = TL.Create(0.0);
                    for (int p = 0; p < d; p++) acc = TL.FusedMultiplyAdd(TL.Create(w[p * d + q]), s[a.Delta + l * d + p], acc);
                    s[a.UHat + l * d + q] = acc;
                }
            }
            int l0 = r * n;
            for (int p = 0; p < d; p++)
                s[a.AHat + r * d + p] = TL.FusedMultiplyAdd(s[a.DPre1 + r * d + p], s[a.UHat + l0 * d + p],
                                                             TL.Multiply(keep, s[a.AHat + (r + 1) * d + p]));
        }
        return sq;
    }

    /// <summary>grad_l[i, j] += δ_l[i]·u_l[j] lane-wise (∂ℓ/∂W_l = δ_l u_lᵀ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AccumulateGradient(in LaneLayout a, ReadOnlySpan<TVec> s, Span<TVec> grad)
    {
        int d = a.D;
        for (int l = 0; l < a.L; l++)
            for (int i = 0; i < d; i++)
            {
                TVec di = s[a.Delta + l * d + i];
                int g = (l * d + i) * d;
                for (int j = 0; j < d; j++) grad[g + j] = TL.FusedMultiplyAdd(di, s[a.U + l * d + j], grad[g + j]);
            }
    }

    /// <summary>Sum of the lanes (fixed order, so every width gives a reproducible result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(TVec v)
    {
        double t = 0;
        for (int k = 0; k < TL.Count; k++) t += TL.GetLane(v, k);
        return t;
    }
}
