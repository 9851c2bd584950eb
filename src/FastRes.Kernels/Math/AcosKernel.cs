using System.Numerics;
using System.Runtime.CompilerServices;
using FastRes.Kernels.Simd;

// The folder is Math/, but the namespace is Maths: a namespace FastRes.Kernels.Math would shadow System.Math
// for every file in a FastRes.Kernels.* namespace ("Math.Sqrt" would then resolve to the namespace and fail).
namespace FastRes.Kernels.Maths;

/// <summary>
/// Branch-free arc cosine over any <see cref="ILanes{TVec,T}"/> width, for double and float.
/// </summary>
/// <remarks>
/// <para>Algorithm and coefficients: Sun fdlibm <c>e_acos.c</c> (double) and its float conversion
/// <c>e_acosf.c</c> by Ian Lance Taylor, as carried by FreeBSD msun and musl (Copyright (C) 1993 Sun
/// Microsystems; "permission to use, copy, modify, and distribute this software is freely granted, provided
/// that this notice is preserved"). With R(z) = asin(√z)/√z − 1 approximated by a rational function on
/// z ∈ [0, ¼]:</para>
/// <list type="bullet">
/// <item>|x| &lt; ½: z = x², acos x = π/2 − (x + x·R(z)).</item>
/// <item>x ≤ −½: z = (1 − |x|)/2, s = √z, acos x = π − 2(s + s·R(z)).</item>
/// <item>x ≥ ½: same z and s, acos x = 2(s + s·R(z)).</item>
/// </list>
/// <para>Vectorization (ours): both reductions go through ONE evaluation of R, ONE square root and ONE division
/// for all lanes, then three selects. The three branches are folded into one expression
/// <c>k·(H − (u + (v − L)))</c>: small lanes take u = x, H + L = π/2 (split hi + lo), k = 1; x ≤ −½ takes u = s,
/// k = 2; x ≥ ½ takes u = −s, H = L = 0, k = 2, which reproduces fdlibm's rounding sequence in every branch.
/// v = u·R(z) carries u's sign through the denominator 2·u·q.</para>
/// <para>fdlibm recovers the bits √z loses to rounding with the "df" trick (truncate s to 26 bits, a second
/// division). With FMA the residual e = z − s² is exact (<c>fma(−s, s, z)</c>), and s + e/(2s) is √z to about
/// twice the precision; we fold that correction into R's division: v = (2·p·s² + e·q)/(2·u·q) with
/// 2·p·s² = 2·p·z − 2·p·e, i.e. numerator <c>fma(e, q − 2p, 2·p·z)</c>. Small lanes mask e to 0, which leaves
/// v = p·x²/(x·q) = x·R(x²). One division per lane instead of fdlibm's two on the x ≥ ½ branch.</para>
/// <para>Special values fall out without branches: |x| &gt; 1, ±∞ and NaN give z &lt; 0 or NaN, so √z is NaN;
/// x = ±1 gives z = s = e = p = 0, and a tiny normal added to the denominator turns 0/0 into 0, leaving
/// acos 1 = 0 and acos −1 = 2·round(π/2_hi + π/2_lo) = π exactly; ±0 gives round(π/2_hi + π/2_lo), the
/// correctly rounded π/2.</para>
/// <para>Every step is one IEEE operation per lane, so all widths (and <see cref="Lanes1{T}"/>, the scalar
/// reference) give bit-identical results. Measured against Math.Acos, see AcosKernelTests: ≤ 1 ulp in double
/// and in float.</para>
/// </remarks>
public static class AcosKernel
{
    /// <summary>acos of every lane of <paramref name="x"/>; NaN outside [−1, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Acos<TL, TVec, T>(TVec x)
        where TL : struct, ILanes<TVec, T>
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        TVec half = TL.Create(K<T>(0.5, 0.5f));
        TVec ax = TL.Abs(x);
        TVec small = TL.LessThan(ax, half);          // |x| < ½: z = x²
        TVec posLarge = TL.LessThanOrEqual(half, x); // x ≥ ½: the branch without the π/2 offset

        // (1 − |x|)/2 is exact for |x| ∈ [½, 1] (Sterbenz), negative beyond 1 and NaN for NaN.
        TVec z = TL.Select(small, TL.Multiply(x, x), TL.FusedMultiplyAdd(TL.Negate(half), ax, half));
        TVec s = TL.Sqrt(z);

        Rational<TL, TVec, T>(z, out TVec p, out TVec q);

        // Exact residual of the square root; irrelevant (and masked) where the argument is x itself.
        TVec e = TL.AndNot(TL.FusedMultiplyAdd(TL.Negate(s), s, z), small);

        // u = x on small lanes, s for x ≤ −½, −s for x ≥ ½ (s OR the sign bit of −x).
        TVec signOfMinusX = TL.AndNot(TL.Create(K<T>(-0.0, -0.0f)), x);
        TVec u = TL.Select(small, x, TL.Or(s, signOfMinusX));

        TVec twoP = TL.Add(p, p);
        TVec num = TL.FusedMultiplyAdd(e, TL.Subtract(q, twoP), TL.Multiply(twoP, z));
        // The tiny normal only matters when u = 0 (x = ±1, ±0, or x² underflowing), where num = 0 too; elsewhere
        // |2uq| ≥ 2^-26·q is so much larger that the sum rounds to the product.
        TVec den = TL.FusedMultiplyAdd(TL.Add(u, u), q, TL.Create(K<T>(1.1754943508222875e-38, 1.17549435e-38f)));
        TVec v = TL.Divide(num, den);

        TVec hi = TL.AndNot(TL.Create(K<T>(PiOver2HiD, PiOver2HiF)), posLarge);
        TVec lo = TL.AndNot(TL.Create(K<T>(PiOver2LoD, PiOver2LoF)), posLarge);
        TVec t = TL.Subtract(hi, TL.Add(u, TL.Subtract(v, lo)));
        return TL.Select(small, t, TL.Add(t, t));
    }

    // π/2 split so that hi + lo carries ~2× the working precision (fdlibm pio2_hi / pio2_lo; e_acosf's pio2_hi
    // is π/2 truncated to 24 bits, 0x3fc90fda, so that hi + lo rounds to the correctly rounded π/2).
    private const double PiOver2HiD = 1.57079632679489655800e+00;  // 0x3FF921FB_54442D18
    private const double PiOver2LoD = 6.12323399573676603587e-17;  // 0x3C91A626_33145C07
    private const float PiOver2HiF = 1.5707962513e+00f;            // 0x3fc90fda
    private const float PiOver2LoF = 7.5497894159e-08f;            // 0x33a22168

    /// <summary>
    /// R(z) = p/q ≈ asin(√z)/√z − 1 on [0, ¼]: fdlibm's pS0..pS5 / qS1..qS4 (double, |error| &lt; 2^-58.75) or
    /// e_acosf's pS0..pS2 / qS1 (float). Horner with fused steps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rational<TL, TVec, T>(TVec z, out TVec p, out TVec q)
        where TL : struct, ILanes<TVec, T>
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            p = TL.FusedMultiplyAdd(z, C<TL, TVec, T>(3.47933107596021167570e-05), C<TL, TVec, T>(7.91534994289814532176e-04)); // pS5, pS4
            p = TL.FusedMultiplyAdd(z, p, C<TL, TVec, T>(-4.00555345006794114027e-02)); // pS3
            p = TL.FusedMultiplyAdd(z, p, C<TL, TVec, T>(2.01212532134862925881e-01));  // pS2
            p = TL.FusedMultiplyAdd(z, p, C<TL, TVec, T>(-3.25565818622400915405e-01)); // pS1
            p = TL.FusedMultiplyAdd(z, p, C<TL, TVec, T>(1.66666666666666657415e-01));  // pS0
            p = TL.Multiply(z, p);
            q = TL.FusedMultiplyAdd(z, C<TL, TVec, T>(7.70381505559019352791e-02), C<TL, TVec, T>(-6.88283971605453293030e-01)); // qS4, qS3
            q = TL.FusedMultiplyAdd(z, q, C<TL, TVec, T>(2.02094576023350569471e+00));  // qS2
            q = TL.FusedMultiplyAdd(z, q, C<TL, TVec, T>(-2.40339491173441421878e+00)); // qS1
            q = TL.FusedMultiplyAdd(z, q, TL.Create(T.One));
        }
        else if (typeof(T) == typeof(float))
        {
            p = TL.FusedMultiplyAdd(z, F<TL, TVec, T>(-8.6563630030e-03f), F<TL, TVec, T>(-4.2743422091e-02f)); // pS2, pS1
            p = TL.FusedMultiplyAdd(z, p, F<TL, TVec, T>(1.6666586697e-01f)); // pS0
            p = TL.Multiply(z, p);
            q = TL.FusedMultiplyAdd(z, F<TL, TVec, T>(-7.0662963390e-01f), TL.Create(T.One)); // qS1
        }
        else
        {
            throw new NotSupportedException($"AcosKernel supports double and float, not {typeof(T).Name}.");
        }
    }

    // Typed constants. The typeof tests are JIT-time constants, so each instantiation keeps only its own branch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T K<T>(double d, float f) where T : unmanaged
        => typeof(T) == typeof(double) ? Unsafe.BitCast<double, T>(d) : Unsafe.BitCast<float, T>(f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec C<TL, TVec, T>(double d)
        where TL : struct, ILanes<TVec, T>
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TL.Create(Unsafe.BitCast<double, T>(d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec F<TL, TVec, T>(float f)
        where TL : struct, ILanes<TVec, T>
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TL.Create(Unsafe.BitCast<float, T>(f));
}
