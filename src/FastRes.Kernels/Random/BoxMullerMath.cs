using System.Runtime.CompilerServices;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Random;

/// <summary>
/// The natural logarithm and sine/cosine the vector Box–Muller transform needs, written once over lanes from
/// IEEE-exact operations only (add, multiply, divide, fused multiply-add, sqrt, integer bit moves).
/// </summary>
/// <remarks>
/// <para>Why not <c>Vector512.Log</c> / <c>Vector512.SinCos</c>: on .NET 10 (measured on the 2-core AVX-512 box)
/// <c>Vector128.Log(Vector128&lt;double&gt;)</c> runs ~30× slower than <see cref="Math.Log(double)"/>, and the
/// Vector128 and Vector512 <c>SinCos</c> return different bits for about 1% of arguments (and different again with
/// <c>DOTNET_EnableHWIntrinsic=0</c>). Normals would then depend on the SIMD width, which SPEC §1.3 forbids. These
/// kernels give the same bits at every width, scalar included, with or without hardware intrinsics.</para>
/// <para>Accuracy (tested against <see cref="Math.Log(double)"/> and <see cref="Math.SinCos(double)"/>): log within
/// 1 ulp on (0, 1]; sin and cos within 2 ulp of the libm value on [0, 2π], or within 2^-60 absolute where the result is
/// tiny (there the libm value is no better, both are exact functions of a rounded argument).</para>
/// </remarks>
internal static class BoxMullerMath<TP, TL, TU, TD>
    where TP : struct, IPhiloxLanes<TU>
    where TL : struct, ILanes<TD, double>
    where TU : struct
    where TD : struct
{
    // fdlibm e_log.c / musl log.c (Sun Microsystems, 1993): log(1+f) = f − f²/2 + s·(f²/2 + R(s²)), s = f/(2+f),
    // R a minimax polynomial on [0, 0.1716]; ln 2 split so that k·Ln2Hi is exact for |k| < 2^11.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double Lg1 = 6.666666666666735130e-01;
    private const double Lg2 = 3.999999999940941908e-01;
    private const double Lg3 = 2.857142874366239149e-01;
    private const double Lg4 = 2.222219843214978396e-01;
    private const double Lg5 = 1.818357216161805012e-01;
    private const double Lg6 = 1.531383769920937332e-01;
    private const double Lg7 = 1.479819860511658591e-01;

    /// <summary>
    /// ln x for positive normal finite x (Box–Muller only ever passes u ∈ (0, 1)); no special-value handling.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Log(TD x)
    {
        // x = 2^k·m with m ∈ [√2/2, √2): adding (1.0 − 0x3FE6A09E…) to the bit pattern carries into the exponent
        // exactly when the mantissa passes √2/2's, so the exponent field then holds k + 1023 (musl's trick).
        TU ix = TP.Add(TP.AsUInt64(x), TP.Broadcast(0x3FF0_0000_0000_0000UL - 0x3FE6_A09E_0000_0000UL));
        TU biasedK = TP.ShiftRightLogical(ix, 52);
        TD m = TP.AsDouble<TD>(TP.Add(TP.And(ix, TP.Broadcast(0x000F_FFFF_FFFF_FFFFUL)), TP.Broadcast(0x3FE6_A09E_0000_0000UL)));
        TD k = TL.Subtract(TP.AsDouble<TD>(TP.Or(biasedK, TP.Broadcast(BoxMullerMath.TwoTo52Bits))), TL.Create(BoxMullerMath.TwoTo52 + 1023.0));

        TD f = TL.Subtract(m, TL.Create(1.0));
        TD hfsq = TL.Multiply(TL.Multiply(TL.Create(0.5), f), f);
        TD s = TL.Divide(f, TL.Add(TL.Create(2.0), f));
        TD z = TL.Multiply(s, s);
        TD w = TL.Multiply(z, z);
        TD t1 = TL.Multiply(w, TL.FusedMultiplyAdd(w, TL.FusedMultiplyAdd(w, TL.Create(Lg6), TL.Create(Lg4)), TL.Create(Lg2)));
        TD t2 = TL.Multiply(z, TL.FusedMultiplyAdd(w,
            TL.FusedMultiplyAdd(w, TL.FusedMultiplyAdd(w, TL.Create(Lg7), TL.Create(Lg5)), TL.Create(Lg3)), TL.Create(Lg1)));
        TD r = TL.Add(t2, t1);

        // s·(hfsq + R) + k·Ln2Lo − hfsq + f + k·Ln2Hi, summed small to large as in fdlibm.
        TD sum = TL.FusedMultiplyAdd(s, TL.Add(hfsq, r), TL.Multiply(k, TL.Create(Ln2Lo)));
        sum = TL.Add(TL.Subtract(sum, hfsq), f);
        return TL.FusedMultiplyAdd(k, TL.Create(Ln2Hi), sum);
    }

    // fdlibm k_sin.c / k_cos.c minimax coefficients for |y| ≤ π/4.
    private const double S1 = -1.66666666666666324348e-01;
    private const double S2 = 8.33333333332248946124e-03;
    private const double S3 = -1.98412698298579493134e-04;
    private const double S4 = 2.75573137070700676789e-06;
    private const double S5 = -2.50507602534068634195e-08;
    private const double S6 = 1.58969099521155010221e-10;
    private const double C1 = 4.16666666666666019037e-02;
    private const double C2 = -1.38888888888741095749e-03;
    private const double C3 = 2.48015872894767294178e-05;
    private const double C4 = -2.75573143513906633035e-07;
    private const double C5 = 2.08757232129817482790e-09;
    private const double C6 = -1.13596475577881948265e-11;

    // fdlibm e_rem_pio2.c: 2/π and π/2 = Pio2A + Pio2B + Pio2C, the first two with 33 significant bits so that
    // q·Pio2A and q·Pio2B are exact for the small quadrant numbers q used here.
    private const double InvPio2 = 6.36619772367581382433e-01;
    private const double Pio2A = 1.57079632673412561417e+00;
    private const double Pio2B = 6.07710050630396597660e-11;
    private const double Pio2C = 2.02226624879595063154e-21;
    private const double RoundMagic = 6755399441055744.0; // 1.5·2^52: adding it rounds to an integer held in the low mantissa bits

    /// <summary>
    /// sin x and cos x for 0 ≤ |x| ≤ 2^20 (Box–Muller passes x = 2π·u ∈ (0, 2π)); no special-value handling.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SinCos(TD x, out TD sin, out TD cos)
    {
        // Cody–Waite reduction y = x − q·π/2 in three steps. The first is exact (Sterbenz: q·Pio2A is within a factor
        // 2 of x), so y keeps its relative accuracy even next to a multiple of π/2, where cos(x) is tiny.
        TD shifted = TL.FusedMultiplyAdd(x, TL.Create(InvPio2), TL.Create(RoundMagic));
        TU q = TP.AsUInt64(shifted);
        TD qd = TL.Subtract(shifted, TL.Create(RoundMagic));
        TD minusQ = TL.Negate(qd);
        TD y = TL.FusedMultiplyAdd(minusQ, TL.Create(Pio2A), x);
        y = TL.FusedMultiplyAdd(minusQ, TL.Create(Pio2B), y);
        y = TL.FusedMultiplyAdd(minusQ, TL.Create(Pio2C), y);

        TD z = TL.Multiply(y, y);
        // sin y = y + y³·(S1 + z·(S2 + … + z⁴·S6))
        TD ps = TL.FusedMultiplyAdd(z, TL.FusedMultiplyAdd(z, TL.FusedMultiplyAdd(z, TL.FusedMultiplyAdd(z,
            TL.Create(S6), TL.Create(S5)), TL.Create(S4)), TL.Create(S3)), TL.Create(S2));
        TD sinY = TL.FusedMultiplyAdd(TL.Multiply(z, y), TL.FusedMultiplyAdd(z, ps, TL.Create(S1)), y);
        // cos y = w + ((1 − w) − z/2 + z²·P(z)), w = 1 − z/2: fdlibm's split keeps the rounding of 1 − z/2 exact-ish.
        TD pc = TL.FusedMultiplyAdd(z, TL.FusedMultiplyAdd(z, TL.FusedMultiplyAdd(z, TL.FusedMultiplyAdd(z,
            TL.FusedMultiplyAdd(z, TL.Create(C6), TL.Create(C5)), TL.Create(C4)), TL.Create(C3)), TL.Create(C2)), TL.Create(C1));
        TD hz = TL.Multiply(TL.Create(0.5), z);
        TD w = TL.Subtract(TL.Create(1.0), hz);
        TD cosY = TL.Add(w, TL.FusedMultiplyAdd(TL.Multiply(z, z), pc, TL.Subtract(TL.Subtract(TL.Create(1.0), w), hz)));

        // Quadrant q mod 4: (sin, cos) = (s, c), (c, −s), (−s, −c), (−c, s).
        TU one = TP.Broadcast(1), two = TP.Broadcast(2);
        TD swap = TP.AsDouble<TD>(TP.Subtract(TP.Broadcast(0), TP.And(q, one)));
        TU sinSign = TP.ShiftLeft(TP.And(q, two), 62);
        TU cosSign = TP.ShiftLeft(TP.And(TP.Add(q, one), two), 62);
        sin = TP.AsDouble<TD>(TP.Xor(TP.AsUInt64(TL.Select(swap, cosY, sinY)), sinSign));
        cos = TP.AsDouble<TD>(TP.Xor(TP.AsUInt64(TL.Select(swap, sinY, cosY)), cosSign));
    }
}

/// <summary>The constants <see cref="BoxMullerMath{TP,TL,TU,TD}"/> shares with the uniform conversions, and its scalar entry points.</summary>
internal static class BoxMullerMath
{
    // 2^52 as the bit pattern/value pair behind the exact small-integer ↔ double conversions.
    internal const ulong TwoTo52Bits = 0x4330_0000_0000_0000;
    internal const double TwoTo52 = 4503599627370496.0;

    /// <summary>Scalar entry points for the accuracy tests (the same code the vector widths run).</summary>
    internal static double Log(double x) => BoxMullerMath<PhiloxLanes1, Lanes1<double>, ulong, double>.Log(x);

    internal static (double Sin, double Cos) SinCos(double x)
    {
        BoxMullerMath<PhiloxLanes1, Lanes1<double>, ulong, double>.SinCos(x, out double s, out double c);
        return (s, c);
    }
}
